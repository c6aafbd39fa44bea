// One partition's log: an ordered list of segments of which the last is
// active. Appends validate whole batches with the wasm core before a byte is
// written, then assign offsets; reads find the segment by offset and the
// position by the segment's index. Mutations run one at a time.

import {
  BATCH_APPEND_STAMPED_BYTES, type BatchHeader, CorruptRecordError, type CorruptionReason, type LogRecord, decodeBatches, encodeBatch, InvalidRecordError, type BatchInput, COMPRESSION_CODECS,
  type EncodeOptions, type RecordInput, RecordTooLargeError, readBatchHeader, stampAppend, UnsupportedCompressionError,
  validateBatches, type ValidationReport,
} from "../format/index.ts";
import { assert, type Clock, OperationQueue } from "../runtime/index.ts";
import type { Storage } from "../storage/index.ts";
import type { BatchInfo } from "./batch-scan.ts";
import { compactSegment, keyOf } from "./compaction.ts";
import type { LogConfig } from "./config.ts";
import { LogClosedError, LogOfflineError, OffsetOutOfRangeError, ReadOnlyLogError } from "./errors.ts";
import { type QuarantinedFile, quarantineFile, quarantineTail } from "./quarantine.ts";
import { type ReadAheadShares, readAheadShares } from "./read-ahead.ts";
import { type LogWarning, LogSegment, parseSegmentFileName, type SegmentDescription, type SegmentRecovery } from "./segment.ts";
import type { AbortedTxn } from "./transaction-index.ts";
import { holdsMarker, loadTransactionIndex, replayTransactions } from "./transaction-recovery.ts";
import type { TransactionTracker } from "./transaction-tracker.ts";

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

/**
 * Offsets a log cannot serve: the damaged end of a segment kept in place (up
 * to the next segment), a segment of a never-compacted log that ends before
 * the next one begins, or flushed offsets (below the recovery point) past
 * the log's end. Reads skip a gap to `toOffset`, as they skip a compacted
 * log's missing offsets.
 */
export interface LogGap {
  /** The first offset missing (after the damaged segment's last valid batch). */
  readonly fromOffset: number;
  /** The offset after the gap: the next segment's base offset, where reads go on. */
  readonly toOffset: number;
  /** The damaged .log and the byte where its valid batches end. */
  readonly fileName: string;
  readonly position: number;
  readonly reason: CorruptionReason;
}

/** Offsets a replay (batches(), records()) skipped past a damaged batch: `fromOffset` up to, not including, `toOffset`. */
export interface SkippedOffsets {
  readonly fromOffset: number;
  readonly toOffset: number;
}

/**
 * What opening the log found and repaired. Nothing is deleted: a torn or
 * corrupt tail that recovery cuts off, and every segment after it, is moved
 * to `quarantined` (Kafka deletes them). That happens where a crash can
 * explain the damage: a segment past the recovery point after an unclean
 * shutdown, and the last segment. A flushed segment that is damaged (after a
 * clean shutdown, or below the recovery point) is kept as it is: its valid
 * batches stay readable, its intact neighbours too, and the offsets between
 * its last valid batch and the next segment are a gap in `gaps` that reads
 * skip, as they skip a compacted log's gaps. A read-only log changes nothing:
 * damage anywhere is reported in `recovered` (unreadBytes) and `gaps`, and
 * the log ends at the last whole valid batch.
 */
