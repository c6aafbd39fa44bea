// One log segment: N.log (batches back to back), N.index and N.timeindex
// (sparse, every index.interval.bytes), named by base offset as Kafka names
// them. Appends keep the indexes current; recovery rebuilds them from the log.

import {
  BATCH_HEADER_BYTES, type BatchHeader, CorruptRecordError, decodeBatches, OFFSET_INDEX_ENTRY_BYTES, OffsetIndex, readBatchHeader,
  TIME_INDEX_ENTRY_BYTES, TimeIndex,
} from "../format/index.ts";
import { assert } from "../runtime/index.ts";
import type { Storage, StorageFile } from "../storage/index.ts";
import { announcedBatchSize, type BatchInfo, type OffsetBounds, type RegionScan, type ScanDepth, scanRegion } from "./batch-scan.ts";
import type { LogConfig } from "./config.ts";
import { CorruptIndexError, ReadOnlyLogError } from "./errors.ts";
import { checkOffsetIndex, checkTimeIndex, type LogProblem } from "./index-check.ts";
import { type ReadAheadHolder, type ReadAheadShares, readAheadShares } from "./read-ahead.ts";
import type { PooledBuffer } from "./window-pool.ts";
import { type AbortedTxn, TransactionIndex, TXN_INDEX_SUFFIX } from "./transaction-index.ts";

export const LOG_SUFFIX = ".log";
export const INDEX_SUFFIX = ".index";
export const TIME_INDEX_SUFFIX = ".timeindex";
/** Bytes read at a time when scanning a segment during recovery. */
const RECOVERY_CHUNK_BYTES = 8 << 20;
/** Bytes read at least when scanning from a batch boundary: more than a batch header (BATCH_HEADER_BYTES). */
const SCAN_BYTES_MIN = 256;
/** Relative offsets are int32 in the index: a segment spans at most this many offsets. */
const RELATIVE_OFFSET_MAX = 0x7fff_ffff;
/** Read-ahead windows one segment keeps (one per reader going through it in order; the oldest goes first). */
const READ_AHEAD_WINDOWS_MAX = 4;

export function segmentFileName(dir: string, baseOffset: number, suffix: string): string {
  return `${dir}/${String(baseOffset).padStart(20, "0")}${suffix}`;
}

/** The base offset a segment file name carries, or null for other files. */
export function parseSegmentFileName(fileName: string): { baseOffset: number; suffix: string } | null {
  const match = /\/(\d{20})(\.[a-z.]+)$/.exec(fileName);
  return match === null ? null : { baseOffset: Number(match[1]), suffix: match[2]! };
}

/**
 * What validating a segment's .log found: how much of it is whole valid
 * batches, and why the rest is not. What the log then did with the rest is
 * in the two byte counts.
 */
export interface SegmentRecovery {
  readonly baseOffset: number;
  /** The segment's .log file. */
  readonly fileName: string;
  /** Bytes from the start of the .log that are whole valid batches in order. */
  readonly validBytes: number;
  /** Bytes cut off the end of the .log and moved to the quarantine (see RecoveryReport.quarantined). */
  readonly truncatedBytes: number;
  /**
   * Bytes after validBytes left in place but not served: a damaged segment
   * kept after a clean shutdown (its offsets are a gap of the log), or any
   * damage in a read-only log.
   */
  readonly unreadBytes: number;
  readonly error: CorruptRecordError | null;
}

/** What a full scan of a segment found, before the log decides what to do with the rest. */
export interface SegmentScan {
  readonly validBytes: number;
  readonly sizeInBytes: number;
  readonly error: CorruptRecordError | null;
}

/** Something the log worked around and the user should hear of (an index entry that was wrong). */
export interface LogWarning {
  readonly fileName: string;
  readonly position: number;
  readonly message: string;
}

export interface SegmentOptions extends ReadAheadShares {
  /** Never write, truncate or create a file; missing index files are rebuilt in memory. */
  readonly readOnly?: boolean;
  /** The next segment's base offset (Infinity for the last segment): no batch of this one may reach it. */
  readonly limitOffset?: number;
  readonly onWarning?: (warning: LogWarning) => void;
}

/** Whole valid batches read from `start` in the segment: `window` holds their bytes. */
interface Chunk {
  readonly batches: readonly BatchInfo[];
  readonly window: Uint8Array;
  readonly start: number;
}

/** What a read serves from a chunk: the bytes, where they end in the .log, and their last offset. */
interface Served {
  readonly bytes: Uint8Array | Promise<Uint8Array>;
  readonly end: number;
  readonly lastOffset: number;
}

