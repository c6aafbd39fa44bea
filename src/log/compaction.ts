// Compaction of one segment (cleanup.policy=compact): keep the latest record
// of every key, offsets unchanged. A tombstone's batch is stamped with a
// delete horizon (attributes bit 6, baseTimestamp = now + delete.retention.ms)
// the first time it is cleaned, and the tombstone is removed once that passes.

import {
  type CompressionCodec, decodeBatches, encodeBatch, type LogRecord, type RecordBatch, WRITABLE_COMPRESSION_CODECS, type WritableCompressionCodec,
} from "../format/index.ts";
import type { Storage } from "../storage/index.ts";
import type { LogConfig } from "./config.ts";
import { INDEX_SUFFIX, LOG_SUFFIX, LogSegment, segmentFileName, TIME_INDEX_SUFFIX } from "./segment.ts";

export interface SegmentCompaction {
  /** The cleaned segment, or null when nothing in it survived (its files are deleted). */
  readonly segment: LogSegment | null;
  readonly recordsBefore: number;
  readonly recordsAfter: number;
  readonly tombstonesRemoved: number;
}

const CLEANED_SUFFIX = ".cleaned";

/** A Map key for record keys (compaction compares keys by bytes). */
export function keyOf(key: Uint8Array | null): string {
  if (key === null) return "";
  let text = "k";
  for (let i = 0; i < key.length; i++) text += String.fromCharCode(key[i]!);
  return text;
}

/** Re-encodes the surviving records of `batch`, keeping its offsets, producer fields and timestamps. */
function rewriteBatch(batch: RecordBatch, kept: readonly LogRecord[], deleteHorizon: number | null): Uint8Array {
  return encodeBatch({
    baseOffset: batch.baseOffset,
    partitionLeaderEpoch: batch.partitionLeaderEpoch,
    lastOffsetDelta: batch.lastOffsetDelta,
    // With a delete horizon, baseTimestamp carries it and record deltas are taken from it.
    baseTimestamp: deleteHorizon ?? batch.baseTimestamp,
    maxTimestamp: batch.maxTimestamp,
    timestampType: batch.timestampType,
    isTransactional: batch.isTransactional,
    hasDeleteHorizon: deleteHorizon !== null || batch.hasDeleteHorizon,
    producerId: batch.producerId,
    producerEpoch: batch.producerEpoch,
    baseSequence: batch.baseSequence,
    records: kept.map((record) => ({
      key: record.key,
      value: record.value,
      headers: record.headers,
      timestamp: batch.baseTimestamp + record.timestampDelta,
      offsetDelta: record.offsetDelta,
    })),
  }, { compression: rewrittenCodec(batch.compression) });
}

/**
 * Kafka's cleaner keeps a batch's codec; loglab does too for the codecs it
 * writes, and writes the survivors of an lz4 or zstd batch uncompressed.
 */
function rewrittenCodec(codec: CompressionCodec): WritableCompressionCodec {
  return WRITABLE_COMPRESSION_CODECS.find((c) => c === codec) ?? "none";
}

export async function compactSegment(
  segment: LogSegment,
  latestOffsetByKey: ReadonlyMap<string, number>,
  storage: Storage,
  config: LogConfig,
  nowMs: number,
): Promise<SegmentCompaction> {
  const output: Uint8Array[] = [];
  let recordsBefore = 0;
  let recordsAfter = 0;
  let tombstonesRemoved = 0;
  for (const batch of decodeBatches(await segment.readAll())) {
    if (batch.isControl) {
      // Transaction markers stay: a read_committed reader needs them to skip aborted data.
      output.push(batch.bytes);
      continue;
    }
    const records = batch.records;
    recordsBefore += records.length;
    const kept = records.filter((record) => {
      if (latestOffsetByKey.get(keyOf(record.key)) !== record.offset) return false;
      const expiredTombstone = record.value === null && batch.hasDeleteHorizon && batch.baseTimestamp <= nowMs;
      if (expiredTombstone) tombstonesRemoved++;
      return !expiredTombstone;
    });
    recordsAfter += kept.length;
    if (kept.length === 0) continue;
    const needsHorizon = !batch.hasDeleteHorizon && kept.some((record) => record.value === null);
    if (kept.length === records.length && !needsHorizon) {
      output.push(batch.bytes);
    } else {
      output.push(rewriteBatch(batch, kept, needsHorizon ? nowMs + config.deleteRetentionMs : null));
    }
  }

  const dir = segment.directory;
  const base = segment.baseOffset;
  if (output.length === 0) {
    await segment.delete(storage);
    return { segment: null, recordsBefore, recordsAfter, tombstonesRemoved };
  }
  const cleanedName = segmentFileName(dir, base, LOG_SUFFIX + CLEANED_SUFFIX);
  const cleaned = await storage.open(cleanedName);
  await cleaned.truncate(0);
  for (const bytes of output) await cleaned.append(bytes);
  await cleaned.sync();
  await cleaned.close();
  // Crash-safe order: without index files a segment is scanned from its start,
  // so deleting them before the swap leaves either log consistent.
  await segment.close();
  await storage.delete(segmentFileName(dir, base, INDEX_SUFFIX));
  await storage.delete(segmentFileName(dir, base, TIME_INDEX_SUFFIX));
  await storage.rename(cleanedName, segmentFileName(dir, base, LOG_SUFFIX));
  const replacement = await LogSegment.open(storage, dir, base, config, nowMs, { limitOffset: segment.limitOffset, ...segment.readAheadShares });
  const scan = await replacement.recover();
  // The cleaned file holds batches this process just validated and wrote: anything else is a broken invariant.
  if (scan.error !== null) throw scan.error;
  // Markers survive cleaning at their offsets: the .txnindex (written whole when the segment closed) stays true and is not rewritten.
  await replacement.transactionIndex.load(replacement.nextOffset);
  await replacement.flush();
  return { segment: replacement, recordsBefore, recordsAfter, tombstonesRemoved };
}
