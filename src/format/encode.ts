// Encodes a whole RecordBatch v2 with one wasm call: the host lays the records
// out in scratch memory (lengths as plain i32s, bytes copied once), the wasm
// core writes varints, header and CRC-32C, and the result is copied out.

import { BATCH_CRC_START, BATCH_HEADER, BATCH_HEADER_BYTES, BATCH_LOG_OVERHEAD } from "./batch-layout.ts";
import { crc32c } from "./crc32c.ts";
import { compressRecords, WRITABLE_COMPRESSION_CODECS, type WritableCompressionCodec } from "./compression.ts";
import { InvalidRecordError, RecordTooLargeError } from "./errors.ts";
import {
  ATTR_CONTROL, ATTR_DELETE_HORIZON, ATTR_TIMESTAMP_TYPE, ATTR_TRANSACTIONAL, NO_PARTITION_LEADER_EPOCH,
  COMPRESSION_CODECS, NO_PRODUCER_EPOCH, NO_PRODUCER_ID, NO_SEQUENCE,
  type BatchInput, type BytesInput, type RecordHeaderInput, type RecordInput,
} from "./types.ts";
import {
  P_ATTRIBUTES, P_BASE_OFFSET, P_BASE_SEQUENCE, P_BASE_TIMESTAMP, P_LAST_OFFSET_DELTA, P_MAX_TIMESTAMP,
  P_PARTITION_LEADER_EPOCH, P_PRODUCER_EPOCH, P_PRODUCER_ID, P_RECORD_COUNT, PARAMS_BYTES,
  R_FIXED_BYTES, R_HEADERS_BYTES, R_HEADER_COUNT, R_KEY_LENGTH, R_OFFSET_DELTA, R_TIMESTAMP, R_VALUE_LENGTH,
} from "./wasm-abi.ts";
import { core, memoryViews, reserve, scratchBase } from "./wasm-core.ts";

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
  /**
   * Write the batch into this buffer and return a view of it, instead of a new
   * array. A producer that reuses its batch buffers (as Kafka's Java producer
   * does with its BufferPool) avoids allocating, and on glibc re-faulting, a
   * fresh buffer per batch. Too small a buffer gives RecordTooLargeError.
   */
  readonly into?: Uint8Array;
  /**
   * Compress the records section with this codec (Kafka's compression.type;
   * default none). batchBytesMax then limits the compressed batch, as Kafka's
   * max.request.size and message.max.bytes do.
   */
  readonly compression?: WritableCompressionCodec;
}

const INT32_MAX = 0x7fffffff;
const textEncoder = new TextEncoder();

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

/** Names what a caller passed where bytes belong, for an error message. */
function describeInput(input: unknown): string {
  if (input === null || input === undefined) return String(input);
  if (typeof input === "object") return (input as object).constructor?.name ?? "an object without a prototype";
  if (typeof input === "function") return "a function";
  return `${typeof input} ${String(input)}`;
}

/**
 * Bytes a key or value may take in the encoder's input layout (UTF-8 at 3
 * bytes per code unit), or -1 when it is not bytes: anything but a string, a
 * Uint8Array or null would otherwise be written as nothing or as wrapped
 * numbers. One typeof and one instanceof on the hot path; the realm-safe
 * check runs only for what instanceof refused (a Uint8Array from another realm).
 */
function bytesBound(input: BytesInput | null | undefined): number {
  if (input == null) return 0;
  if (typeof input === "string") return input.length * 3;
  if (input instanceof Uint8Array) return input.length;
  if (ArrayBuffer.isView(input) && Object.prototype.toString.call(input) === "[object Uint8Array]") return (input as Uint8Array).length;
  return -1;
}

function notBytes(field: string, input: unknown): InvalidRecordError {
  return new InvalidRecordError(`${field} must be a string, a Uint8Array or null, got ${describeInput(input)}`);
}

/**
 * Checks a record's header list and returns the bytes its section may take:
 * an array of { key: string, value: string | Uint8Array | null }.
 */
function headersBound(headers: readonly RecordHeaderInput[], list: string, index: number): number {
  if (!Array.isArray(headers)) {
    throw new InvalidRecordError(`${list}[${index}].headers must be an array of { key, value }, got ${describeInput(headers)}`);
  }
  let bound = 0;
  for (let h = 0; h < headers.length; h++) {
    const header: unknown = headers[h];
    if (typeof header !== "object" || header === null) {
      throw new InvalidRecordError(`${list}[${index}].headers[${h}] must be { key, value }, got ${describeInput(header)}`);
    }
    const { key, value } = header as RecordHeaderInput;
    if (typeof key !== "string") {
      throw new InvalidRecordError(`${list}[${index}].headers[${h}].key must be a string, got ${describeInput(key)}`);
    }
    const valueBound = bytesBound(value);
    if (valueBound < 0 || value === undefined) throw notBytes(`${list}[${index}].headers[${h}].value`, value);
    bound += 8 + key.length * 3 + valueBound;
  }
  return bound;
}

