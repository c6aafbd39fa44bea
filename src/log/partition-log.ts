// One partition's log: an ordered list of segments of which the last is
// active. Appends validate whole batches with the wasm core before a byte is
// written, then assign offsets; reads find the segment by offset and the
// position by the segment's index. Mutations run one at a time.

import {
  type BatchHeader, crc32c, type LogRecord, decodeBatches, encodeBatch, InvalidRecordError, type BatchInput, type CompressionCodec,
  type EncodeOptions, type RecordInput, RecordTooLargeError, readBatchHeader, UnsupportedCompressionError,
  validateBatches,
} from "../format/index.ts";
import { type Clock, OperationQueue } from "../runtime/index.ts";
import type { Storage } from "../storage/index.ts";
import type { BatchInfo } from "./batch-scan.ts";
import { compactSegment, keyOf } from "./compaction.ts";
import type { LogConfig } from "./config.ts";
import { LogOfflineError, OffsetOutOfRangeError } from "./errors.ts";
import { LogSegment, parseSegmentFileName, type SegmentDescription, type SegmentRecovery } from "./segment.ts";

/** What an append did: Kafka's ProduceResponse fields for one partition. */
export interface AppendInfo {
  readonly firstOffset: number;
  readonly lastOffset: number;
  /** The broker's time stamped on the batches under LogAppendTime, else -1. */
  readonly logAppendTime: number;
  readonly maxTimestamp: number;
  readonly recordCount: number;
  readonly batchCount: number;
}

/** What a read returns: whole batches, and where the log stands. */
export interface LogReadResult {
  /** Whole RecordBatch v2 batches; the first may start before the requested offset. */
  readonly records: Uint8Array;
  readonly highWatermark: number;
  readonly logStartOffset: number;
  readonly logEndOffset: number;
}

export interface ReadOptions {
  /** Upper bound on the bytes returned (at least one batch is returned regardless). */
  readonly maxBytes?: number;
  /** Return only batches starting below this offset (the high watermark, or a last stable offset). */
  readonly maxOffset?: number;
}

/** What opening the log found and repaired. */
export interface RecoveryReport {
  readonly topicPartition: string;
  /** Segments that were validated batch by batch. */
  readonly recovered: readonly SegmentRecovery[];
  /** Bytes cut off because they were not whole valid batches (a torn or corrupt tail). */
  readonly truncatedBytes: number;
  /** Segments deleted because they followed a truncation point. */
  readonly deletedSegments: readonly number[];
}

export interface RetentionReport {
  readonly deletedSegments: readonly number[];
  readonly logStartOffset: number;
}

export interface CompactionReport {
  readonly cleanedSegments: number;
  readonly recordsBefore: number;
  readonly recordsAfter: number;
  readonly tombstonesRemoved: number;
}

export interface PartitionLogOptions {
  readonly storage: Storage;
  readonly topic: string;
  readonly partition: number;
  readonly config: LogConfig;
  readonly clock: Clock;
  /** Offset up to which the log is known to be flushed; segments from it on are validated. */
  readonly recoveryPoint?: number;
  /** The log was closed cleanly: trust every segment. */
  readonly cleanShutdown?: boolean;
}

/** Files left by an interrupted compaction or deletion; removed when a log opens. */
const LEFTOVER_SUFFIXES = [".cleaned", ".swap", ".deleted"];
const DEFAULT_READ_BYTES = 1024 * 1024;
const TWO_POW_32 = 0x1_0000_0000;
/** baseOffset, batchLength, partitionLeaderEpoch: the header bytes an append rewrites under CreateTime. */
const PATCHED_HEADER_BYTES = 16;

/** Writes a batch's assigned baseOffset and the leader epoch (0: a single leader) at `at`. */
function writeOffsetAndEpoch(view: DataView, at: number, baseOffset: number): void {
  view.setInt32(at, Math.floor(baseOffset / TWO_POW_32));
  view.setUint32(at + 4, baseOffset % TWO_POW_32);
  view.setInt32(at + 12, 0);
}

export class PartitionLog {
  #segments: LogSegment[];
  #logStartOffset: number;
  #recoveryPoint: number;
  #unflushedRecords = 0;
  readonly #queue = new OperationQueue();
  #closed = false;
  /** Set when an fsync failed: from then on nothing unsynced can be vouched for. */
  #offline: LogOfflineError | null = null;