export interface RecoveryReport {
  readonly topicPartition: string;
  /** Segments that were validated batch by batch, and what each held. */
  readonly recovered: readonly SegmentRecovery[];
  /** Bytes cut off the log's segments (all of them are in `quarantined`). */
  readonly truncatedBytes: number;
  /** Files and byte ranges moved to `<topic>-<partition>.quarantine/`, with why. */
  readonly quarantined: readonly QuarantinedFile[];
  /** Offset ranges the log cannot serve (see LogGap), oldest first. */
  readonly gaps: readonly LogGap[];
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

export interface PartitionLogOptions extends ReadAheadShares {
  readonly storage: Storage;
  readonly topic: string;
  readonly partition: number;
  readonly config: LogConfig;
  readonly clock: Clock;
  /** Offset up to which the log is known to be flushed; segments from it on are validated. */
  readonly recoveryPoint?: number;
  /** The log was closed cleanly: trust every segment. */
  readonly cleanShutdown?: boolean;
  /**
   * Open without touching a file: no truncation, no deletion, no index
   * rewrite, no new segment; every mutating method rejects with ReadOnlyLogError.
   */
  readonly readOnly?: boolean;
  /** Called with each warning as it happens (they are also kept in `warnings`). */
  readonly onWarning?: (warning: LogWarning) => void;
}

/** Files left by an interrupted compaction or deletion; removed when a log opens. */
const LEFTOVER_SUFFIXES = [".cleaned", ".swap", ".deleted"];
const DEFAULT_READ_BYTES = 1024 * 1024;
/** Warnings a log keeps for `warnings` (the oldest are dropped; onWarning sees them all). */
const WARNINGS_MAX = 100;

export class PartitionLog {
  #segments: LogSegment[];
  #logStartOffset: number;
  #recoveryPoint: number;
  #unflushedRecords = 0;
  readonly #queue = new OperationQueue();
  #closed = false;
  #warnings: LogWarning[] = [];
  /** Set when an fsync failed: from then on nothing unsynced can be vouched for. */
  #offline: LogOfflineError | null = null;
  /** Open transactions, for the .txnindex: replayed from the log when it opens after a recovery, else on the first transactional append. */
  #transactions: TransactionTracker | null = null;

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

  get topic(): string {
    return this.options.topic;
  }

  get partition(): number {
    return this.options.partition;
  }

  get topicPartition(): string {
    return PartitionLog.directoryName(this.options.topic, this.options.partition);
  }

  get config(): LogConfig {
    return this.options.config;
  }