/** Refuses a record that is not an object (before its fields are read). */
function checkRecordObject(record: unknown, list: string, index: number): asserts record is RecordInput {
  if (typeof record !== "object" || record === null) {
    throw new InvalidRecordError(`${list}[${index}] must be a record object, got ${describeInput(record)}`);
  }
}

/**
 * Makes the checks encodeBatch makes on one record's key, value, headers and
 * timestamp, naming it `${list}[${index}]`: for a caller (the producer) that
 * must refuse a record when it is handed over, before it shares a batch with others.
 */
export function checkRecordInput(record: RecordInput, list: string, index: number): void {
  checkRecordObject(record, list, index);
  const { key, value, headers, timestamp } = record;
  if (bytesBound(key) < 0) throw notBytes(`${list}[${index}].key`, key);
  if (bytesBound(value) < 0 || value === undefined) throw notBytes(`${list}[${index}].value`, value);
  if (headers !== undefined) headersBound(headers, list, index);
  if (timestamp !== undefined) checkTimestamp(`${list}[${index}].timestamp`, timestamp);
}

/** Writes a header section (i32 lengths, -1 = null value); returns the address after it. */
function writeHeaders(headers: readonly RecordHeaderInput[], at: number): number {
  const { u8, view } = memoryViews;
  for (const header of headers) {
    const keyLength = writeBytes(u8, at + 4, header.key);
    view.setInt32(at, keyLength, true);
    at += 4 + keyLength;
    const value = header.value;
    const valueLength = value == null ? -1 : writeBytes(u8, at + 4, value);
    view.setInt32(at, valueLength, true);
    at += 4 + Math.max(valueLength, 0);
  }
  return at;
}

/** What laying out the records found, for the batch header. */
interface RecordsLayout {
  readonly end: number;
  readonly maxTimestamp: number;
  readonly lastOffsetDelta: number;
}

/**
 * Writes every record in the encoder's input layout from `input` on, checking
 * fields as it goes, and grows scratch memory as needed. One pass: this loop is
 * the per-record cost of encoding, so it reads each property once.
 */
function layoutRecords(records: readonly RecordInput[], baseTimestamp: number, input: number, limit: number, limitName: string): RecordsLayout {
  let maxTimestamp = -Infinity;
  let lastOffsetDelta = records.length - 1;
  let previousOffsetDelta = -1;
  let reserved = 0;
  let { u8, i32, f64 } = memoryViews;
  let at = input;
  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    checkRecordObject(record, "records", i);
    const { key, value, headers } = record;
    const timestamp = record.timestamp ?? baseTimestamp;
    if (timestamp !== baseTimestamp) checkTimestamp(`records[${i}].timestamp`, timestamp);
    if (timestamp > maxTimestamp) maxTimestamp = timestamp;
    let offsetDelta = record.offsetDelta;
    if (offsetDelta === undefined) {
      offsetDelta = i;
    } else {
      checkInt(`records[${i}].offsetDelta`, offsetDelta, 0, INT32_MAX);
      if (offsetDelta > lastOffsetDelta) lastOffsetDelta = offsetDelta;
    }
    // Two records at one offset, or offsets going back, would read back as records at the wrong offsets.
    if (offsetDelta <= previousOffsetDelta) {
      throw new InvalidRecordError(
        `records[${i}].offsetDelta ${offsetDelta} must be above records[${i - 1}]'s ${previousOffsetDelta}: offset deltas increase`,
      );
    }
    previousOffsetDelta = offsetDelta;

    const keyBound = bytesBound(key);
    if (keyBound < 0) throw notBytes(`records[${i}].key`, key);
    const valueBound = bytesBound(value);
    if (valueBound < 0 || value === undefined) throw notBytes(`records[${i}].value`, value);
    const bound = R_FIXED_BYTES + 7 + keyBound + valueBound + (headers === undefined ? 0 : headersBound(headers, "records", i));
    const needed = at + bound - scratchBase;
    if (needed > reserved) {
      if (needed - (input - scratchBase) > 2 * limit + 64) {
        throw new RecordTooLargeError(needed - (input - scratchBase), limit, limitName);
      }
      reserved = 2 * needed; // geometric, so a large batch grows memory a few times at most
      reserve(reserved);
      ({ u8, i32, f64 } = memoryViews);
    }

    f64[(at + R_TIMESTAMP) >> 3] = timestamp;
    i32[(at + R_OFFSET_DELTA) >> 2] = offsetDelta;
    let p = at + R_FIXED_BYTES;
    let keyLength = -1;
    if (key != null) {
      keyLength = writeBytes(u8, p, key);
      p += keyLength;
    }
    let valueLength = -1;
    if (value != null) {
      valueLength = writeBytes(u8, p, value);
      p += valueLength;
    }
    const headersStart = p;
    if (headers !== undefined && headers.length > 0) p = writeHeaders(headers, p);
    i32[(at + R_KEY_LENGTH) >> 2] = keyLength;
    i32[(at + R_VALUE_LENGTH) >> 2] = valueLength;
    i32[(at + R_HEADER_COUNT) >> 2] = headers === undefined ? 0 : headers.length;
    i32[(at + R_HEADERS_BYTES) >> 2] = p - headersStart;
    at = (p + 7) & ~7;
  }
  return { end: at, maxTimestamp, lastOffsetDelta };
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
 * Encodes `batch` as RecordBatch v2 bytes (uncompressed unless options.compression says otherwise). Throws
 * InvalidRecordError, naming the field and the record's index, for
 * out-of-range fields, keys, values and headers that are not bytes, and
 * offset deltas that do not increase; RecordTooLargeError when the
 * result would exceed the limit.
 */