/** A window read and checked ahead, for the read of the offset it is kept under (read-ahead.ts). */
class ReadAheadWindow implements ReadAheadHolder {
  constructor(
    readonly chunkBytes: number,
    /** Null when the read found no whole valid batch or failed: the read itself then finds out why. */
    readonly chunk: Promise<Chunk | null>,
    /** The pool's buffer the window was read into, if any (its chunk's bytes may lie in it). */
    readonly pooled: PooledBuffer | undefined,
    /** Where the segment's readable bytes ended when the window was read: a window cut short there may be stale. */
    readonly endAtRead: number,
    private readonly windows: Map<number, ReadAheadWindow>,
    private readonly offset: number,
  ) {}

  dropReadAhead(): void {
    if (this.windows.get(this.offset) === this) this.windows.delete(this.offset);
    this.letGo();
  }

  /** The window will serve nothing: its buffer goes back to the pool once its read is over. */
  letGo(): void {
    if (this.pooled !== undefined) void this.chunk.then(() => this.pooled!.release());
  }
}

/** What verifying one segment found. */
export interface SegmentCheck {
  readonly batchCount: number;
  readonly validBytes: number;
  /** The offset after the last valid batch. */
  readonly nextOffset: number;
  readonly problems: readonly LogProblem[];
}

/** A segment as `describe()` reports it: relative offsets are offset - baseOffset, as in the index files. */
export interface SegmentDescription {
  readonly baseOffset: number;
  /** Offset after the segment's last record (baseOffset when empty). */
  readonly nextOffset: number;
  readonly sizeInBytes: number;
  /** The .log, .index and .timeindex file names, and the .txnindex's when there is one. */
  readonly fileNames: readonly string[];
  readonly offsetIndex: readonly { readonly relativeOffset: number; readonly position: number }[];
  readonly timeIndex: readonly { readonly timestamp: number; readonly relativeOffset: number }[];
  /** The .txnindex's entries: transactions whose ABORT marker is in this segment. */
  readonly abortedTransactions: readonly AbortedTxn[];
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
  /** The next segment's base offset: this one's offsets stay below it. */
  limitOffset: number;
  /** Where reads stop in a damaged segment that is kept in place; null: at the end of the file. */
  #readableEnd: number | null = null;
  /** The .log size this segment accounts for: a different size means someone else wrote to the file. */
  #knownSize = 0;
  /** Set once an index entry was found wrong: reads then scan from the segment's start. */
  #indexDistrusted = false;
  /** Read-ahead windows by the offset a reader will ask for next, oldest first. */
  readonly #readAhead = new Map<number, ReadAheadWindow>();
  /** Set at close: a read still under way then starts no window, which nothing would let go of. */
  #closing = false;

  private constructor(
    readonly baseOffset: number,
    private readonly dir: string,
    private readonly log: StorageFile,
    private readonly indexFile: StorageFile,
    private readonly timeIndexFile: StorageFile,
    /** The .txnindex: its file is created with the first entry, and is absent for a segment without aborts. */
    readonly transactionIndex: TransactionIndex,
    readonly offsetIndex: OffsetIndex,
    readonly timeIndex: TimeIndex,
    private readonly config: LogConfig,
    private readonly createdMs: number,
    private readonly segmentOptions: SegmentOptions,
  ) {
    this.nextOffset = baseOffset;
    this.limitOffset = segmentOptions.limitOffset ?? Infinity;
  }

  /**
   * Opens a segment's three files, creating them when new (a read-only
   * segment creates nothing: a missing file reads as empty). Call load() or
   * recover() before use.
   */
  static async open(
    storage: Storage,
    dir: string,
    baseOffset: number,
    config: LogConfig,
    nowMs: number,
    options: SegmentOptions = {},
  ): Promise<LogSegment> {
    const openFile = async (name: string): Promise<StorageFile> =>
      options.readOnly && !(await storage.exists(name)) ? new AbsentFile(name) : storage.open(name);
    const [log, indexFile, timeIndexFile, transactionIndex] = await Promise.all([
      openFile(segmentFileName(dir, baseOffset, LOG_SUFFIX)),
      openFile(segmentFileName(dir, baseOffset, INDEX_SUFFIX)),
      openFile(segmentFileName(dir, baseOffset, TIME_INDEX_SUFFIX)),
      TransactionIndex.open(storage, segmentFileName(dir, baseOffset, TXN_INDEX_SUFFIX), baseOffset),
    ]);
    return new LogSegment(
      baseOffset, dir, log, indexFile, timeIndexFile, transactionIndex, OffsetIndex.create(), TimeIndex.create(), config, nowMs, options,
    );
  }

  get readOnly(): boolean {
    return this.segmentOptions.readOnly ?? false;
  }

  /** The read-ahead budget and window pool this segment uses, if any: a segment that replaces it shares them. */
  get readAheadShares(): ReadAheadShares {
    return readAheadShares(this.segmentOptions);
  }