  private constructor(
    private readonly options: PartitionLogOptions,
    segments: LogSegment[],
    readonly recovery: RecoveryReport,
  ) {
    this.#segments = segments;
    this.#logStartOffset = segments[0]!.baseOffset;
    this.#recoveryPoint = this.logEndOffset;
  }

  static directoryName(topic: string, partition: number): string {
    return `${topic}-${partition}`;
  }

  get topicPartition(): string {
    return PartitionLog.directoryName(this.options.topic, this.options.partition);
  }

  get config(): LogConfig {
    return this.options.config;
  }

  /** Opens the partition's folder, creating the first segment when it is new, and recovers what needs it. */
  static async open(options: PartitionLogOptions): Promise<PartitionLog> {
    const { storage, config, clock } = options;
    const dir = PartitionLog.directoryName(options.topic, options.partition);
    const files = await storage.list(`${dir}/`);
    for (const name of files.filter((f) => LEFTOVER_SUFFIXES.some((suffix) => f.endsWith(suffix)))) {
      await storage.delete(name);
    }
    const baseOffsets = [...new Set(
      files.map(parseSegmentFileName).filter((p) => p !== null && p.suffix === ".log").map((p) => p!.baseOffset),
    )].sort((a, b) => a - b);
    // Index files without their .log are orphans of a deleted segment.
    for (const name of files) {
      const parsed = parseSegmentFileName(name);
      if (parsed !== null && parsed.suffix !== ".log" && !baseOffsets.includes(parsed.baseOffset)) await storage.delete(name);
    }
    if (baseOffsets.length === 0) baseOffsets.push(0);

    const recoveryPoint = options.recoveryPoint ?? 0;
    const segments: LogSegment[] = [];
    const recovered: SegmentRecovery[] = [];
    const deletedSegments: number[] = [];
    let truncated = false;
    for (let i = 0; i < baseOffsets.length; i++) {
      const baseOffset = baseOffsets[i]!;
      const segment = await LogSegment.open(storage, dir, baseOffset, config, clock.nowMs());
      if (truncated) {
        // After a truncation point nothing can be trusted: Kafka deletes what follows.
        await segment.delete(storage);
        deletedSegments.push(baseOffset);
        continue;
      }
      const nextBase = baseOffsets[i + 1] ?? Infinity;
      const mustRecover = !options.cleanShutdown && nextBase > recoveryPoint;
      const report = mustRecover ? await segment.recover() : await segment.load();
      if (report !== null) {
        recovered.push(report);
        truncated = report.truncatedBytes > 0;
      }
      segments.push(segment);
    }
    const truncatedBytes = recovered.reduce((sum, r) => sum + r.truncatedBytes, 0);
    return new PartitionLog(options, segments, { topicPartition: dir, recovered, truncatedBytes, deletedSegments });
  }

  get logStartOffset(): number {
    return this.#logStartOffset;
  }

  /** The offset the next record will get. */
  get logEndOffset(): number {
    return this.#active.nextOffset;
  }

  /** A single-replica log: everything appended is replicated, so the high watermark is the log end. */
  get highWatermark(): number {
    return this.logEndOffset;
  }

  /** Offsets below this are flushed to durable storage. */
  get recoveryPoint(): number {
    return this.#recoveryPoint;
  }

  get sizeInBytes(): number {
    return this.#segments.reduce((sum, s) => sum + s.sizeInBytes, 0);
  }

  get segmentBaseOffsets(): number[] {
    return this.#segments.map((s) => s.baseOffset);
  }

  /** Every segment, oldest first, with its index entries. */
  describeSegments(): SegmentDescription[] {
    return this.#segments.map((s) => s.describe());
  }

