// Validates a buffer of RecordBatch v2 batches in one call and, on request,
// indexes every record (where its key, value and headers start) so the host
// can hand out views of the caller's bytes without copying or re-parsing.
// Stops at the first invalid batch and reports its position and the reason.

import {
  ATTRIBUTES, BATCH_ENTRY_BYTES, BATCH_LENGTH, COMPRESSION_MASK, CRC, CURRENT_MAGIC,
  E_HEADERS_POSITION, E_HEADER_COUNT, E_KEY_LENGTH, E_KEY_POSITION, E_OFFSET_DELTA,
  E_TIMESTAMP_DELTA, E_VALUE_LENGTH, E_VALUE_POSITION, LAST_OFFSET_DELTA, LOG_OVERHEAD, MAGIC,
  REASON_BATCH_LENGTH_INVALID, REASON_CRC_MISMATCH, REASON_MAGIC_UNSUPPORTED, REASON_NONE,
  REASON_OFFSET_DELTA_INVALID, REASON_RECORD_COUNT_INVALID, REASON_RECORD_MALFORMED, REASON_TABLE_FULL, REASON_TRUNCATED_BATCH, REASON_TRUNCATED_HEADER,
  RECORDS, RECORD_COUNT, RECORD_ENTRY_BYTES, S_BATCHES, S_DETAIL, S_DETAIL2, S_REASON, S_RECORDS,
  S_VALID_BYTES,
} from "./batch-layout";
import { crc32cUpdate } from "./crc32c";
import { readVarint, readVarlong, varintLength } from "./varint";

/** The smallest possible record: 1-byte length, attributes, and five 1-byte varints. */
const RECORD_BYTES_MIN: i32 = 7;

// @ts-ignore: decorator
@inline function loadBE32(ptr: usize): i32 { return bswap<i32>(load<i32>(ptr)); }

// Where the record walker stopped: the address after the last field it read,
// or 0 if the record is malformed; and the offsetDelta of the record it walked.
// Module globals keep the walker allocation-free.
let cursor: usize = 0;
let walkedOffsetDelta: i32 = 0;

/**
 * Reads a varint inside [cursor, end) and moves the cursor past it; sets the
 * cursor to 0 if it is malformed. Most record fields fit one byte, so that
 * case is decoded inline and the general reader runs only for the rest.
 */
// @ts-ignore: decorator
@inline function nextVarint(end: usize): i32 {
  if (cursor < end) {
    const first = <i32>load<u8>(cursor);
    if (first < 0x80) {
      cursor++;
      return (first >>> 1) ^ -(first & 1);
    }
  }
  const value = readVarint(cursor, end);
  if (varintLength < 0) { cursor = 0; return 0; }
  cursor += varintLength;
  return value;
}

/**
 * Walks one record at `cursor` that must end by `end`; writes its table entry
 * at `entry` when entry != 0. Leaves `cursor` after the record, or 0 if malformed.
 */
function walkRecord(base: usize, end: usize, entry: usize): void {
  const length = nextVarint(end);
  if (cursor == 0 || length < RECORD_BYTES_MIN - 1 || <usize>length > end - cursor) { cursor = 0; return; }
  const recordEnd = cursor + <usize>length;
  cursor += 1; // attributes
  const timestampDelta = readVarlong(cursor, recordEnd);
  if (varintLength < 0) { cursor = 0; return; }
  cursor += varintLength;
  const offsetDelta = nextVarint(recordEnd);
  if (cursor == 0) return;
  walkedOffsetDelta = offsetDelta;

  const keyLength = nextVarint(recordEnd);
  if (cursor == 0 || keyLength < -1 || keyLength > <i32>(recordEnd - cursor)) { cursor = 0; return; }
  const keyPosition = cursor;
  if (keyLength > 0) cursor += keyLength;

  const valueLength = nextVarint(recordEnd);
  if (cursor == 0 || valueLength < -1 || valueLength > <i32>(recordEnd - cursor)) { cursor = 0; return; }
  const valuePosition = cursor;
  if (valueLength > 0) cursor += valueLength;

  const headerCount = nextVarint(recordEnd);
  if (cursor == 0 || headerCount < 0) { cursor = 0; return; }
  const headersPosition = cursor;
  for (let h = 0; h < headerCount; h++) {
    const headerKeyLength = nextVarint(recordEnd); // null header keys are invalid
    if (cursor == 0 || headerKeyLength < 0 || headerKeyLength > <i32>(recordEnd - cursor)) { cursor = 0; return; }
    cursor += headerKeyLength;
    const headerValueLength = nextVarint(recordEnd);
    if (cursor == 0 || headerValueLength < -1 || headerValueLength > <i32>(recordEnd - cursor)) { cursor = 0; return; }
    if (headerValueLength > 0) cursor += headerValueLength;
  }
  if (cursor != recordEnd) { cursor = 0; return; }

  if (entry != 0) {
    store<f64>(entry, <f64>timestampDelta, E_TIMESTAMP_DELTA);
    store<i32>(entry, offsetDelta, E_OFFSET_DELTA);
    store<i32>(entry, <i32>(keyPosition - base), E_KEY_POSITION);
    store<i32>(entry, keyLength, E_KEY_LENGTH);
    store<i32>(entry, <i32>(valuePosition - base), E_VALUE_POSITION);
    store<i32>(entry, valueLength, E_VALUE_LENGTH);
    store<i32>(entry, <i32>(headersPosition - base), E_HEADERS_POSITION);
    store<i32>(entry, headerCount, E_HEADER_COUNT);
  }
}

