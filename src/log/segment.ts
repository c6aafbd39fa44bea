// One log segment: N.log (batches back to back), N.index and N.timeindex
// (sparse, every index.interval.bytes), named by base offset as Kafka names
// them. Appends keep the indexes current; recovery rebuilds them from the log.

import { CorruptRecordError, decodeBatches, OffsetIndex, TimeIndex } from "../format/index.ts";
import type { Storage, StorageFile } from "../storage/index.ts";
import { announcedBatchSize, type BatchInfo, scanRegion } from "./batch-scan.ts";
import type { LogConfig } from "./config.ts";

export const LOG_SUFFIX = ".log";
export const INDEX_SUFFIX = ".index";
export const TIME_INDEX_SUFFIX = ".timeindex";
/** Bytes read at a time when scanning a segment during recovery. */
const RECOVERY_CHUNK_BYTES = 8 << 20;
/** Relative offsets are int32 in the index: a segment spans at most this many offsets. */
const RELATIVE_OFFSET_MAX = 0x7fff_ffff;

export function segmentFileName(dir: string, baseOffset: number, suffix: string): string {
  return `${dir}/${String(baseOffset).padStart(20, "0")}${suffix}`;
}

/** The base offset a segment file name carries, or null for other files. */
export function parseSegmentFileName(fileName: string): { baseOffset: number; suffix: string } | null {
  const match = /\/(\d{20})(\.[a-z.]+)$/.exec(fileName);
  return match === null ? null : { baseOffset: Number(match[1]), suffix: match[2]! };
}

/** What recovering a segment found. */
export interface SegmentRecovery {
  readonly baseOffset: number;
  readonly validBytes: number;
  /** Bytes cut off the end of the .log because they were not whole valid batches. */
  readonly truncatedBytes: number;
  readonly error: CorruptRecordError | null;
}

/** A segment as `describe()` reports it: relative offsets are offset - baseOffset, as in the index files. */
export interface SegmentDescription {
  readonly baseOffset: number;
  /** Offset after the segment's last record (baseOffset when empty). */
  readonly nextOffset: number;
  readonly sizeInBytes: number;
  /** The .log, .index and .timeindex file names. */
  readonly fileNames: readonly string[];
  readonly offsetIndex: readonly { readonly relativeOffset: number; readonly position: number }[];
  readonly timeIndex: readonly { readonly timestamp: number; readonly relativeOffset: number }[];
}

export class LogSegment {
  /** Offset after the last record in the segment (baseOffset when empty). */
  nextOffset: number;
  /** Greatest record timestamp in the segment, -1 when empty. */
  maxTimestampSoFar = -1;
  #offsetOfMaxTimestamp = -1;
  #bytesSinceLastIndexEntry = 0;
  /** The first batch's max timestamp: what segment.ms measures from (Kafka's rollingBasedTimestamp). */
  #rollingBasedTimestamp: number | undefined;

  private constructor(
    readonly baseOffset: number,
    private readonly dir: string,
    private readonly log: StorageFile,
    private readonly indexFile: StorageFile,
    private readonly timeIndexFile: StorageFile,
    readonly offsetIndex: OffsetIndex,
    readonly timeIndex: TimeIndex,
    private readonly config: LogConfig,
    private readonly createdMs: number,
  ) {
    this.nextOffset = baseOffset;
  }

  /** Opens a segment's three files, creating them when new. Call load() or recover() before use. */
  static async open(storage: Storage, dir: string, baseOffset: number, config: LogConfig, nowMs: number): Promise<LogSegment> {
    const [log, indexFile, timeIndexFile] = await Promise.all([
      storage.open(segmentFileName(dir, baseOffset, LOG_SUFFIX)),
      storage.open(segmentFileName(dir, baseOffset, INDEX_SUFFIX)),
      storage.open(segmentFileName(dir, baseOffset, TIME_INDEX_SUFFIX)),
    ]);
    return new LogSegment(baseOffset, dir, log, indexFile, timeIndexFile, OffsetIndex.create(), TimeIndex.create(), config, nowMs);
  }

  get sizeInBytes(): number {
    return this.log.size;
  }

  get largestTimestamp(): number {
    return this.maxTimestampSoFar;
  }

  get fileNames(): string[] {
    return [this.log.name, this.indexFile.name, this.timeIndexFile.name];
  }

  /** What the segment holds now: its files, offsets and every index entry (for tools that show a log). */
  describe(): SegmentDescription {
    const offsetIndex = Array.from({ length: this.offsetIndex.entryCount }, (_, i) => ({
      relativeOffset: this.offsetIndex.relativeOffsetAt(i), position: this.offsetIndex.positionAt(i),
    }));
    const timeIndex = Array.from({ length: this.timeIndex.entryCount }, (_, i) => ({
      timestamp: this.timeIndex.timestampAt(i), relativeOffset: this.timeIndex.relativeOffsetAt(i),
    }));
    return { baseOffset: this.baseOffset, nextOffset: this.nextOffset, sizeInBytes: this.log.size, fileNames: this.fileNames, offsetIndex, timeIndex };
  }