  /** Opens the partition's folder, creating the first segment when it is new, and recovers what needs it (see RecoveryReport). */
  static async open(options: PartitionLogOptions): Promise<PartitionLog> {
    const { storage, config, clock } = options;
    const readOnly = options.readOnly ?? false;
    const dir = PartitionLog.directoryName(options.topic, options.partition);
    const files = await storage.list(`${dir}/`);
    const baseOffsets = [...new Set(
      files.map(parseSegmentFileName).filter((p) => p !== null && p.suffix === ".log").map((p) => p!.baseOffset),
    )].sort((a, b) => a - b);
    if (!readOnly) {
      for (const name of files.filter((f) => LEFTOVER_SUFFIXES.some((suffix) => f.endsWith(suffix)))) {
        await storage.delete(name);
      }
      // Index files without their .log are orphans of a deleted segment (indexes hold no records).
      for (const name of files) {
        const parsed = parseSegmentFileName(name);
        if (parsed !== null && parsed.suffix !== ".log" && !baseOffsets.includes(parsed.baseOffset)) await storage.delete(name);
      }
    }
    if (baseOffsets.length === 0) baseOffsets.push(0);

    const nowMs = clock.nowMs();
    const recoveryPoint = options.recoveryPoint ?? 0;
    const warnings: LogWarning[] = [];
    const onWarning = (warning: LogWarning) => keepWarning(warnings, warning, options.onWarning);
    const segments: LogSegment[] = [];
    const recovered: SegmentRecovery[] = [];
    const quarantined: QuarantinedFile[] = [];
    const gaps: LogGap[] = [];
    /** Segments whose .txnindex is rebuilt from the log: recovered ones (as Kafka's LogSegment.recover does) and torn files. */
    const staleTransactionIndexes = new Set<LogSegment>();
    for (let i = 0; i < baseOffsets.length; i++) {
      const baseOffset = baseOffsets[i]!;
      const limitOffset = baseOffsets[i + 1] ?? Infinity;
      const segment = await LogSegment.open(storage, dir, baseOffset, config, nowMs, { readOnly, limitOffset, onWarning, ...readAheadShares(options) });
      const mustRecover = !options.cleanShutdown && limitOffset > recoveryPoint;
      const scan = mustRecover ? await segment.recover() : await segment.load();
      segments.push(segment);
      if (scan !== null || !(await loadTransactionIndex(segment, onWarning))) staleTransactionIndexes.add(segment);
      if (scan === null) continue;
      const report = { baseOffset, fileName: segment.fileName, validBytes: scan.validBytes, error: scan.error };
      const damagedBytes = scan.sizeInBytes - scan.validBytes;
      if (scan.error === null) {
        await segment.writeIndexes();
        recovered.push({ ...report, truncatedBytes: 0, unreadBytes: 0 });
        continue;
      }
      const last = i === baseOffsets.length - 1;
      if (readOnly || (!mustRecover && !last)) {
        // Flushed and damaged anyway (or nothing may change): keep every byte, serve around the gap.
        segment.keepDamaged(scan.validBytes);
        await segment.writeIndexes();
        recovered.push({ ...report, truncatedBytes: 0, unreadBytes: damagedBytes });
        if (segment.nextOffset < limitOffset && !last) {
          gaps.push({
            fromOffset: segment.nextOffset, toOffset: limitOffset, fileName: segment.fileName, position: scan.validBytes, reason: scan.error.reason,
          });
        }
        continue;
      }
      // What a crash can explain (Kafka): cut at the first invalid batch, and nothing after it can be trusted.
      quarantined.push(await quarantineTail(
        storage, dir, segment.fileName, (at, length) => segment.readRaw(at, length),
        { startByte: scan.validBytes, endByte: scan.sizeInBytes }, scan.error.reason, nowMs,
      ));
      await segment.truncateTo(scan.validBytes);
      recovered.push({ ...report, truncatedBytes: damagedBytes, unreadBytes: 0 });
      for (const later of baseOffsets.slice(i + 1)) {
        for (const name of files.filter((f) => parseSegmentFileName(f)?.baseOffset === later)) {
          quarantined.push(await quarantineFile(storage, dir, name, "follows-truncation", nowMs));
        }
      }
      segment.limitOffset = Infinity;
      break;
    }
    gaps.push(...missingOffsets(segments, gaps, config, options.recoveryPoint));
    const truncatedBytes = recovered.reduce((sum, r) => sum + r.truncatedBytes, 0);
    const log = new PartitionLog(options, segments, { topicPartition: dir, recovered, truncatedBytes, quarantined, gaps });
    log.#warnings = warnings;
    if (staleTransactionIndexes.size > 0) await log.#rebuildTransactionIndexes(staleTransactionIndexes);
    return log;
  }

  /**
   * Rebuilds the .txnindex of the segments in `stale`. Only a marker makes an
   * entry: when none of them holds one (the usual active segment after a
   * crash), they are empty and the whole-log replay waits for the first
   * transactional append.
   */
  async #rebuildTransactionIndexes(stale: ReadonlySet<LogSegment>): Promise<void> {
    for (const segment of stale) {
      const batches = this.batches(segment.baseOffset, () => undefined);
      if (await holdsMarker(batches, segment.limitOffset)) return this.#replayTransactions(stale);
    }
    for (const segment of stale) {
      segment.transactionIndex.replace([]);
      if (!this.options.readOnly) await segment.transactionIndex.persist();
    }
  }