export function encodeBatch(batch: BatchInput, options: EncodeOptions = {}): Uint8Array {
  const records = batch.records;
  if (!Array.isArray(records)) throw new InvalidRecordError(`records must be an array, got ${describeInput(records)}`);
  const count = records.length;
  const limit = Math.min(options.batchBytesMax ?? FORMAT_BATCH_BYTES_MAX, FORMAT_BATCH_BYTES_MAX);
  const limitName = options.batchBytesMax === undefined ? "FORMAT_BATCH_BYTES_MAX" : (options.batchBytesMaxName ?? "batchBytesMax");

  const firstTimestamp = count > 0 ? records[0]!.timestamp : undefined;
  const baseTimestamp = batch.baseTimestamp ?? firstTimestamp;
  if (baseTimestamp === undefined) {
    throw new InvalidRecordError("a batch needs baseTimestamp or a timestamp on its first record");
  }
  checkTimestamp("baseTimestamp", baseTimestamp);
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
  if (batch.maxTimestamp !== undefined) checkTimestamp("maxTimestamp", batch.maxTimestamp);

  const params = scratchBase;
  const input = params + PARAMS_BYTES;
  const compression = options.compression ?? "none";
  if (!WRITABLE_COMPRESSION_CODECS.includes(compression)) {
    throw new InvalidRecordError(`compression ${String(compression)} cannot be written; expected one of ${WRITABLE_COMPRESSION_CODECS.join(", ")}`);
  }
  // A compressed batch is limited after compression, so its records may exceed the limit before.
  const recordsLimit = compression === "none" ? limit : FORMAT_BATCH_BYTES_MAX;
  const layout = layoutRecords(records, baseTimestamp, input, recordsLimit, limitName);
  const inputBytes = layout.end - input;
  let lastOffsetDelta = layout.lastOffsetDelta;
  if (batch.lastOffsetDelta !== undefined) {
    checkInt("lastOffsetDelta", batch.lastOffsetDelta, lastOffsetDelta, INT32_MAX);
    lastOffsetDelta = batch.lastOffsetDelta;
  }

  const { view } = memoryViews;
  view.setBigInt64(params + P_BASE_OFFSET, BigInt(baseOffset), true);
  view.setBigInt64(params + P_PRODUCER_ID, BigInt(producerId), true);
  view.setFloat64(params + P_BASE_TIMESTAMP, baseTimestamp, true);
  view.setFloat64(params + P_MAX_TIMESTAMP, batch.maxTimestamp ?? (count > 0 ? layout.maxTimestamp : baseTimestamp), true);
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
  reserve(PARAMS_BYTES + inputBytes + BATCH_HEADER_BYTES + inputBytes + count * 4 + (inputBytes >> 2));
  const plainSize = core.encodeBatch(params, input, out);
  const encoded = compression === "none"
    ? memoryViews.u8.subarray(out, out + plainSize)
    : compressBatch(memoryViews.u8.subarray(out, out + plainSize), compression);
  const size = encoded.length;
  if (size > limit) throw new RecordTooLargeError(size, limit, limitName);
  const target = options.into;
  // The uncompressed bytes are a view of wasm memory, so they are copied out; compressBatch's are already a fresh array.
  if (target === undefined) return compression === "none" ? encoded.slice() : encoded;
  if (size > target.length) throw new RecordTooLargeError(size, target.length, "the target buffer (into)");
  target.set(encoded);
  return target.subarray(0, size);
}

/**
 * The uncompressed batch `plain` with its records section compressed: the
 * header is kept, with the codec in attributes, the new batchLength and CRC.
 */
function compressBatch(plain: Uint8Array, codec: Exclude<WritableCompressionCodec, "none">): Uint8Array {
  const section = compressRecords(codec, plain.subarray(BATCH_HEADER_BYTES));
  const batch = new Uint8Array(BATCH_HEADER_BYTES + section.length);
  batch.set(plain.subarray(0, BATCH_HEADER_BYTES));
  batch.set(section, BATCH_HEADER_BYTES);
  const view = new DataView(batch.buffer);
  view.setInt32(BATCH_HEADER.batchLength.offset, batch.length - BATCH_LOG_OVERHEAD);
  view.setInt16(BATCH_HEADER.attributes.offset, view.getInt16(BATCH_HEADER.attributes.offset) | COMPRESSION_CODECS.indexOf(codec));
  view.setUint32(BATCH_HEADER.crc.offset, crc32c(batch.subarray(BATCH_CRC_START)));
  return batch;
}
