// Encodes a whole RecordBatch v2 with one wasm call: the host lays the records
// out in scratch memory (lengths as plain i32s, bytes copied once), the wasm
// core writes varints, header and CRC-32C, and the result is copied out.

import { InvalidRecordError, RecordTooLargeError } from "./errors.ts";
import {
  ATTR_CONTROL, ATTR_DELETE_HORIZON, ATTR_TIMESTAMP_TYPE, ATTR_TRANSACTIONAL, NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_EPOCH, NO_PRODUCER_ID, NO_SEQUENCE,
  type BatchInput, type BytesInput, type RecordInput,
} from "./types.ts";
import {
  P_ATTRIBUTES, P_BASE_OFFSET, P_BASE_SEQUENCE, P_BASE_TIMESTAMP, P_LAST_OFFSET_DELTA, P_MAX_TIMESTAMP,
  P_PARTITION_LEADER_EPOCH, P_PRODUCER_EPOCH, P_PRODUCER_ID, P_RECORD_COUNT, PARAMS_BYTES, RECORDS,
  R_FIXED_BYTES, R_HEADERS_BYTES, R_HEADER_COUNT, R_KEY_LENGTH, R_OFFSET_DELTA, R_TIMESTAMP, R_VALUE_LENGTH,
} from "./wasm-abi.ts";
import { align8, core, memoryViews, reserve, scratchBase } from "./wasm-core.ts";

/**
 * The largest batch the format layer will build: lengths are int32 on the wire
 * and the wasm core addresses 4 GiB. Brokers and producers apply their own,
 * smaller limits (message.max.bytes, max.request.size) through `batchBytesMax`.
 */
export const FORMAT_BATCH_BYTES_MAX = 1 << 30;

export interface EncodeOptions {
  /** Refuse batches larger than this with RecordTooLargeError. */
  readonly batchBytesMax?: number;
  /** Name of the setting behind batchBytesMax, for the error message. */
  readonly batchBytesMaxName?: string;
}

const INT32_MAX = 0x7fffffff;
const textEncoder = new TextEncoder();

/** Upper bound of the bytes a BytesInput occupies as UTF-8. */
function bytesBound(input: BytesInput | null | undefined): number {
  if (input == null) return 0;
  return typeof input === "string" ? input.length * 3 : input.length;
}

/** Writes bytes (UTF-8 for strings) at `position`; returns how many were written. */
function writeBytes(u8: Uint8Array, position: number, input: BytesInput): number {
  if (typeof input !== "string") {
    u8.set(input, position);
    return input.length;
  }
  return textEncoder.encodeInto(input, u8.subarray(position, position + input.length * 3)).written;
}