  /**
   * Replays the log into the open-transaction state, rebuilding the .txnindex
   * of the segments in `stale`. Damaged batches were reported by recovery
   * (gaps): the replay reads past them.
   */
  async #replayTransactions(stale: ReadonlySet<LogSegment>): Promise<void> {
    const segmentFor = (offset: number) => this.#segments[this.#segmentIndexFor(offset)]!;
    this.#transactions = await replayTransactions(
      this.batches(this.#logStartOffset, () => undefined), segmentFor, stale, this.options.readOnly ?? false,
    );
  }

  /**
   * Aborted transactions that overlap [fromOffset, toOffset), from the
   * segments' .txnindex as Kafka's fetch finds them: from the segment holding
   * fromOffset on, until an entry's last stable offset reaches toOffset.
   */
  abortedTransactions(fromOffset: number, toOffset: number): AbortedTxn[] {
    const found: AbortedTxn[] = [];
    for (let i = this.#segmentIndexFor(fromOffset); i < this.#segments.length; i++) {
      for (const entry of this.#segments[i]!.transactionIndex.entries) {
        if (entry.lastOffset >= fromOffset && entry.firstOffset < toOffset) found.push(entry);
        if (entry.lastStableOffset >= toOffset) return found;
      }
    }
    return found;
  }

  #warn(warning: LogWarning): void {
    keepWarning(this.#warnings, warning, this.options.onWarning);
  }

  /** Warnings so far, oldest first (at most the last 100): index entries found wrong and worked around. */
  get warnings(): readonly LogWarning[] {
    return this.#warnings;
  }

  /** Offset ranges this log cannot serve (see RecoveryReport.gaps). */
  get gaps(): readonly LogGap[] {
    return this.recovery.gaps;
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

  /** Runs mutations one at a time, in call order; a read-only log refuses them (but `close`). */
  #exclusive<T>(operation: string, run: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new LogClosedError(`log ${this.topicPartition}`));
    if (this.options.readOnly && operation !== "close") {
      return Promise.reject(new ReadOnlyLogError(`log ${this.topicPartition}`, operation));
    }
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
    return this.#exclusive("append", () => this.#append(bytes, validateBatches(bytes)));
  }

  /**
   * append() for bytes the caller already validated: `report` is what
   * validateBatches returned for exactly these bytes (a broker checks a
   * produce's headers before appending, and the bytes are validated once).
   */
  appendValidated(bytes: Uint8Array, report: ValidationReport): Promise<AppendInfo> {
    return this.#exclusive("append", () => {
      assert(report.error !== null || report.validBytes === bytes.length,
        () => `a validation report of ${report.validBytes} valid bytes does not describe an append of ${bytes.length}`);
      return this.#append(bytes, report);
    });
  }

  /** Encodes `records` as one batch and appends it (a convenience for tools and tests). */
  async appendRecords(records: readonly RecordInput[], batch: Omit<BatchInput, "records"> = {}): Promise<AppendInfo> {
    const options: EncodeOptions = { batchBytesMax: this.config.maxMessageBytes, batchBytesMaxName: "max.message.bytes" };
    const baseTimestamp = batch.baseTimestamp ?? records[0]?.timestamp ?? this.options.clock.nowMs();
    return this.append(encodeBatch({ ...batch, baseTimestamp, records }, options));
  }

  async #append(input: Uint8Array, report: ValidationReport): Promise<AppendInfo> {
    if (report.error !== null) throw report.error;
    if (report.batchCount === 0) throw new InvalidRecordError("an append needs at least one batch");
    const logAppendTime = this.config.messageTimestampType === "LogAppendTime";
    // The caller's buffer is never written to. Under CreateTime only the first
    // BATCH_APPEND_STAMPED_BYTES of each batch change (outside the CRC), so
    // those are stamped in a copy and the rest is appended from the caller's
    // bytes; LogAppendTime rewrites more, so it copies.
    const bytes = logAppendTime ? input.slice() : input;
    const now = this.options.clock.nowMs();
    const batches: Omit<BatchInfo, "position">[] = [];
    const pieces: Uint8Array[] = [];
    let nextOffset = this.logEndOffset;
    let maxTimestamp = -1;
    let recordCount = 0;
    let at = 0;
    for (const header of report.headers) {
      this.#checkBatch(header, bytes.subarray(at, at + header.sizeInBytes), at);
      let batchMaxTimestamp = header.maxTimestamp;
      if (logAppendTime) {
        stampAppend(bytes, at, { baseOffset: nextOffset, logAppendTimeMs: now });
        batchMaxTimestamp = now;
        pieces.push(bytes.subarray(at, at + header.sizeInBytes));
      } else {
        const head = bytes.slice(at, at + BATCH_APPEND_STAMPED_BYTES);
        stampAppend(head, 0, { baseOffset: nextOffset });
        pieces.push(head, bytes.subarray(at + BATCH_APPEND_STAMPED_BYTES, at + header.sizeInBytes));
      }
      const lastOffset = nextOffset + header.lastOffsetDelta;
      batches.push({ size: header.sizeInBytes, baseOffset: nextOffset, lastOffset, maxTimestamp: batchMaxTimestamp, recordCount: header.recordCount });
      maxTimestamp = Math.max(maxTimestamp, batchMaxTimestamp);
      recordCount += header.recordCount;
      nextOffset = lastOffset + 1;
      at += header.sizeInBytes;
    }
    // A batch whose header a double cannot hold: refused where reading it would have stopped the loop.
    if (report.headerError !== null) throw report.headerError;
    if (this.config.cleanupPolicy !== "delete") checkKeyed(bytes);

    const firstOffset = this.logEndOffset;
    // The first transactional batch since the log opened needs the transactions already open in it.
    if (this.#transactions === null && report.headers.some((h) => h.isTransactional)) await this.#replayTransactions(new Set());
    if (this.#active.shouldRoll(bytes.length, nextOffset - 1, now)) await this.#roll(now);
    await this.#active.append(pieces, batches);
    this.#indexAborts(report.headers, batches, bytes);
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

  /** Adds a .txnindex entry to the active segment for each ABORT marker just appended (offsets as assigned). */
  #indexAborts(headers: readonly BatchHeader[], batches: readonly Omit<BatchInfo, "position">[], bytes: Uint8Array): void {
    if (this.#transactions === null) return;
    let at = 0;
    headers.forEach((header, i) => {
      const entry = this.#transactions!.batch(header, bytes.subarray(at, at + header.sizeInBytes), batches[i]!.baseOffset);
      if (entry !== null) this.#active.transactionIndex.append(entry);
      at += header.sizeInBytes;
    });
  }

  #checkBatch(header: BatchHeader, batch: Uint8Array, position: number): void {
    const { sizeInBytes: size, compression, recordCount, lastOffsetDelta } = header;
    if (size > this.config.maxMessageBytes) throw new RecordTooLargeError(size, this.config.maxMessageBytes, "max.message.bytes");
    if (!COMPRESSION_CODECS.includes(compression)) throw new UnsupportedCompressionError(compression, position);
    if (recordCount === 0 || lastOffsetDelta !== recordCount - 1) {
      throw new InvalidRecordError(
        `batch at byte ${position} has ${recordCount} records but lastOffsetDelta ${lastOffsetDelta}; a producer batch needs at least one record and offset deltas 0..count-1`,
      );
    }
    // The wasm scan checked an uncompressed batch's records; a compressed one's are
    // checked by decompressing them (as Kafka's LogValidator does), so a batch that
    // does not decompress to exactly its announced records is never stored.
    if (compression !== "none") {
      try {
        decodeBatches(batch);
      } catch (error) {
        throw error instanceof CorruptRecordError ? error.inFile(null, position) : error;
      }
    }
  }

  /** Starts a new active segment at the log end. */
  roll(): Promise<void> {
    return this.#exclusive("roll", () => this.#roll(this.options.clock.nowMs()));
  }

  async #roll(nowMs: number): Promise<void> {
    const { storage, config } = this.options;
    if (this.#active.sizeInBytes === 0) return;
    await this.#syncActive();
    const segment = await LogSegment.open(storage, this.topicPartition, this.logEndOffset, config, nowMs, {
      onWarning: (warning) => this.#warn(warning),
      ...readAheadShares(this.options),
    });
    await segment.load();
    this.#active.limitOffset = segment.baseOffset;
    this.#segments.push(segment);
  }

  /** Makes everything appended so far durable. */
  flush(): Promise<void> {
    return this.#exclusive("flush", () => this.#flush());
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
    // Its segments' files are closed: a read would fail with whatever the storage throws.
    if (this.#closed) throw new LogClosedError(`log ${this.topicPartition}`);
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
   * sequences and open transactions from the log). A damaged batch throws
   * CorruptRecordError, unless `onCorrupt` is given: then it hears of the
   * damage and of the offsets skipped, and the batches go on from the next
   * segment.
   */
  async *batches(
    fromOffset: number = this.#logStartOffset,
    onCorrupt?: (error: CorruptRecordError, skipped: SkippedOffsets) => void,
  ): AsyncGenerator<{ header: BatchHeader; bytes: Uint8Array }> {
    if (this.#closed) throw new LogClosedError(`log ${this.topicPartition}`);
    let offset = fromOffset;
    while (offset < this.logEndOffset) {
      let records: Uint8Array;
      try {
        records = (await this.read(offset, { maxBytes: DEFAULT_READ_BYTES })).records;
      } catch (error) {
        if (onCorrupt === undefined || !(error instanceof CorruptRecordError)) throw error;
        const next = this.#segments.find((segment) => segment.baseOffset > offset);
        onCorrupt(error, { fromOffset: offset, toOffset: next?.baseOffset ?? this.logEndOffset });
        if (next === undefined) return;
        offset = next.baseOffset;
        continue;
      }
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

  /** Every record from `fromOffset` to the log end, control records left out (for replaying a topic into memory); see batches() for `onCorrupt`. */
  async *records(
    fromOffset: number = this.#logStartOffset,
    onCorrupt?: (error: CorruptRecordError, skipped: SkippedOffsets) => void,
  ): AsyncGenerator<LogRecord> {
    for await (const { header, bytes } of this.batches(fromOffset, onCorrupt)) {
      if (header.isControl) continue;
      for (const record of decodeBatches(bytes)[0]!.records) if (record.offset >= fromOffset) yield record;
    }
  }

  /** ListOffsets by timestamp: the first record with timestamp >= target, or null if none. */
  async offsetForTimestamp(targetTimestamp: number): Promise<{ offset: number; timestamp: number } | null> {
    if (this.#closed) throw new LogClosedError(`log ${this.topicPartition}`);
    for (const segment of this.#segments) {
      const found = await segment.findOffsetByTimestamp(targetTimestamp);
      if (found !== null && found.offset >= this.#logStartOffset) return found;
    }
    return null;
  }

  /** Deletes old segments by retention.ms and retention.bytes; never the active segment. */
  applyRetention(): Promise<RetentionReport> {
    return this.#exclusive("retention", async () => {
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
    return this.#exclusive("compaction", async () => {
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
   * next open recovers from the recovery point. A second close does nothing.
   */
  async close(options: { sync?: boolean } = {}): Promise<void> {
    if (this.#closed) return;
    await this.#exclusive("close", async () => {
      if ((options.sync ?? true) && !this.options.readOnly) await this.#flush();
      for (const segment of this.#segments) await segment.close();
    });
    this.#closed = true;
  }
}

/** Keeps the last WARNINGS_MAX warnings in `warnings` and passes each to `onWarning`. */
function keepWarning(warnings: LogWarning[], warning: LogWarning, onWarning: ((warning: LogWarning) => void) | undefined): void {
  if (warnings.length >= WARNINGS_MAX) warnings.shift();
  warnings.push(warning);
  onWarning?.(warning);
}

/**
 * Offsets that are gone although no batch is damaged: in a log that is never
 * compacted each segment ends where the next begins, so a segment that ends
 * early lost batches (a cut at a batch boundary); and offsets below the
 * recovery point were flushed, so a log that ends before it lost them.
 */
function missingOffsets(segments: readonly LogSegment[], known: readonly LogGap[], config: LogConfig, recoveryPoint: number | undefined): LogGap[] {
  const gaps: LogGap[] = [];
  if (config.cleanupPolicy === "delete") {
    for (let i = 0; i + 1 < segments.length; i++) {
      const segment = segments[i]!;
      const next = segments[i + 1]!.baseOffset;
      if (segment.nextOffset >= next || known.some((gap) => gap.fileName === segment.fileName)) continue;
      gaps.push({ fromOffset: segment.nextOffset, toOffset: next, fileName: segment.fileName, position: segment.readableBytes, reason: "offset-not-contiguous" });
    }
  }
  const last = segments[segments.length - 1]!;
  if (recoveryPoint !== undefined && last.nextOffset < recoveryPoint) {
    gaps.push({ fromOffset: last.nextOffset, toOffset: recoveryPoint, fileName: last.fileName, position: last.readableBytes, reason: "truncated-batch" });
  }
  return gaps;
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