  /** Kafka's roll conditions for appending `batchBytes` more bytes ending at `lastOffset`. */
  shouldRoll(batchBytes: number, lastOffset: number, nowMs: number): boolean {
    if (this.log.size === 0) return false;
    const maxIndexEntries = Math.floor(this.config.segmentIndexBytes / this.offsetIndex.entryBytes);
    const maxTimeIndexEntries = Math.floor(this.config.segmentIndexBytes / this.timeIndex.entryBytes);
    return (
      this.log.size + batchBytes > this.config.segmentBytes ||
      nowMs - (this.#rollingBasedTimestamp ?? this.createdMs) > this.config.segmentMs ||
      this.offsetIndex.entryCount >= maxIndexEntries ||
      this.timeIndex.entryCount >= maxTimeIndexEntries ||
      lastOffset - this.baseOffset > RELATIVE_OFFSET_MAX
    );
  }

  #track(batch: Omit<BatchInfo, "position" | "size">): void {
    this.nextOffset = batch.lastOffset + 1;
    if (batch.maxTimestamp > this.maxTimestampSoFar) {
      this.maxTimestampSoFar = batch.maxTimestamp;
      this.#offsetOfMaxTimestamp = batch.lastOffset;
    }
    this.#rollingBasedTimestamp ??= batch.maxTimestamp;
  }

  /**
   * Adds index entries for a batch at `position`, as Kafka does: one per
   * index.interval.bytes, the time index only when the max timestamp grew.
   * Returns which indexes gained an entry.
   */
  #indexBatch(position: number, size: number, lastOffset: number): { offset: boolean; time: boolean } {
    if (this.#bytesSinceLastIndexEntry <= this.config.indexIntervalBytes) {
      this.#bytesSinceLastIndexEntry += size;
      return { offset: false, time: false };
    }
    this.offsetIndex.append(lastOffset - this.baseOffset, position);
    this.#bytesSinceLastIndexEntry = size;
    const lastTimeEntry = this.timeIndex.entryCount - 1;
    if (lastTimeEntry >= 0 && this.maxTimestampSoFar <= this.timeIndex.timestampAt(lastTimeEntry)) {
      return { offset: true, time: false };
    }
    this.timeIndex.append(this.maxTimestampSoFar, this.#offsetOfMaxTimestamp - this.baseOffset);
    return { offset: true, time: true };
  }

  /**
   * Appends whole batches (offsets already assigned, given as consecutive
   * pieces of bytes) described by `batches`.
   * Index entries reach their files at the next flush, as Kafka's memory-mapped
   * indexes do; a crash before it loses only entries that recovery rebuilds.
   * If storage fails, the segment is left as it was before the call.
   */
  async append(pieces: readonly Uint8Array[], batches: readonly Omit<BatchInfo, "position">[]): Promise<void> {
    let position = this.log.size;
    try {
      for (const piece of pieces) await this.log.append(piece);
    } catch (error) {
      // A storage failure (a full disk, a browser quota) must not leave part of a
      // batch behind: cut back to where this append started, then report it.
      await this.log.truncate(position).catch(() => undefined);
      throw error;
    }
    for (const batch of batches) {
      this.#track(batch);
      this.#indexBatch(position, batch.size, batch.lastOffset);
      position += batch.size;
    }
  }

