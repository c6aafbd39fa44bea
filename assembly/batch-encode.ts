// Encodes one whole RecordBatch v2 in a single call: the host lays out the
// batch parameters and the records (see batch-layout.ts); this writes the
// header, every record with its varints, and the CRC-32C.

import {
  ATTRIBUTES, BASE_OFFSET, BASE_SEQUENCE, BASE_TIMESTAMP, BATCH_LENGTH, CRC, CURRENT_MAGIC,
  LAST_OFFSET_DELTA, LOG_OVERHEAD, MAGIC, MAX_TIMESTAMP, PARTITION_LEADER_EPOCH, PRODUCER_EPOCH,
  PRODUCER_ID, P_ATTRIBUTES, P_BASE_OFFSET, P_BASE_SEQUENCE, P_BASE_TIMESTAMP, P_LAST_OFFSET_DELTA,
  P_MAX_TIMESTAMP, P_PARTITION_LEADER_EPOCH, P_PRODUCER_EPOCH, P_PRODUCER_ID, P_RECORD_COUNT,
  RECORDS, RECORD_COUNT, R_FIXED_BYTES, R_HEADERS_BYTES, R_HEADER_COUNT, R_KEY_LENGTH,
  R_OFFSET_DELTA, R_TIMESTAMP, R_VALUE_LENGTH,
} from "./batch-layout";
import { crc32cUpdate } from "./crc32c";
import { varintSize, varlongSize, writeVarint, writeVarlong } from "./varint";

// @ts-ignore: decorator
@inline function storeBE32(ptr: usize, value: i32): void { store<i32>(ptr, bswap<i32>(value)); }
// @ts-ignore: decorator
@inline function storeBE16(ptr: usize, value: i32): void { store<u16>(ptr, bswap<u16>(<u16>value)); }
// @ts-ignore: decorator
@inline function storeBE64(ptr: usize, value: i64): void { store<i64>(ptr, bswap<i64>(value)); }

/** Size of a varint length prefix plus the bytes it announces (-1 = null: no bytes). */
// @ts-ignore: decorator
@inline function sizedBytes(length: i32): i32 {
  return varintSize(length) + (length > 0 ? length : 0);
}

/** Bytes of a header section once written with varint lengths. */
function headersWireSize(ptr: usize, count: i32): i32 {
  let size = 0;
  for (let h = 0; h < count; h++) {
    const keyLength = load<i32>(ptr);
    ptr += 4 + <usize>keyLength;
    const valueLength = load<i32>(ptr);
    ptr += 4 + <usize>(valueLength > 0 ? <usize>valueLength : 0);
    size += sizedBytes(keyLength) + sizedBytes(valueLength);
  }
  return size;
}

/** Copies a header section from the host layout to the wire layout. */
function writeHeaders(src: usize, count: i32, dst: usize): usize {
  for (let h = 0; h < count; h++) {
    const keyLength = load<i32>(src);
    dst = writeVarint(dst, keyLength);
    memory.copy(dst, src + 4, keyLength);
    dst += keyLength;
    src += 4 + <usize>keyLength;
    const valueLength = load<i32>(src);
    dst = writeVarint(dst, valueLength);
    src += 4;
    if (valueLength > 0) {
      memory.copy(dst, src, valueLength);
      dst += valueLength;
      src += valueLength;
    }
  }
  return dst;
}

/**
 * Encodes the batch described at `params` with the records at `records` into
 * `out`. Returns the batch's total size in bytes. The host guarantees `out` has
 * room for encodedBatchBound() bytes.
 */
export function encodeBatch(params: usize, records: usize, out: usize): i32 {
  const baseTimestamp = <i64>load<f64>(params, P_BASE_TIMESTAMP);
  const recordCount = load<i32>(params, P_RECORD_COUNT);

  let src = records;
  let dst = out + RECORDS;
  for (let i = 0; i < recordCount; i++) {
    const timestampDelta = <i64>load<f64>(src, R_TIMESTAMP) - baseTimestamp;
    const offsetDelta = load<i32>(src, R_OFFSET_DELTA);
    const keyLength = load<i32>(src, R_KEY_LENGTH);
    const valueLength = load<i32>(src, R_VALUE_LENGTH);
    const headerCount = load<i32>(src, R_HEADER_COUNT);
    const headersBytes = load<i32>(src, R_HEADERS_BYTES);
    const key = src + R_FIXED_BYTES;
    const value = key + (keyLength > 0 ? <usize>keyLength : 0);
    const headers = value + (valueLength > 0 ? <usize>valueLength : 0);

    const bodySize =
      1 + varlongSize(timestampDelta) + varintSize(offsetDelta) +
      sizedBytes(keyLength) + sizedBytes(valueLength) +
      varintSize(headerCount) + (headerCount > 0 ? headersWireSize(headers, headerCount) : 0);

    dst = writeVarint(dst, bodySize);
    store<u8>(dst++, 0); // record attributes: unused in v2
    dst = writeVarlong(dst, timestampDelta);
    dst = writeVarint(dst, offsetDelta);
    dst = writeVarint(dst, keyLength);
    if (keyLength > 0) { memory.copy(dst, key, keyLength); dst += keyLength; }
    dst = writeVarint(dst, valueLength);
    if (valueLength > 0) { memory.copy(dst, value, valueLength); dst += valueLength; }
    dst = writeVarint(dst, headerCount);
    if (headerCount > 0) dst = writeHeaders(headers, headerCount, dst);

    src = (headers + <usize>headersBytes + 7) & ~<usize>7;
  }

  const size = <i32>(dst - out);
  storeBE64(out + BASE_OFFSET, load<i64>(params, P_BASE_OFFSET));
  storeBE32(out + BATCH_LENGTH, size - LOG_OVERHEAD);
  storeBE32(out + PARTITION_LEADER_EPOCH, load<i32>(params, P_PARTITION_LEADER_EPOCH));
  store<u8>(out + MAGIC, CURRENT_MAGIC);
  storeBE16(out + ATTRIBUTES, load<i32>(params, P_ATTRIBUTES));
  storeBE32(out + LAST_OFFSET_DELTA, load<i32>(params, P_LAST_OFFSET_DELTA));
  storeBE64(out + BASE_TIMESTAMP, baseTimestamp);
  storeBE64(out + MAX_TIMESTAMP, <i64>load<f64>(params, P_MAX_TIMESTAMP));
  storeBE64(out + PRODUCER_ID, load<i64>(params, P_PRODUCER_ID));
  storeBE16(out + PRODUCER_EPOCH, load<i32>(params, P_PRODUCER_EPOCH));
  storeBE32(out + BASE_SEQUENCE, load<i32>(params, P_BASE_SEQUENCE));
  storeBE32(out + RECORD_COUNT, recordCount);
  storeBE32(out + CRC, <i32>crc32cUpdate(0, out + ATTRIBUTES, <usize>(size - ATTRIBUTES)));
  return size;
}