  /** The .log file's name. */
  get fileName(): string {
    return this.log.name;
  }

  /** Bytes of the .log that reads serve: all of it, or the valid prefix of a damaged segment kept in place. */
  get readableBytes(): number {
    return this.#end;
  }

  get #end(): number {
    return this.#readableEnd ?? this.log.size;
  }

  /** Where batches after `previousLastOffset` (null: unknown) must lie. */
  #bounds(previousLastOffset: number | null): OffsetBounds {
    return {
      previousLastOffset, firstOffset: this.baseOffset, limitOffset: this.limitOffset, contiguous: this.config.cleanupPolicy === "delete",
    };
  }

  get sizeInBytes(): number {
    return this.log.size;
  }

  get largestTimestamp(): number {
    return this.maxTimestampSoFar;
  }

  get fileNames(): string[] {
    const names = [this.log.name, this.indexFile.name, this.timeIndexFile.name];
    return this.transactionIndex.hasFile ? [...names, this.transactionIndex.fileName] : names;
  }

  /** What the segment holds now: its files, offsets and every index entry (for tools that show a log). */
  describe(): SegmentDescription {
    const offsetIndex = Array.from({ length: this.offsetIndex.entryCount }, (_, i) => ({
      relativeOffset: this.offsetIndex.relativeOffsetAt(i), position: this.offsetIndex.positionAt(i),
    }));
    const timeIndex = Array.from({ length: this.timeIndex.entryCount }, (_, i) => ({
      timestamp: this.timeIndex.timestampAt(i), relativeOffset: this.timeIndex.relativeOffsetAt(i),
    }));
    return {
      baseOffset: this.baseOffset, nextOffset: this.nextOffset, sizeInBytes: this.log.size, fileNames: this.fileNames, offsetIndex, timeIndex,
      abortedTransactions: this.transactionIndex.entries,
    };
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
   * Offsets only go forward: a batch that does not follow the segment's last
   * offset, or leaves its range, is refused (CorruptRecordError), as is a
   * .log that grew under this segment (another writer's bytes).
   */
  async append(pieces: readonly Uint8Array[], batches: readonly Omit<BatchInfo, "position">[]): Promise<void> {
    let position = this.log.size;
    if (position !== this.#knownSize) await this.#refuseForeignBytes(batches[0]?.baseOffset ?? this.nextOffset);
    let previousLastOffset = this.nextOffset - 1;
    for (const batch of batches) {
      const offsets = `offsets ${batch.baseOffset}..${batch.lastOffset}`;
      if (batch.baseOffset <= previousLastOffset || batch.lastOffset < batch.baseOffset) {
        throw new CorruptRecordError(position, "offset-not-increasing", `append refused: ${offsets} do not follow the last offset ${previousLastOffset}`, this.log.name);
      }
      if (batch.baseOffset < this.baseOffset || batch.lastOffset >= this.limitOffset) {
        const range = `${this.baseOffset}..${this.limitOffset - 1}`;
        throw new CorruptRecordError(position, "offset-out-of-segment", `append refused: ${offsets} are outside the segment's range ${range}`, this.log.name);
      }
      previousLastOffset = batch.lastOffset;
    }
    const pieceBytes = pieces.reduce((sum, piece) => sum + piece.length, 0);
    const batchBytes = batches.reduce((sum, batch) => sum + batch.size, 0);
    assert(pieceBytes === batchBytes, () => `append to ${this.log.name}: ${pieceBytes} bytes given for batches of ${batchBytes} bytes`);
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
    assert(position === this.log.size, () => `append to ${this.log.name} indexed batches up to byte ${position}, but the file ends at ${this.log.size}`);
    this.#knownSize = this.log.size;
  }

  /** The .log grew by bytes this segment did not write: say whose offsets they hold, and append nothing. */
  async #refuseForeignBytes(baseOffset: number): Promise<never> {
    const known = this.#knownSize;
    const foreign = scanRegion(await this.log.read(known, this.log.size - known), known, this.log.name);
    const lastForeign = foreign.batches.at(-1)?.lastOffset;
    throw new CorruptRecordError(
      known,
      "offset-not-increasing",
      `the file grew from ${known} to ${this.log.size} bytes that this log did not write` +
        (lastForeign === undefined ? "" : ` (offsets up to ${lastForeign})`) +
        `; appending offset ${baseOffset} after them could reuse offsets, so the append is refused (another writer?)`,
      this.log.name,
    );
  }

  /** Writes the index entries added since the last time to the index files. */
  async #persistIndexEntries(): Promise<void> {
    if (this.readOnly) return;
    const offsetBytes = this.offsetIndex.sizeInBytes;
    if (this.indexFile.size < offsetBytes) {
      await this.indexFile.append(this.offsetIndex.bytesFrom(this.indexFile.size / this.offsetIndex.entryBytes));
    }
    const timeBytes = this.timeIndex.sizeInBytes;
    if (this.timeIndexFile.size < timeBytes) {
      await this.timeIndexFile.append(this.timeIndex.bytesFrom(this.timeIndexFile.size / this.timeIndex.entryBytes));
    }
  }

  /**
   * Whole valid batches from `position` (a batch boundary), reading about
   * `lengthHint` bytes. The scan's error is real damage only: a batch cut by
   * the read's end, not the readable end, is read again whole or left for the
   * next call (its error is never made: scans read `stopReason`).
   */
  async #scanAt(
    position: number, lengthHint: number, previousLastOffset: number | null, depth: ScanDepth = "records",
    read: (position: number, length: number) => Promise<Uint8Array> = (at, length) => this.log.read(at, length),
  ): Promise<{ scan: RegionScan; window: Uint8Array }> {
    const end = this.#end;
    const window = await read(position, Math.min(end - position, Math.max(lengthHint, SCAN_BYTES_MIN)));
    const scan = scanRegion(window, position, this.log.name, this.#bounds(previousLastOffset), depth);
    const cutByWindow = position + window.length < end && (scan.stopReason === "truncated-header" || scan.stopReason === "truncated-batch");
    if (!cutByWindow) return { scan, window };
    if (scan.validBytes > 0) return { scan: { batches: scan.batches, validBytes: scan.validBytes, error: null, stopReason: null }, window };
    const announced = announcedBatchSize(window, 0);
    if (announced <= window.length || position + announced > end) return { scan, window };
    const whole = await read(position, announced);
    return { scan: scanRegion(whole, position, this.log.name, this.#bounds(previousLastOffset), depth), window: whole };
  }

  /**
   * Chunks of whole valid batches from the one the offset index names for
   * `offset` to the readable end. An index entry must name a batch boundary
   * whose last offset is the entry's: otherwise the scan starts over from the
   * segment's start, with a warning. Damage is thrown (CorruptRecordError
   * naming the file and byte) after every batch before it was yielded.
   */
  async *#chunksFrom(
    offset: number, chunkBytes: number, stepOverIndexed = false, depth: ScanDepth = "records",
  ): AsyncGenerator<{ batches: BatchInfo[]; window: Uint8Array; start: number }> {
    const entry = this.#indexDistrusted ? -1 : this.offsetIndex.lookup(offset - this.baseOffset);
    let position = entry < 0 ? 0 : this.offsetIndex.positionAt(entry);
    let expectedLastOffset = entry < 0 ? null : this.baseOffset + this.offsetIndex.relativeOffsetAt(entry);
    let previousLastOffset: number | null = entry < 0 ? this.baseOffset - 1 : null;
    if (expectedLastOffset !== null && position >= this.#end) {
      this.#distrustIndex(position, expectedLastOffset, "lies past the end of the valid log");
      position = 0;
      expectedLastOffset = null;
      previousLastOffset = this.baseOffset - 1;
    }
    if (stepOverIndexed && expectedLastOffset !== null && expectedLastOffset < offset) {
      const after = await this.#batchAfterIndexed(position, expectedLastOffset, chunkBytes, depth);
      if (after !== null) {
        const { scan, window, start } = after;
        yield { batches: scan.batches, window, start };
        if (scan.error !== null) throw scan.error;
        const last = scan.batches.at(-1)!;
        position = last.position + last.size;
        previousLastOffset = last.lastOffset;
        expectedLastOffset = null;
      }
    }
    while (position < this.#end) {
      const { scan, window } = await this.#scanAt(position, chunkBytes, previousLastOffset, depth);
      if (expectedLastOffset !== null) {
        const found = scan.batches[0];
        if (found?.lastOffset !== expectedLastOffset) {
          this.#distrustIndex(position, expectedLastOffset, found === undefined
            ? "is not the start of a valid batch"
            : `holds a batch ending at offset ${found.lastOffset}`);
          position = 0;
          expectedLastOffset = null;
          previousLastOffset = this.baseOffset - 1;
          continue;
        }
        expectedLastOffset = null;
      }
      if (scan.batches.length > 0) yield { batches: scan.batches, window, start: position };
      if (scan.error !== null) throw scan.error;
      const last = scan.batches.at(-1);
      if (last === undefined) return;
      position = last.position + last.size;
      previousLastOffset = last.lastOffset;
    }
  }

  /**
   * The index names the batch before the one a read wants (its entries hold a batch's last offset): as Kafka does,
   * step over that batch by its header instead of reading and checking all of it. Only when the header there ends at
   * the entry's offset and the batch right after it starts at the next offset and is valid; otherwise (null) the
   * caller reads from the entry's batch as before, which checks the entry and reports any damage from there.
   */
  async #batchAfterIndexed(
    position: number, indexedLastOffset: number, chunkBytes: number, depth: ScanDepth,
  ): Promise<{ scan: RegionScan; window: Uint8Array; start: number } | null> {
    if (position + BATCH_HEADER_BYTES > this.#end) return null;
    const header = await this.log.read(position, BATCH_HEADER_BYTES);
    if (header.length < BATCH_HEADER_BYTES) return null;
    let indexed: BatchHeader;
    try {
      indexed = readBatchHeader(new DataView(header.buffer, header.byteOffset, header.length), 0);
    } catch {
      return null;
    }
    const next = position + indexed.sizeInBytes;
    if (indexed.magic !== 2 || indexed.lastOffset !== indexedLastOffset || indexed.sizeInBytes < BATCH_HEADER_BYTES || next >= this.#end) return null;
    const { scan, window } = await this.#scanAt(next, chunkBytes, indexedLastOffset, depth);
    return scan.batches[0]?.baseOffset === indexedLastOffset + 1 ? { scan, window, start: next } : null;
  }

  #distrustIndex(position: number, expectedLastOffset: number, what: string): void {
    this.#indexDistrusted = true;
    this.segmentOptions.onWarning?.({
      fileName: this.indexFile.name,
      position,
      message: `index entry for offset ${expectedLastOffset} points at byte ${position} of ${this.log.name}, which ${what}; ` +
        `reading ${this.log.name} from its start instead`,
    });
  }

  /**
   * Whole batches from the one holding `startOffset`, at most `maxBytes` of
   * them but always at least one (Kafka's KIP-74), stopping before batches
   * that start at or after `maxOffsetExclusive`. Null if none qualifies.
   * Throws CorruptRecordError (file and byte) when damage comes before any
   * batch that qualifies; batches before damage are returned. Batches are
   * checked by header and CRC-32C only: their records were walked when they
   * were appended, and the CRC covers every byte of them.
   */
  async read(startOffset: number, maxBytes: number, maxOffsetExclusive: number): Promise<Uint8Array | null> {
    // No whole batch here holds it (a consumer polling at the log end): nothing to scan, nor the bytes of an append
    // still being written to take for damage.
    if (startOffset >= this.nextOffset) return null;
    const chunkBytes = this.config.indexIntervalBytes + maxBytes + 64;
    const ahead = this.#takeReadAhead(startOffset);
    if (ahead !== undefined) {
      const chunk = ahead.chunkBytes === chunkBytes ? await ahead.chunk : null;
      // A window that reached the segment's end then misses what was appended since: a fresh read serves more.
      const fresh = chunk !== null && (chunk.window.length >= chunkBytes || this.#end === ahead.endAtRead);
      const served = fresh ? this.#serve(chunk, startOffset, maxBytes, maxOffsetExclusive, ahead.pooled) : undefined;
      if (served !== undefined) return this.#served(served, chunkBytes);
      ahead.letGo();
    }
    for await (const chunk of this.#chunksFrom(startOffset, chunkBytes, true, "crc")) {
      const served = this.#serve(chunk, startOffset, maxBytes, maxOffsetExclusive);
      if (served !== undefined) return this.#served(served, chunkBytes);
    }
    return null;
  }

  /** What a read serves from `chunk`: undefined when no batch in it holds `startOffset`, null when none qualifies. */
  #serve(
    chunk: Chunk, startOffset: number, maxBytes: number, maxOffsetExclusive: number, pooled?: PooledBuffer,
  ): Served | null | undefined {
    const { batches, window, start } = chunk;
    const first = batches.findIndex((b) => b.lastOffset >= startOffset);
    if (first < 0) return undefined;
    const head = batches[first]!;
    if (head.baseOffset >= maxOffsetExclusive) {
      pooled?.release();
      return null;
    }
    let size = 0;
    let lastOffset = head.lastOffset;
    for (let i = first; i < batches.length; i++) {
      const batch = batches[i]!;
      if (batch.baseOffset >= maxOffsetExclusive || (size > 0 && size + batch.size > maxBytes)) break;
      size += batch.size;
      lastOffset = batch.lastOffset;
    }
    const at = head.position - start;
    assert(at >= 0 && size > 0 && head.lastOffset >= startOffset, () => `read of offset ${startOffset} from ${this.log.name} found no batch covering it at byte ${head.position}`);
    const end = head.position + size;
    if (at + size > window.length) {
      pooled?.release();
      return { bytes: this.log.read(head.position, size), end, lastOffset };
    }
    // The window is this read's own copy (storage reads never share their bytes): a view of it serves the batches
    // without copying them again, unless that would keep a window much larger than what is returned alive. A view
    // of a pooled buffer is lent: the buffer goes back when the bytes are returned (returnServedBytes), not before.
    if (size * 2 < window.length) {
      const copy = window.slice(at, at + size);
      pooled?.release();
      return { bytes: copy, end, lastOffset };
    }
    const view = window.subarray(at, at + size);
    if (pooled?.holds(view)) pooled.lend(view);
    else pooled?.release();
    return { bytes: view, end, lastOffset };
  }

  /** Returns what a read serves, and starts reading the window after it when there is more in this segment. */
  #served(served: Served | null, chunkBytes: number): Uint8Array | Promise<Uint8Array> | null {
    if (served === null) return null;
    this.#startReadAhead(served.end, served.lastOffset, chunkBytes);
    return served.bytes;
  }

  /** The read-ahead window kept for a read of `offset`, taken out (each serves one read), or undefined. */
  #takeReadAhead(offset: number): ReadAheadWindow | undefined {
    const window = this.#readAhead.get(offset);
    if (window === undefined) return undefined;
    this.#readAhead.delete(offset);
    this.segmentOptions.readAhead?.release(window);
    return window;
  }

  /**
   * Reads and checks the window at `position` (the batch boundary after `lastOffset`) for the read of the next
   * offset, without waiting for it: the storage reads it off this thread while the answer to this read goes out,
   * and its CRCs are checked as soon as its bytes are in. Only on a storage that can read off this thread (the
   * filesystem): elsewhere it would only delay this answer.
   */
  #startReadAhead(position: number, lastOffset: number, chunkBytes: number): void {
    const budget = this.segmentOptions.readAhead;
    const log = this.log;
    const offset = lastOffset + 1;
    if (budget === undefined || log.readInBackground === undefined || this.#closing || position >= this.#end || this.#readAhead.has(offset)) return;
    if (chunkBytes > budget.maxBytes) return;
    if (this.#readAhead.size >= READ_AHEAD_WINDOWS_MAX) {
      const [oldestOffset, oldest] = this.#readAhead.entries().next().value!;
      this.#readAhead.delete(oldestOffset);
      budget.release(oldest);
      oldest.letGo();
    }
    const pooled = this.segmentOptions.windowPool?.take(chunkBytes);
    // The window's first read goes into the pool's buffer; a second one (a batch larger than the window) cannot.
    let into = pooled?.bytes;
    const read = (at: number, length: number): Promise<Uint8Array> => {
      const target = into !== undefined && length <= into.length ? into : undefined;
      into = undefined;
      return log.readInBackground!(at, length, target);
    };
    const chunk = this.#scanAt(position, chunkBytes, lastOffset, "crc", read).then(
      ({ scan, window: bytes }): Chunk | null => {
        // A batch larger than the window is read whole: count what is held, or let go of it if the budget cannot.
        if (bytes.length > chunkBytes && this.#readAhead.get(offset) === window && !budget.admit(window, bytes.length)) {
          this.#readAhead.delete(offset);
        }
        if (pooled !== undefined && (scan.batches.length === 0 || !pooled.holds(bytes))) pooled.release();
        return scan.batches.length === 0 ? null : { batches: scan.batches, window: bytes, start: position };
      },
      () => {
        pooled?.release();
        return null;
      },
    );
    const window: ReadAheadWindow = new ReadAheadWindow(chunkBytes, chunk, pooled, this.#end, this.#readAhead, offset);
    if (budget.admit(window, chunkBytes)) this.#readAhead.set(offset, window);
    else window.letGo();
  }

  /** Forgets every read-ahead window (the bytes they hold may no longer be the file's). */
  #dropReadAhead(): void {
    for (const window of this.#readAhead.values()) {
      this.segmentOptions.readAhead?.release(window);
      window.letGo();
    }
    this.#readAhead.clear();
  }

  /** The first record with timestamp >= target in this segment, or null. */
  async findOffsetByTimestamp(targetTimestamp: number): Promise<{ offset: number; timestamp: number } | null> {
    if (this.maxTimestampSoFar < targetTimestamp) return null;
    const entry = this.timeIndex.lookup(targetTimestamp);
    const fromOffset = entry < 0 ? this.baseOffset : this.baseOffset + this.timeIndex.relativeOffsetAt(entry);
    for await (const { batches, window, start } of this.#chunksFrom(fromOffset, RECOVERY_CHUNK_BYTES)) {
      for (const batch of batches) {
        if (batch.maxTimestamp < targetTimestamp) continue;
        const bytes = window.subarray(batch.position - start, batch.position - start + batch.size);
        const record = decodeBatches(bytes)[0]!.records.find((r) => r.timestamp >= targetTimestamp);
        if (record !== undefined) return { offset: record.offset, timestamp: record.timestamp };
      }
    }
    return null;
  }

  /**
   * Trusts the .log as flushed: loads the indexes (rebuilding them if they do
   * not fit the log) and finds the segment's end from the last index entry,
   * whose batch must be where the entry says. Falls back to recover() (and
   * returns what it found) if anything there is not valid.
   */
  async load(): Promise<SegmentScan | null> {
    this.#knownSize = this.log.size;
    const [index, timeIndex] = await Promise.all([
      this.indexFile.read(0, this.indexFile.size),
      this.timeIndexFile.read(0, this.timeIndexFile.size),
    ]);
    let consistent = index.length % OFFSET_INDEX_ENTRY_BYTES === 0 && timeIndex.length % TIME_INDEX_ENTRY_BYTES === 0;
    if (consistent) {
      this.offsetIndex.load(index);
      this.timeIndex.load(timeIndex);
      consistent = this.#indexesFitLog();
    }
    if (!consistent) return this.recover();
    const lastEntry = this.offsetIndex.entryCount - 1;
    const from = lastEntry < 0 ? 0 : this.offsetIndex.positionAt(lastEntry);
    const tail = scanRegion(await this.log.read(from, this.log.size - from), from, this.log.name, this.#bounds(lastEntry < 0 ? this.baseOffset - 1 : null));
    const indexedLastOffset = lastEntry < 0 ? null : this.baseOffset + this.offsetIndex.relativeOffsetAt(lastEntry);
    if (tail.error !== null || (indexedLastOffset !== null && tail.batches[0]?.lastOffset !== indexedLastOffset)) return this.recover();
    const lastTime = this.timeIndex.entryCount - 1;
    if (lastTime >= 0) {
      this.maxTimestampSoFar = this.timeIndex.timestampAt(lastTime);
      this.#offsetOfMaxTimestamp = this.baseOffset + this.timeIndex.relativeOffsetAt(lastTime);
    }
    if (indexedLastOffset !== null) this.nextOffset = indexedLastOffset + 1;
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
    if (this.#end === 0) return undefined;
    return (await this.#scanAt(0, SCAN_BYTES_MIN, this.baseOffset - 1)).scan.batches[0]?.maxTimestamp;
  }

  /**
   * Validates the whole .log batch by batch (CRC, sizes, offsets in order
   * and inside the segment) and rebuilds both indexes in memory from the
   * valid batches before the first invalid one. Changes no file: the caller
   * decides whether to truncate (truncateTo), keep the rest unread
   * (keepDamaged) and write the indexes (writeIndexes).
   */
  async recover(onBatches?: (batches: readonly BatchInfo[]) => void): Promise<SegmentScan> {
    this.offsetIndex.truncateEntries(0);
    this.timeIndex.truncateEntries(0);
    this.nextOffset = this.baseOffset;
    this.maxTimestampSoFar = -1;
    this.#offsetOfMaxTimestamp = -1;
    this.#bytesSinceLastIndexEntry = 0;
    this.#rollingBasedTimestamp = undefined;
    this.#readableEnd = null;
    this.#indexDistrusted = false;
    this.#knownSize = this.log.size;
    const size = this.log.size;
    let position = 0;
    let previousLastOffset = this.baseOffset - 1;
    let error: CorruptRecordError | null = null;
    while (position < size) {
      const { scan } = await this.#scanAt(position, RECOVERY_CHUNK_BYTES, previousLastOffset);
      this.#rebuildFrom(scan.batches);
      onBatches?.(scan.batches);
      position += scan.validBytes;
      previousLastOffset = scan.batches.at(-1)?.lastOffset ?? previousLastOffset;
      if (scan.error !== null) {
        error = scan.error;
        break;
      }
      if (scan.validBytes === 0) break;
    }
    return { validBytes: position, sizeInBytes: size, error };
  }

  /**
   * Checks the .log batch by batch and both index files entry by entry
   * against it, changing nothing (what `loglab check` runs). Each index
   * entry must name a batch boundary and that batch's last offset; each time
   * index entry a batch's last offset and the greatest timestamp up to it.
   */
  async verify(): Promise<SegmentCheck> {
    const batches: BatchInfo[] = [];
    const scan = await this.recover((found) => batches.push(...found));
    const problems: LogProblem[] = [];
    if (scan.error !== null) {
      problems.push({ fileName: this.log.name, position: scan.error.position, reason: scan.error.reason, detail: scan.error.detail });
    }
    const [index, timeIndex] = await Promise.all([
      this.indexFile.read(0, this.indexFile.size),
      this.timeIndexFile.read(0, this.timeIndexFile.size),
    ]);
    // Entries past the first invalid batch cannot be checked: the problem there is the batch.
    const checkable = (position: number, offset: number) => scan.error === null || (position < scan.validBytes && offset < this.nextOffset);
    const against = { baseOffset: this.baseOffset, logName: this.log.name, batches, checkable };
    problems.push(
      ...checkOffsetIndex({ ...against, fileName: this.indexFile.name, bytes: index }),
      ...checkTimeIndex({ ...against, fileName: this.timeIndexFile.name, bytes: timeIndex }),
      ...(await this.#checkTransactionIndex(scan.error === null ? this.nextOffset : this.limitOffset)),
    );
    return { batchCount: batches.length, validBytes: scan.validBytes, nextOffset: this.nextOffset, problems };
  }

  /** The .txnindex read whole: torn, an unknown version, or markers out of order or past `endOffset`. */
  async #checkTransactionIndex(endOffset: number): Promise<LogProblem[]> {
    try {
      await this.transactionIndex.load(endOffset);
      return [];
    } catch (error) {
      if (!(error instanceof CorruptIndexError)) throw error;
      return [{ fileName: error.fileName, position: error.position, reason: "index-entry-invalid", detail: error.detail }];
    }
  }

  #rebuildFrom(batches: readonly BatchInfo[]): void {
    for (const batch of batches) {
      this.#track(batch);
      this.#indexBatch(batch.position, batch.size, batch.lastOffset);
    }
  }

  /** Cuts the .log to its first `validBytes` (after the caller has kept the rest elsewhere) and writes the indexes. */
  async truncateTo(validBytes: number): Promise<void> {
    if (this.readOnly) throw new ReadOnlyLogError(this.log.name, "truncating a segment");
    this.#dropReadAhead();
    if (validBytes < this.log.size) await this.log.truncate(validBytes);
    this.#knownSize = this.log.size;
    await this.writeIndexes();
  }

  /** Serves only the first `validBytes` of a damaged .log and leaves the rest where it is. */
  keepDamaged(validBytes: number): void {
    this.#dropReadAhead();
    this.#readableEnd = validBytes;
  }

  /** Rewrites both index files whole from the in-memory indexes (after a recovery rebuilt them). */
  async writeIndexes(): Promise<void> {
    if (this.readOnly) return;
    await this.indexFile.truncate(0);
    await this.indexFile.append(this.offsetIndex.toBytes());
    await this.timeIndexFile.truncate(0);
    await this.timeIndexFile.append(this.timeIndex.toBytes());
  }

  async flush(): Promise<void> {
    if (this.readOnly) return;
    await this.#persistIndexEntries();
    await this.transactionIndex.persist();
    await Promise.all([this.log.sync(), this.indexFile.sync(), this.timeIndexFile.sync(), this.transactionIndex.sync()]);
  }

  async close(): Promise<void> {
    this.#closing = true;
    this.#dropReadAhead();
    await this.#persistIndexEntries();
    if (!this.readOnly) await this.transactionIndex.persist();
    await Promise.all([this.log.close(), this.indexFile.close(), this.timeIndexFile.close(), this.transactionIndex.close()]);
  }

  /** Closes and deletes the segment's files, the .txnindex with them. */
  async delete(storage: Storage): Promise<void> {
    if (this.readOnly) throw new ReadOnlyLogError(this.log.name, "deleting a segment");
    await this.close();
    await Promise.all([this.log.name, this.indexFile.name, this.timeIndexFile.name].map((name) => storage.delete(name)));
    await this.transactionIndex.delete();
  }

  /** Reads the whole .log (for compaction); CorruptRecordError, naming the file, if any of it is not valid batches in order. */
  async readAll(): Promise<Uint8Array> {
    const bytes = await this.log.read(0, this.log.size);
    const scan = scanRegion(bytes, 0, this.log.name, this.#bounds(this.baseOffset - 1));
    if (scan.error !== null) throw scan.error;
    return bytes;
  }

  /** Reads `length` bytes of the .log from `position` as they are (for moving a damaged tail to the quarantine). */
  readRaw(position: number, length: number): Promise<Uint8Array> {
    return this.log.read(position, length);
  }

  get directory(): string {
    return this.dir;
  }
}

/** A file a read-only segment lacks: empty, and refusing every write. */
class AbsentFile implements StorageFile {
  readonly size = 0;

  constructor(readonly name: string) {}

  async append(): Promise<void> {
    throw new ReadOnlyLogError(this.name, "writing a file");
  }

  async read(): Promise<Uint8Array> {
    return new Uint8Array(0);
  }

  async truncate(): Promise<void> {
    throw new ReadOnlyLogError(this.name, "truncating a file");
  }

  async sync(): Promise<void> {}

  async close(): Promise<void> {}
}