function finish(result: usize, position: i32, reason: i32, batches: i32, records: i32, detail: i32, detail2: i32): i32 {
  store<i32>(result, position, S_VALID_BYTES);
  store<i32>(result, reason, S_REASON);
  store<i32>(result, batches, S_BATCHES);
  store<i32>(result, records, S_RECORDS);
  store<i32>(result, detail, S_DETAIL);
  store<i32>(result, detail2, S_DETAIL2);
  return reason;
}

/**
 * Validates the batches in [ptr, ptr + length). With batchTable != 0 writes one
 * entry per valid batch (at most batchCapacity); with recordTable != 0 one entry
 * per record (at most recordCapacity). Returns the reason the scan stopped
 * (REASON_NONE when every byte belongs to a valid batch); the result block holds
 * the position of the first invalid batch and reason-specific details.
 */
export function scanBatches(
  ptr: usize, length: i32, result: usize,
  batchTable: usize, batchCapacity: i32, recordTable: usize, recordCapacity: i32,
): i32 {
  let position: i32 = 0;
  let batches: i32 = 0;
  let records: i32 = 0;
  while (position < length) {
    const batch = ptr + <usize>position;
    const remaining = length - position;
    if (remaining < RECORDS) return finish(result, position, REASON_TRUNCATED_HEADER, batches, records, remaining, 0);
    const batchLength = loadBE32(batch + BATCH_LENGTH);
    if (batchLength < RECORDS - LOG_OVERHEAD) {
      return finish(result, position, REASON_BATCH_LENGTH_INVALID, batches, records, batchLength, 0);
    }
    if (batchLength > remaining - LOG_OVERHEAD) {
      return finish(result, position, REASON_TRUNCATED_BATCH, batches, records, batchLength + LOG_OVERHEAD, remaining);
    }
    const size = batchLength + LOG_OVERHEAD;
    const magic = <i32>load<u8>(batch + MAGIC);
    if (magic != CURRENT_MAGIC) return finish(result, position, REASON_MAGIC_UNSUPPORTED, batches, records, magic, 0);
    const storedCrc = loadBE32(batch + CRC);
    const computedCrc = <i32>crc32cUpdate(0, batch + ATTRIBUTES, <usize>(size - ATTRIBUTES));
    if (storedCrc != computedCrc) {
      return finish(result, position, REASON_CRC_MISMATCH, batches, records, storedCrc, computedCrc);
    }
    const recordCount = loadBE32(batch + RECORD_COUNT);
    const compressed = (<i32>load<u8>(batch + ATTRIBUTES + 1) & COMPRESSION_MASK) != 0;
    // Compressed records cannot be walked here; their count is checked on decompression.
    if (recordCount < 0 || (!compressed && recordCount > (size - RECORDS) / RECORD_BYTES_MIN)) {
      return finish(result, position, REASON_RECORD_COUNT_INVALID, batches, records, recordCount, 0);
    }
    if (batchTable != 0 && batches >= batchCapacity) {
      return finish(result, position, REASON_TABLE_FULL, batches, records, 0, 0);
    }
    if (!compressed) {
      if (recordTable != 0 && recordCount > recordCapacity - records) {
        return finish(result, position, REASON_TABLE_FULL, batches, records, recordCount, 0);
      }
      const end = batch + <usize>size;
      // Each record's offset is baseOffset + offsetDelta: deltas that repeat or go
      // back would put two records at one offset, and one past lastOffsetDelta
      // would overlap the next batch.
      const lastOffsetDelta = loadBE32(batch + LAST_OFFSET_DELTA);
      let previousOffsetDelta: i32 = -1;
      cursor = batch + RECORDS;
      for (let i = 0; i < recordCount; i++) {
        if (cursor >= end) {
          return finish(result, position, REASON_RECORD_COUNT_INVALID, batches, records, recordCount, i);
        }
        const recordPosition = <i32>(cursor - ptr);
        walkRecord(ptr, end, recordTable != 0 ? recordTable + <usize>(records + i) * RECORD_ENTRY_BYTES : 0);
        if (cursor == 0) {
          return finish(result, position, REASON_RECORD_MALFORMED, batches, records, recordPosition, i);
        }
        if (walkedOffsetDelta <= previousOffsetDelta || walkedOffsetDelta > lastOffsetDelta) {
          return finish(result, position, REASON_OFFSET_DELTA_INVALID, batches, records, walkedOffsetDelta, i);
        }
        previousOffsetDelta = walkedOffsetDelta;
      }
      if (cursor != end) {
        return finish(result, position, REASON_RECORD_COUNT_INVALID, batches, records, recordCount, <i32>(end - cursor));
      }
    }
    if (batchTable != 0) {
      const entry = batchTable + <usize>batches * BATCH_ENTRY_BYTES;
      store<i32>(entry, position, 0);
      store<i32>(entry, size, 4);
      store<i32>(entry, records, 8);
      store<i32>(entry, compressed ? 0 : recordCount, 12);
    }
    if (!compressed) records += recordCount;
    batches++;
    position += size;
  }
  return finish(result, position, REASON_NONE, batches, records, 0, 0);
}