function checkInt(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidRecordError(`${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
}

function checkTimestamp(name: string, value: number): void {
  if (!Number.isSafeInteger(value)) throw new InvalidRecordError(`${name} must be a safe integer (ms), got ${value}`);
}

function recordBound(record: RecordInput): number {
  let bound = R_FIXED_BYTES + 7 + bytesBound(record.key) + bytesBound(record.value);
  const headers = record.headers;
  if (headers !== undefined) {
    for (const header of headers) bound += 8 + header.key.length * 3 + bytesBound(header.value);
  }
  return bound;
}

/** Writes one record in the encoder's input layout; returns the next record's address. */
function writeRecord(record: RecordInput, index: number, at: number, defaultTimestamp: number): number {
  const { u8, i32, f64 } = memoryViews;
  const timestamp = record.timestamp ?? defaultTimestamp;
  const offsetDelta = record.offsetDelta ?? index;
  f64[(at + R_TIMESTAMP) >> 3] = timestamp;
  i32[(at + R_OFFSET_DELTA) >> 2] = offsetDelta;
  let p = at + R_FIXED_BYTES;
  const key = record.key;
  let keyLength = -1;
  if (key != null) {
    keyLength = writeBytes(u8, p, key);
    p += keyLength;
  }
  i32[(at + R_KEY_LENGTH) >> 2] = keyLength;
  const value = record.value;
  let valueLength = -1;
  if (value != null) {
    valueLength = writeBytes(u8, p, value);
    p += valueLength;
  }
  i32[(at + R_VALUE_LENGTH) >> 2] = valueLength;
  const headers = record.headers;
  const headersStart = p;
  let headerCount = 0;
  if (headers !== undefined) {
    const view = memoryViews.view;
    for (const header of headers) {
      const headerKeyLength = writeBytes(u8, p + 4, header.key);
      view.setInt32(p, headerKeyLength, true);
      p += 4 + headerKeyLength;
      const headerValue = header.value;
      const headerValueLength = headerValue == null ? -1 : writeBytes(u8, p + 4, headerValue);
      view.setInt32(p, headerValueLength, true);
      p += 4 + Math.max(headerValueLength, 0);
      headerCount++;
    }
  }
  i32[(at + R_HEADER_COUNT) >> 2] = headerCount;
  i32[(at + R_HEADERS_BYTES) >> 2] = p - headersStart;
  return align8(p);
}

function attributesOf(batch: BatchInput): number {
  return (
    (batch.timestampType === "log-append-time" ? ATTR_TIMESTAMP_TYPE : 0) |
    (batch.isTransactional ? ATTR_TRANSACTIONAL : 0) |
    (batch.isControl ? ATTR_CONTROL : 0) |
    (batch.hasDeleteHorizon ? ATTR_DELETE_HORIZON : 0)
  );
}

/**
 * Encodes `batch` as RecordBatch v2 bytes (uncompressed). Throws
 * InvalidRecordError for out-of-range fields and RecordTooLargeError when the
 * result would exceed the limit.
 */
export function encodeBatch(batch: BatchInput, options: EncodeOptions = {}): Uint8Array {
  const records = batch.records;
  const count = records.length;
  const limit = Math.min(options.batchBytesMax ?? FORMAT_BATCH_BYTES_MAX, FORMAT_BATCH_BYTES_MAX);
  const limitName = options.batchBytesMax === undefined ? "FORMAT_BATCH_BYTES_MAX" : (options.batchBytesMaxName ?? "batchBytesMax");

  // Pass 1: validate, derive defaults, bound the memory needed.
  const firstTimestamp = count > 0 ? records[0]!.timestamp : undefined;
  const baseTimestamp = batch.baseTimestamp ?? firstTimestamp;
  if (baseTimestamp === undefined) {
    throw new InvalidRecordError("a batch needs baseTimestamp or a timestamp on its first record");
  }
  checkTimestamp("baseTimestamp", baseTimestamp);
  let maxTimestamp = -Infinity;
  let lastOffsetDelta = count - 1;
  let inputBound = 0;
  let payloadBytesMin = 0; // UTF-8 never takes fewer bytes than UTF-16 code units
  for (let i = 0; i < count; i++) {
    const record = records[i]!;
    const timestamp: number = record.timestamp ?? baseTimestamp;
    if (timestamp !== baseTimestamp) checkTimestamp(`records[${i}].timestamp`, timestamp);
    if (timestamp > maxTimestamp) maxTimestamp = timestamp;
    const offsetDelta = record.offsetDelta;
    if (offsetDelta !== undefined) {
      checkInt(`records[${i}].offsetDelta`, offsetDelta, 0, INT32_MAX);
      if (offsetDelta > lastOffsetDelta) lastOffsetDelta = offsetDelta;
    }
    inputBound += recordBound(record);
    payloadBytesMin += (record.key?.length ?? 0) + (record.value?.length ?? 0);
  }
  if (payloadBytesMin > limit) throw new RecordTooLargeError(payloadBytesMin, limit, limitName);

  const baseOffset = batch.baseOffset ?? 0;
  checkInt("baseOffset", baseOffset, 0, Number.MAX_SAFE_INTEGER);
  const producerId = batch.producerId ?? NO_PRODUCER_ID;
  checkInt("producerId", producerId, -1, Number.MAX_SAFE_INTEGER);
  const producerEpoch = batch.producerEpoch ?? NO_PRODUCER_EPOCH;
  checkInt("producerEpoch", producerEpoch, -1, 0x7fff);
  const baseSequence = batch.baseSequence ?? NO_SEQUENCE;
  checkInt("baseSequence", baseSequence, -1, INT32_MAX);
  const partitionLeaderEpoch = batch.partitionLeaderEpoch ?? NO_PARTITION_LEADER_EPOCH;
  checkInt("partitionLeaderEpoch", partitionLeaderEpoch, -1, INT32_MAX);
  if (batch.lastOffsetDelta !== undefined) {
    checkInt("lastOffsetDelta", batch.lastOffsetDelta, lastOffsetDelta, INT32_MAX);
    lastOffsetDelta = batch.lastOffsetDelta;
  }
  if (batch.maxTimestamp !== undefined) checkTimestamp("maxTimestamp", batch.maxTimestamp);

  // Pass 2: lay out parameters and records in scratch memory.
  const params = scratchBase;
  const input = params + PARAMS_BYTES;
  reserve(PARAMS_BYTES + inputBound);
  let at = input;
  for (let i = 0; i < count; i++) at = writeRecord(records[i]!, i, at, baseTimestamp);
  const inputBytes = at - input;

  const { view } = memoryViews;
  view.setBigInt64(params + P_BASE_OFFSET, BigInt(baseOffset), true);
  view.setBigInt64(params + P_PRODUCER_ID, BigInt(producerId), true);
  view.setFloat64(params + P_BASE_TIMESTAMP, baseTimestamp, true);
  view.setFloat64(params + P_MAX_TIMESTAMP, batch.maxTimestamp ?? (count > 0 ? maxTimestamp : baseTimestamp), true);
  view.setInt32(params + P_PARTITION_LEADER_EPOCH, partitionLeaderEpoch, true);
  view.setInt32(params + P_LAST_OFFSET_DELTA, lastOffsetDelta, true);
  view.setInt32(params + P_BASE_SEQUENCE, baseSequence, true);
  view.setInt32(params + P_ATTRIBUTES, attributesOf(batch), true);
  view.setInt32(params + P_PRODUCER_EPOCH, producerEpoch, true);
  view.setInt32(params + P_RECORD_COUNT, count, true);

  // A record's varints take at most 36 bytes in place of its 32-byte fixed part,
  // and a header's two varint lengths at most 10 in place of its 8 bytes of
  // i32 lengths, so the output is at most the input + 4 per record + a quarter.
  const out = input + inputBytes;
  reserve(PARAMS_BYTES + inputBytes + RECORDS + inputBytes + count * 4 + (inputBytes >> 2));
  const size = core.encodeBatch(params, input, out);
  if (size > limit) throw new RecordTooLargeError(size, limit, limitName);
  return memoryViews.u8.slice(out, out + size);
}
