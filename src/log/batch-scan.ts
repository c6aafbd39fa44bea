// Walks the batch headers of bytes read from a segment: which batches are
// whole and valid, and the offsets and timestamps the indexes need.

import {
  BATCH_HEADER, BATCH_LOG_OVERHEAD, type BatchHeader, checkBatchCrcs, CorruptRecordError, type CorruptionReason, validateBatches,
} from "../format/index.ts";

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
  /** Why the rest is not valid (its position absolute in the file), or null when all of it is. */
  readonly error: CorruptRecordError | null;
  /** error's reason, read without making the error (a batch cut by a read's end is not damage to most callers). */
  readonly stopReason: CorruptionReason | null;
}

/**
 * How much of each batch a scan checks: "records" walks every record as an append does (recovery, `loglab check`);
 * "crc" stops at the header and the CRC-32C (reads of batches that were walked when appended: the CRC finds any
 * byte changed since).
 */
export type ScanDepth = "records" | "crc";

/** A scan whose error, if any, is made the first time it is read. */
class ScannedRegion implements RegionScan {
  #error: CorruptRecordError | null | undefined;

  constructor(
    readonly batches: BatchInfo[],
    readonly validBytes: number,
    readonly stopReason: CorruptionReason | null,
    private readonly makeError: () => CorruptRecordError,
  ) {}

  get error(): CorruptRecordError | null {
    if (this.stopReason === null) return null;
    this.#error ??= this.makeError();
    return this.#error;
  }
}

function failed(batches: BatchInfo[], validBytes: number, error: CorruptRecordError): RegionScan {
  return { batches, validBytes, error, stopReason: error.reason };
}

/** Where a region's batches must lie: offsets only go forward, inside their segment. */
export interface OffsetBounds {
  /** The last offset before the region (the segment's base offset - 1 at its start), or null when unknown. */
  readonly previousLastOffset: number | null;
  /** The segment's base offset: no batch starts below it. */
  readonly firstOffset: number;
  /** The next segment's base offset (Infinity for the last segment): no batch reaches it. */
  readonly limitOffset: number;
  /**
   * Each batch starts right after the previous one (a log that is never
   * compacted: Kafka's offsets have no holes there), so a base offset that
   * jumps ahead is caught at the batch that jumped.
   */
  readonly contiguous: boolean;
}

/**
 * Validates `bytes` (which start at `position` in `fileName`) and lists its
 * whole valid batches. With `bounds`, a batch whose offsets do not follow the
 * previous batch's or leave the segment's range ends the valid part too: its
 * base offset is outside the CRC, so only its place in the log can vouch for it.
 */
export function scanRegion(
  bytes: Uint8Array, position: number, fileName: string | null = null, bounds?: OffsetBounds, depth: ScanDepth = "records",
): RegionScan {
  const report = depth === "crc" ? checkBatchCrcs(bytes) : validateBatches(bytes);
  const batches: BatchInfo[] = [];
  let previousLastOffset = bounds === undefined ? -Infinity : bounds.previousLastOffset;
  const at = (where: number, reason: CorruptionReason, detail: string) => new CorruptRecordError(position + where, reason, detail, fileName);
  let offset = 0;
  for (const header of report.headers) {
    const problem = offsetProblem(header, previousLastOffset, bounds);
    if (problem !== null) {
      // Offsets that fall back after a jump ahead: the batch that jumped is the one whose base offset is wrong.
      const suspect = problem.reason === "offset-not-increasing" ? jumpedAhead(batches, bounds) : null;
      if (suspect !== null) {
        batches.pop();
        return failed(batches, suspect.position - position, at(suspect.position - position, "offset-not-increasing",
          `baseOffset ${suspect.baseOffset} jumps ahead of the batches around it (the next one starts at ${header.baseOffset})`));
      }
      return failed(batches, offset, at(offset, problem.reason, problem.detail));
    }
    batches.push({
      position: position + offset,
      size: header.sizeInBytes,
      baseOffset: header.baseOffset,
      lastOffset: header.lastOffset,
      maxTimestamp: header.maxTimestamp,
      recordCount: header.recordCount,
    });
    previousLastOffset = header.lastOffset;
    offset += header.sizeInBytes;
  }
  // A header field a double cannot hold (a base offset beyond 2^53) is this file's corruption, not the caller's.
  if (report.headerError !== null) return failed(batches, offset, at(offset, "offset-out-of-segment", report.headerError.message));
  if ("stopReason" in report) {
    return new ScannedRegion(batches, report.validBytes, report.stopReason, () => report.error()!.inFile(fileName, position));
  }
  const error = report.error === null ? null : report.error.inFile(fileName, position);
  return { batches, validBytes: report.validBytes, error, stopReason: error?.reason ?? null };
}

/** The last batch scanned if its base offset skipped offsets after the one before it, else null. */
function jumpedAhead(batches: readonly BatchInfo[], bounds: OffsetBounds | undefined): BatchInfo | null {
  const last = batches.at(-1);
  if (last === undefined) return null;
  const before = batches.length > 1 ? batches[batches.length - 2]!.lastOffset : bounds?.previousLastOffset ?? null;
  return before !== null && last.baseOffset > before + 1 ? last : null;
}

function offsetProblem(
  header: BatchHeader,
  previousLastOffset: number | null,
  bounds: OffsetBounds | undefined,
): { reason: CorruptionReason; detail: string } | null {
  const { baseOffset, lastOffset } = header;
  if (lastOffset < baseOffset) {
    return { reason: "offset-not-increasing", detail: `lastOffsetDelta ${header.lastOffsetDelta} is negative` };
  }
  if (previousLastOffset !== null && baseOffset <= previousLastOffset) {
    return { reason: "offset-not-increasing", detail: `baseOffset ${baseOffset} is not after the previous batch's last offset ${previousLastOffset}` };
  }
  if (bounds === undefined) return null;
  if (baseOffset < bounds.firstOffset || lastOffset >= bounds.limitOffset) {
    return {
      reason: "offset-out-of-segment",
      detail: `offsets ${baseOffset}..${lastOffset} are outside the segment's range ${bounds.firstOffset}..${bounds.limitOffset - 1}`,
    };
  }
  if (bounds.contiguous && previousLastOffset !== null && baseOffset !== previousLastOffset + 1) {
    return {
      reason: "offset-not-contiguous",
      detail: `baseOffset ${baseOffset} skips offsets after ${previousLastOffset} in a log that is never compacted`,
    };
  }
  return null;
}

/** The size a batch header at `at` announces, or -1 when its baseOffset and batchLength are not all there. */
export function announcedBatchSize(bytes: Uint8Array, at: number): number {
  if (bytes.length - at < BATCH_LOG_OVERHEAD) return -1;
  return new DataView(bytes.buffer, bytes.byteOffset + at, BATCH_LOG_OVERHEAD).getInt32(BATCH_HEADER.batchLength.offset) + BATCH_LOG_OVERHEAD;
}
