// Checks stored batches before they are served: each header's sizes and magic and the batch's CRC-32C, without
// walking its records (validateBatches did that when they were appended). Damage still reads as CorruptRecordError.

import { BATCH_CRC_START, BATCH_HEADER, BATCH_HEADER_BYTES, BATCH_LOG_OVERHEAD } from "./batch-layout.ts";
import { readBatchHeader, scanCorruption } from "./decode.ts";
import { type CorruptRecordError, InvalidRecordError } from "./errors.ts";
import { ATTR_COMPRESSION_MASK, type BatchHeader } from "./types.ts";
import { CURRENT_MAGIC, type ScanReason } from "./wasm-abi.ts";
import { core, memoryViews, reserve, scratchBase } from "./wasm-core.ts";

/** The smallest record in bytes (as the scanner's): bounds how many records an uncompressed batch can hold. */
const RECORD_BYTES_MIN = 7;

/** What checkBatchCrcs found: how much of the buffer is whole batches with the CRC their header states. */
export interface BatchCrcReport {
  /** Bytes from the start that form whole checked batches (where a reader must stop). */
  readonly validBytes: number;
  /** The header of each checked batch, in order, each batch starting where the one before ends. */
  readonly headers: readonly BatchHeader[];
  /** Why `headers` stops short: the next batch holds an int64 field a double cannot hold exactly. */
  readonly headerError: InvalidRecordError | null;
  /**
   * Why the check stopped before the end of the buffer, or null. A batch cut by the end of a read is no damage to
   * a caller that read a window of a file, so the error itself is only made when asked for (`error()`).
   */
  readonly stopReason: ScanReason | null;
  /** The CorruptRecordError for stopReason (position in the buffer), or null; the same object on every call. */
  error(): CorruptRecordError | null;
}

class Report implements BatchCrcReport {
  #error: CorruptRecordError | undefined;

  constructor(
    readonly validBytes: number,
    readonly headers: readonly BatchHeader[],
    readonly headerError: InvalidRecordError | null,
    readonly stopReason: ScanReason | null,
    private readonly detail: number,
    private readonly detail2: number,
  ) {}

  error(): CorruptRecordError | null {
    if (this.stopReason === null) return null;
    this.#error ??= scanCorruption(this.validBytes, this.stopReason, this.detail, this.detail2);
    return this.#error;
  }
}

/**
 * Checks every batch in `bytes` as the scanner does up to and including the CRC-32C (length, magic, CRC, a record
 * count that fits the batch), but does not walk records: for bytes that were fully validated when written, this
 * finds what happened to them since (a flipped bit anywhere after the partition leader epoch fails the CRC). Never
 * throws for bad bytes: the report says how many bytes are good and why the rest is not.
 */
export function checkBatchCrcs(bytes: Uint8Array): BatchCrcReport {
  reserve(bytes.length);
  memoryViews.u8.set(bytes, scratchBase);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headers: BatchHeader[] = [];
  const stop = (position: number, reason: ScanReason, detail: number, detail2 = 0): BatchCrcReport =>
    new Report(position, headers, null, reason, detail, detail2);
  let position = 0;
  while (position < bytes.length) {
    const remaining = bytes.length - position;
    if (remaining < BATCH_HEADER_BYTES) return stop(position, "truncated-header", remaining);
    const batchLength = view.getInt32(position + BATCH_HEADER.batchLength.offset);
    if (batchLength < BATCH_HEADER_BYTES - BATCH_LOG_OVERHEAD) return stop(position, "batch-length-invalid", batchLength);
    if (batchLength > remaining - BATCH_LOG_OVERHEAD) return stop(position, "truncated-batch", batchLength + BATCH_LOG_OVERHEAD, remaining);
    const size = batchLength + BATCH_LOG_OVERHEAD;
    const magic = view.getInt8(position + BATCH_HEADER.magic.offset);
    if (magic !== CURRENT_MAGIC) return stop(position, "magic-unsupported", magic);
    const stored = view.getInt32(position + BATCH_HEADER.crc.offset);
    const computed = core.crc32cUpdate(0, scratchBase + position + BATCH_CRC_START, size - BATCH_CRC_START) | 0;
    if (stored !== computed) return stop(position, "crc-mismatch", stored, computed);
    const recordCount = view.getInt32(position + BATCH_HEADER.recordCount.offset);
    const compressed = (view.getInt16(position + BATCH_HEADER.attributes.offset) & ATTR_COMPRESSION_MASK) !== 0;
    if (recordCount < 0 || (!compressed && recordCount > (size - BATCH_HEADER_BYTES) / RECORD_BYTES_MIN)) {
      return stop(position, "record-count-invalid", recordCount);
    }
    try {
      headers.push(readBatchHeader(view, position));
    } catch (error) {
      if (!(error instanceof InvalidRecordError)) throw error;
      return new Report(position, headers, error, null, 0, 0);
    }
    position += size;
  }
  return new Report(position, headers, null, null, 0, 0);
}
