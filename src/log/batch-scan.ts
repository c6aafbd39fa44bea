// Walks the batch headers of bytes read from a segment: which batches are
// whole and valid, and the offsets and timestamps the indexes need.

import { CorruptRecordError, readBatchHeader, validateBatches } from "../format/index.ts";

/** What the log needs to know of one stored batch. */
export interface BatchInfo {
  /** Byte position in the segment's .log file. */
  readonly position: number;
  readonly size: number;
  readonly baseOffset: number;
  readonly lastOffset: number;
  readonly maxTimestamp: number;
  readonly recordCount: number;
}

export interface RegionScan {
  readonly batches: BatchInfo[];
  /** Bytes from the region's start that are whole valid batches. */
  readonly validBytes: number;
  /** Why the rest is not valid, or null when all of it is. */
  readonly error: CorruptRecordError | null;
}

/** Validates `bytes` (which start at `position` in the file) and lists its whole valid batches. */
export function scanRegion(bytes: Uint8Array, position: number): RegionScan {
  const report = validateBatches(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const batches: BatchInfo[] = [];
  for (let at = 0; at < report.validBytes;) {
    const header = readBatchHeader(view, at);
    batches.push({
      position: position + at,
      size: header.sizeInBytes,
      baseOffset: header.baseOffset,
      lastOffset: header.lastOffset,
      maxTimestamp: header.maxTimestamp,
      recordCount: header.recordCount,
    });
    at += header.sizeInBytes;
  }
  return { batches, validBytes: report.validBytes, error: report.error };
}

/** The size a batch header at `at` announces, or -1 when fewer than 12 bytes are there. */
export function announcedBatchSize(bytes: Uint8Array, at: number): number {
  if (bytes.length - at < 12) return -1;
  return new DataView(bytes.buffer, bytes.byteOffset + at, 12).getInt32(8) + 12;
}