  get #active(): LogSegment {
    return this.#segments[this.#segments.length - 1]!;
  }

  /** The failed fsync that took this log offline, or null while it serves. */
  get offline(): LogOfflineError | null {
    return this.#offline;
  }

  /** Runs mutations one at a time, in call order. */
  #exclusive<T>(run: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new Error(`log ${this.topicPartition} is closed`));
    return this.#queue.run(() => {
      if (this.#offline !== null) throw this.#offline;
      return run();
    });
  }

  /**
   * Appends producer batches (one or more, back to back; their baseOffset is
   * ignored) and assigns them the next offsets. Nothing is written unless
   * every batch is valid and within max.message.bytes.
   */
  append(bytes: Uint8Array): Promise<AppendInfo> {
    return this.#exclusive(() => this.#append(bytes));
  }

  /** Encodes `records` as one batch and appends it (a convenience for tools and tests). */
  appendRecords(records: readonly RecordInput[], batch: Omit<BatchInput, "records"> = {}): Promise<AppendInfo> {
    const options: EncodeOptions = { batchBytesMax: this.config.maxMessageBytes, batchBytesMaxName: "max.message.bytes" };
    const baseTimestamp = batch.baseTimestamp ?? records[0]?.timestamp ?? this.options.clock.nowMs();
    return this.append(encodeBatch({ ...batch, baseTimestamp, records }, options));
  }

  async #append(input: Uint8Array): Promise<AppendInfo> {
    const report = validateBatches(input);
    if (report.error !== null) throw report.error;
    if (report.batchCount === 0) throw new InvalidRecordError("an append needs at least one batch");
    const logAppendTime = this.config.messageTimestampType === "LogAppendTime";
    // The caller's buffer is never written to. Under CreateTime only the first
    // 16 bytes of each batch change (baseOffset, partitionLeaderEpoch: outside
    // the CRC), so those are patched in a copy of the header and the rest is
    // appended from the caller's bytes; LogAppendTime rewrites more, so it copies.
    const bytes = logAppendTime ? input.slice() : input;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const now = this.options.clock.nowMs();
    const batches: Omit<BatchInfo, "position">[] = [];
    const pieces: Uint8Array[] = [];
    let nextOffset = this.logEndOffset;
    let maxTimestamp = -1;
    let recordCount = 0;
    for (let at = 0; at < bytes.length;) {
      const header = readBatchHeader(view, at);
      this.#checkBatch(header.sizeInBytes, header.compression, header.recordCount, header.lastOffsetDelta, at);
      let batchMaxTimestamp = header.maxTimestamp;
      if (logAppendTime) {
        writeOffsetAndEpoch(view, at, nextOffset);
        view.setInt16(at + 21, header.attributes | 0x08);
        view.setBigInt64(at + 35, BigInt(now));
        view.setUint32(at + 17, crc32c(bytes.subarray(at + 21, at + header.sizeInBytes)));
        batchMaxTimestamp = now;
        pieces.push(bytes.subarray(at, at + header.sizeInBytes));
      } else {
        const head = bytes.slice(at, at + PATCHED_HEADER_BYTES);
        writeOffsetAndEpoch(new DataView(head.buffer), 0, nextOffset);
        pieces.push(head, bytes.subarray(at + PATCHED_HEADER_BYTES, at + header.sizeInBytes));
      }
      const lastOffset = nextOffset + header.lastOffsetDelta;
      batches.push({ size: header.sizeInBytes, baseOffset: nextOffset, lastOffset, maxTimestamp: batchMaxTimestamp, recordCount: header.recordCount });
      maxTimestamp = Math.max(maxTimestamp, batchMaxTimestamp);
      recordCount += header.recordCount;
      nextOffset = lastOffset + 1;
      at += header.sizeInBytes;
    }
    if (this.config.cleanupPolicy !== "delete") checkKeyed(bytes);

    const firstOffset = this.logEndOffset;
    if (this.#active.shouldRoll(bytes.length, nextOffset - 1, now)) await this.#roll(now);
    await this.#active.append(pieces, batches);
    this.#unflushedRecords += recordCount;
    if (this.#unflushedRecords >= this.config.flushMessages) await this.#flush();
    return {
      firstOffset,
      lastOffset: nextOffset - 1,
      logAppendTime: logAppendTime ? now : -1,
      maxTimestamp,
      recordCount,
      batchCount: batches.length,
    };
  }

  #checkBatch(size: number, compression: CompressionCodec, recordCount: number, lastOffsetDelta: number, position: number): void {
    if (size > this.config.maxMessageBytes) throw new RecordTooLargeError(size, this.config.maxMessageBytes, "max.message.bytes");
    if (compression !== "none") throw new UnsupportedCompressionError(compression, position);
    if (recordCount === 0 || lastOffsetDelta !== recordCount - 1) {
      throw new InvalidRecordError(
        `batch at byte ${position} has ${recordCount} records but lastOffsetDelta ${lastOffsetDelta}; a producer batch needs at least one record and offset deltas 0..count-1`,
      );
    }
  }

  /** Starts a new active segment at the log end. */
  roll(): Promise<void> {
    return this.#exclusive(() => this.#roll(this.options.clock.nowMs()));
  }

  async #roll(nowMs: number): Promise<void> {
    const { storage, config } = this.options;
    if (this.#active.sizeInBytes === 0) return;
    await this.#syncActive();
    const segment = await LogSegment.open(storage, this.topicPartition, this.logEndOffset, config, nowMs);
    await segment.load();
    this.#segments.push(segment);
  }

  /** Makes everything appended so far durable. */
  flush(): Promise<void> {
    return this.#exclusive(() => this.#flush());
  }

  async #flush(): Promise<void> {
    await this.#syncActive();
    this.#recoveryPoint = this.logEndOffset;
    this.#unflushedRecords = 0;
  }

  /** Syncs the active segment; if that fails, the log goes offline. */
  async #syncActive(): Promise<void> {
    try {
      await this.#active.flush();
    } catch (error) {
      // A retried fsync may succeed without the pages the failed one lost: never try again on this log.
      this.#offline = new LogOfflineError(this.topicPartition, error);
      throw this.#offline;
    }
  }

  #checkOffset(offset: number): void {
    if (!Number.isSafeInteger(offset) || offset < this.#logStartOffset || offset > this.logEndOffset) {
      throw new OffsetOutOfRangeError(offset, this.#logStartOffset, this.logEndOffset, this.topicPartition);
    }
  }

  /**
   * Whole batches from the one holding `offset` on (at least one batch, up to
   * maxBytes). Throws OffsetOutOfRangeError outside [logStartOffset, logEndOffset].
   */
  async read(offset: number, options: ReadOptions = {}): Promise<LogReadResult> {
    // Readers must not see bytes that a restart may not bring back.
    if (this.#offline !== null) throw this.#offline;
    this.#checkOffset(offset);
    const maxBytes = options.maxBytes ?? DEFAULT_READ_BYTES;
    const maxOffset = Math.min(options.maxOffset ?? this.highWatermark, this.highWatermark);
    const segments = this.#segments;
    let records: Uint8Array | null = null;
    for (let i = this.#segmentIndexFor(offset); i < segments.length && records === null; i++) {
      if (segments[i]!.baseOffset >= maxOffset) break;
      records = await segments[i]!.read(offset, maxBytes, maxOffset);
    }
    return {
      records: records ?? new Uint8Array(0),
      highWatermark: this.highWatermark,
      logStartOffset: this.#logStartOffset,
      logEndOffset: this.logEndOffset,
    };
  }

  /** Index of the last segment whose base offset is <= offset (0 if none). */
  #segmentIndexFor(offset: number): number {
    let low = 0;
    let high = this.#segments.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.#segments[middle]!.baseOffset <= offset) low = middle;
      else high = middle - 1;
    }
    return low;
  }

  /**
   * Every batch from the one holding `fromOffset` to the log end, header and
   * bytes, read a megabyte at a time (for rebuilding state such as producer
   * sequences and open transactions from the log).
   */
  async *batches(fromOffset = this.#logStartOffset): AsyncGenerator<{ header: BatchHeader; bytes: Uint8Array }> {
    let offset = fromOffset;
    while (offset < this.logEndOffset) {
      const { records } = await this.read(offset, { maxBytes: DEFAULT_READ_BYTES });
      if (records.length === 0) return;
      const view = new DataView(records.buffer, records.byteOffset, records.byteLength);
      for (let at = 0; at < records.length;) {
        const header = readBatchHeader(view, at);
        yield { header, bytes: records.subarray(at, at + header.sizeInBytes) };
        offset = header.lastOffset + 1;
        at += header.sizeInBytes;
      }
    }
  }

  /** Every record from `fromOffset` to the log end, control records left out (for replaying a topic into memory). */
  async *records(fromOffset = this.#logStartOffset): AsyncGenerator<LogRecord> {
    for await (const { header, bytes } of this.batches(fromOffset)) {
      if (header.isControl) continue;
      for (const record of decodeBatches(bytes)[0]!.records) if (record.offset >= fromOffset) yield record;
    }
  }

  /** ListOffsets by timestamp: the first record with timestamp >= target, or null if none. */
  async offsetForTimestamp(targetTimestamp: number): Promise<{ offset: number; timestamp: number } | null> {
    for (const segment of this.#segments) {
      const found = await segment.findOffsetByTimestamp(targetTimestamp);
      if (found !== null && found.offset >= this.#logStartOffset) return found;
    }
    return null;
  }

  /** Deletes old segments by retention.ms and retention.bytes; never the active segment. */
  applyRetention(): Promise<RetentionReport> {
    return this.#exclusive(async () => {
      const { retentionMs, retentionBytes, cleanupPolicy } = this.config;
      const deleted: number[] = [];
      if (cleanupPolicy === "compact") return { deletedSegments: deleted, logStartOffset: this.#logStartOffset };
      const now = this.options.clock.nowMs();
      let excessBytes = retentionBytes < 0 ? 0 : this.sizeInBytes - retentionBytes;
      while (this.#segments.length > 1) {
        const oldest = this.#segments[0]!;
        const expired = retentionMs >= 0 && oldest.largestTimestamp >= 0 && now - oldest.largestTimestamp > retentionMs;
        const overSize = retentionBytes >= 0 && excessBytes - oldest.sizeInBytes >= 0;
        if (!expired && !overSize) break;
        excessBytes -= oldest.sizeInBytes;
        this.#segments.shift();
        this.#logStartOffset = Math.max(this.#logStartOffset, this.#segments[0]!.baseOffset);
        await oldest.delete(this.options.storage);
        deleted.push(oldest.baseOffset);
      }
      return { deletedSegments: deleted, logStartOffset: this.#logStartOffset };
    });
  }

  /**
   * Compacts every segment but the active one: keeps the last record of each
   * key, keeps tombstones until delete.retention.ms after they were first
   * cleaned, and never changes an offset.
   */
  compact(): Promise<CompactionReport> {
    return this.#exclusive(async () => {
      const empty = { cleanedSegments: 0, recordsBefore: 0, recordsAfter: 0, tombstonesRemoved: 0 };
      if (this.config.cleanupPolicy === "delete" || this.#segments.length < 2) return empty;
      const { storage, config, clock } = this.options;
      const cleanable = this.#segments.slice(0, -1);
      const latestOffsetByKey = new Map<string, number>();
      for (const segment of cleanable) {
        for (const batch of decodeBatches(await segment.readAll())) {
          if (batch.isControl) continue;
          for (const record of batch.records) latestOffsetByKey.set(keyOf(record.key), record.offset);
        }
      }
      const report = { ...empty };
      const kept: LogSegment[] = [];
      for (const segment of cleanable) {
        const result = await compactSegment(segment, latestOffsetByKey, storage, config, clock.nowMs());
        report.cleanedSegments++;
        report.recordsBefore += result.recordsBefore;
        report.recordsAfter += result.recordsAfter;
        report.tombstonesRemoved += result.tombstonesRemoved;
        if (result.segment !== null) kept.push(result.segment);
      }
      this.#segments = [...kept, this.#active];
      return report;
    });
  }

  /**
   * Flushes and closes every segment. With `sync: false` it closes without
   * waiting for the disk: like a crash, unsynced bytes may be lost, and the
   * next open recovers from the recovery point.
   */
  async close(options: { sync?: boolean } = {}): Promise<void> {
    await this.#exclusive(async () => {
      if (options.sync ?? true) await this.#flush();
      for (const segment of this.#segments) await segment.close();
    });
    this.#closed = true;
  }
}

/** Kafka refuses unkeyed records on compacted topics: compaction could never remove them. */
function checkKeyed(bytes: Uint8Array): void {
  for (const batch of decodeBatches(bytes)) {
    if (batch.isControl) continue;
    const unkeyed = batch.records.find((r) => r.key === null);
    if (unkeyed !== undefined) {
      throw new InvalidRecordError(`compacted topic cannot accept a record without a key (record ${unkeyed.offsetDelta} of the batch)`);
    }
  }
}