  /** Writes the index entries added since the last time to the index files. */
  async #persistIndexEntries(): Promise<void> {
    const offsetBytes = this.offsetIndex.sizeInBytes;
    if (this.indexFile.size < offsetBytes) {
      await this.indexFile.append(this.offsetIndex.bytesFrom(this.indexFile.size / this.offsetIndex.entryBytes));
    }
    const timeBytes = this.timeIndex.sizeInBytes;
    if (this.timeIndexFile.size < timeBytes) {
      await this.timeIndexFile.append(this.timeIndex.bytesFrom(this.timeIndexFile.size / this.timeIndex.entryBytes));
    }
  }

  /** Index position to start scanning for `offset`: the greatest indexed batch at or before it. */
  #startPosition(offset: number): number {
    const entry = this.offsetIndex.lookup(offset - this.baseOffset);
    return entry < 0 ? 0 : this.offsetIndex.positionAt(entry);
  }

  /**
   * Whole batches from the one holding `startOffset`, at most `maxBytes` of
   * them but always at least one (Kafka's KIP-74), stopping before batches
   * that start at or after `maxOffsetExclusive`. Null if none qualifies.
   */
  async read(startOffset: number, maxBytes: number, maxOffsetExclusive: number): Promise<Uint8Array | null> {
    const end = this.log.size;
    let position = this.#startPosition(startOffset);
    // Find the first batch whose last offset reaches startOffset.
    while (position < end) {
      const window = await this.log.read(position, Math.min(end - position, this.config.indexIntervalBytes + maxBytes + 64));
      const { batches } = scanRegion(window, position);
      if (batches.length === 0) {
        // A batch bigger than the window: read it whole.
        const size = announcedBatchSize(window, 0);
        if (size <= window.length || position + size > end) return null;
        const whole = scanRegion(await this.log.read(position, size), position).batches;
        if (whole.length === 0) return null;
        batches.push(...whole);
      }
      const first = batches.findIndex((b) => b.lastOffset >= startOffset);
      if (first < 0) {
        const last = batches[batches.length - 1]!;
        position = last.position + last.size;
        continue;
      }
      const start = batches[first]!;
      if (start.baseOffset >= maxOffsetExclusive) return null;
      let size = 0;
      for (const batch of batches.slice(first)) {
        if (batch.baseOffset >= maxOffsetExclusive || (size > 0 && size + batch.size > maxBytes)) break;
        size += batch.size;
      }
      const offsetInWindow = start.position - position;
      return offsetInWindow + size <= window.length
        ? window.slice(offsetInWindow, offsetInWindow + size)
        : this.log.read(start.position, size);
    }
    return null;
  }

  /** The first record with timestamp >= target in this segment, or null. */
  async findOffsetByTimestamp(targetTimestamp: number): Promise<{ offset: number; timestamp: number } | null> {
    if (this.maxTimestampSoFar < targetTimestamp) return null;
    const entry = this.timeIndex.lookup(targetTimestamp);
    const fromOffset = entry < 0 ? this.baseOffset : this.baseOffset + this.timeIndex.relativeOffsetAt(entry);
    let position = this.#startPosition(fromOffset);
    const end = this.log.size;
    while (position < end) {
      const window = await this.log.read(position, Math.min(end - position, RECOVERY_CHUNK_BYTES));
      const { batches } = scanRegion(window, position);
      if (batches.length === 0) return null;
      for (const batch of batches) {
        if (batch.maxTimestamp < targetTimestamp) continue;
        const bytes = window.subarray(batch.position - position, batch.position - position + batch.size);
        const record = decodeBatches(bytes)[0]!.records.find((r) => r.timestamp >= targetTimestamp);
        if (record !== undefined) return { offset: record.offset, timestamp: record.timestamp };
      }
      const last = batches[batches.length - 1]!;
      position = last.position + last.size;
    }
    return null;
  }

  /**
   * Trusts the .log as flushed: loads the indexes (rebuilding them if they do
   * not fit the log) and finds the segment's end from the last index entry.
   * Falls back to recover() if the tail is not valid.
   */
  async load(): Promise<SegmentRecovery | null> {
    const [index, timeIndex] = await Promise.all([
      this.indexFile.read(0, this.indexFile.size),
      this.timeIndexFile.read(0, this.timeIndexFile.size),
    ]);
    let consistent = index.length % 8 === 0 && timeIndex.length % 12 === 0;
    if (consistent) {
      this.offsetIndex.load(index);
      this.timeIndex.load(timeIndex);
      consistent = this.#indexesFitLog();
    }
    if (!consistent) return this.recover();
    const lastEntry = this.offsetIndex.entryCount - 1;
    const from = lastEntry < 0 ? 0 : this.offsetIndex.positionAt(lastEntry);
    const tail = scanRegion(await this.log.read(from, this.log.size - from), from);
    if (tail.error !== null) return this.recover();
    const lastTime = this.timeIndex.entryCount - 1;
    if (lastTime >= 0) {
      this.maxTimestampSoFar = this.timeIndex.timestampAt(lastTime);
      this.#offsetOfMaxTimestamp = this.baseOffset + this.timeIndex.relativeOffsetAt(lastTime);
    }
    if (lastEntry >= 0) this.nextOffset = this.baseOffset + this.offsetIndex.relativeOffsetAt(lastEntry) + 1;
    for (const batch of tail.batches) this.#track(batch);
    this.#rollingBasedTimestamp = await this.#firstBatchMaxTimestamp();
    this.#bytesSinceLastIndexEntry = this.log.size - (tail.batches[0]?.position ?? this.log.size);
    return null;
  }

  /** Entries in order and inside the log: anything else means the index is stale. */
  #indexesFitLog(): boolean {
    let previous = -1;
    for (let i = 0; i < this.offsetIndex.entryCount; i++) {
      const relative = this.offsetIndex.relativeOffsetAt(i);
      const position = this.offsetIndex.positionAt(i);
      if (relative <= previous || position < 0 || position >= this.log.size) return false;
      previous = relative;
    }
    let previousTime = -Infinity;
    for (let i = 0; i < this.timeIndex.entryCount; i++) {
      const timestamp = this.timeIndex.timestampAt(i);
      if (timestamp < previousTime || this.timeIndex.relativeOffsetAt(i) < 0) return false;
      previousTime = timestamp;
    }
    return true;
  }

  async #firstBatchMaxTimestamp(): Promise<number | undefined> {
    if (this.log.size === 0) return undefined;
    const head = scanRegion(await this.log.read(0, Math.min(this.log.size, 61)), 0);
    if (head.batches.length > 0) return head.batches[0]!.maxTimestamp;
    const size = announcedBatchSize(await this.log.read(0, 12), 0);
    return scanRegion(await this.log.read(0, size), 0).batches[0]?.maxTimestamp;
  }

  /**
   * Validates the whole .log batch by batch, truncates it at the first byte
   * that is not part of a whole valid batch, and rebuilds both indexes.
   */
  async recover(): Promise<SegmentRecovery> {
    this.offsetIndex.truncateEntries(0);
    this.timeIndex.truncateEntries(0);
    this.nextOffset = this.baseOffset;
    this.maxTimestampSoFar = -1;
    this.#offsetOfMaxTimestamp = -1;
    this.#bytesSinceLastIndexEntry = 0;
    this.#rollingBasedTimestamp = undefined;
    const size = this.log.size;
    let position = 0;
    let error: CorruptRecordError | null = null;
    while (position < size) {
      const chunkStart = position;
      const chunk = await this.log.read(position, Math.min(size - position, RECOVERY_CHUNK_BYTES));
      const scan = scanRegion(chunk, position);
      this.#rebuildFrom(scan.batches);
      position += scan.validBytes;
      if (scan.error === null) continue;
      // A batch cut by the chunk's end, not the file's, is read again whole.
      const cutByChunk = chunkStart + chunk.length < size &&
        (scan.error.reason === "truncated-header" || scan.error.reason === "truncated-batch");
      const announced = announcedBatchSize(chunk, scan.validBytes);
      if (cutByChunk && announced < 0 && scan.validBytes > 0) continue; // header split: next chunk starts at it
      if (cutByChunk && announced > 0 && position + announced <= size) {
        const whole = scanRegion(await this.log.read(position, announced), position);
        this.#rebuildFrom(whole.batches);
        position += whole.validBytes;
        if (whole.error === null) continue;
        error = relocate(whole.error, position - whole.validBytes);
        break;
      }
      error = relocate(scan.error, chunkStart);
      break;
    }
    if (position < size) await this.log.truncate(position);
    await this.#rewriteIndexFiles();
    return { baseOffset: this.baseOffset, validBytes: position, truncatedBytes: size - position, error };
  }

  #rebuildFrom(batches: readonly BatchInfo[]): void {
    // The index files themselves are rewritten whole once recovery ends.
    for (const batch of batches) {
      this.#track(batch);
      this.#indexBatch(batch.position, batch.size, batch.lastOffset);
    }
  }

  async #rewriteIndexFiles(): Promise<void> {
    await this.indexFile.truncate(0);
    await this.indexFile.append(this.offsetIndex.toBytes());
    await this.timeIndexFile.truncate(0);
    await this.timeIndexFile.append(this.timeIndex.toBytes());
  }

  async flush(): Promise<void> {
    await this.#persistIndexEntries();
    await Promise.all([this.log.sync(), this.indexFile.sync(), this.timeIndexFile.sync()]);
  }

  async close(): Promise<void> {
    await this.#persistIndexEntries();
    await Promise.all([this.log.close(), this.indexFile.close(), this.timeIndexFile.close()]);
  }

  /** Closes and deletes the segment's files. */
  async delete(storage: Storage): Promise<void> {
    await this.close();
    await Promise.all(this.fileNames.map((name) => storage.delete(name)));
  }

  /** Reads the whole .log (for compaction). */
  async readAll(): Promise<Uint8Array> {
    return this.log.read(0, this.log.size);
  }

  get directory(): string {
    return this.dir;
  }
}

/** The same error with its position made absolute within the segment file. */
function relocate(error: CorruptRecordError, chunkStart: number): CorruptRecordError {
  const detail = error.message.replace(/^corrupt record batch at byte \d+: [a-z-]+ \((.*)\)$/, "$1");
  return new CorruptRecordError(chunkStart + error.position, error.reason, detail);
}
