// A segment's N.txnindex, Kafka's transaction index: one 34-byte entry per
// transaction whose ABORT marker is in the segment, so a read_committed fetch
// learns which records to skip without reading the log. The file is created
// with its first entry, as Kafka does: a segment without aborts has none.

import { assert } from "../runtime/index.ts";
import type { Storage, StorageFile } from "../storage/index.ts";
import { CorruptIndexError } from "./errors.ts";

export const TXN_INDEX_SUFFIX = ".txnindex";
/** version int16, producerId int64, firstOffset int64, lastOffset int64, lastStableOffset int64; big-endian. */
export const ABORTED_TXN_ENTRY_BYTES = 34;
const ABORTED_TXN_VERSION = 0;
const PRODUCER_ID_AT = 2;
const FIRST_OFFSET_AT = 10;
const LAST_OFFSET_AT = 18;
const LAST_STABLE_OFFSET_AT = 26;

/** Kafka's AbortedTxn: a transaction that ended in ABORT. */
export interface AbortedTxn {
  readonly producerId: number;
  /** The transaction's first offset in this partition. */
  readonly firstOffset: number;
  /** The offset of the ABORT marker. */
  readonly lastOffset: number;
  /** The partition's last stable offset once this transaction ended: the first offset of the oldest other open one, else lastOffset + 1. */
  readonly lastStableOffset: number;
}

export function encodeAbortedTxns(entries: readonly AbortedTxn[]): Uint8Array {
  const bytes = new Uint8Array(entries.length * ABORTED_TXN_ENTRY_BYTES);
  const view = new DataView(bytes.buffer);
  entries.forEach((entry, i) => {
    const at = i * ABORTED_TXN_ENTRY_BYTES;
    view.setInt16(at, ABORTED_TXN_VERSION);
    view.setBigInt64(at + PRODUCER_ID_AT, BigInt(entry.producerId));
    view.setBigInt64(at + FIRST_OFFSET_AT, BigInt(entry.firstOffset));
    view.setBigInt64(at + LAST_OFFSET_AT, BigInt(entry.lastOffset));
    view.setBigInt64(at + LAST_STABLE_OFFSET_AT, BigInt(entry.lastStableOffset));
  });
  return bytes;
}

/**
 * The entries of a .txnindex of the segment [baseOffset, limitOffset), or
 * CorruptIndexError (file and byte) for anything Kafka's sanity check or
 * reader would refuse, and more: a torn last entry, an unknown version, a
 * marker outside the segment, offsets out of order. Never a short list.
 */
export function decodeAbortedTxns(bytes: Uint8Array, fileName: string, baseOffset: number, limitOffset: number): AbortedTxn[] {
  if (bytes.length % ABORTED_TXN_ENTRY_BYTES !== 0) {
    const whole = bytes.length - (bytes.length % ABORTED_TXN_ENTRY_BYTES);
    throw new CorruptIndexError(fileName, whole, `${bytes.length} bytes are not whole ${ABORTED_TXN_ENTRY_BYTES}-byte entries (a torn write?)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const entries: AbortedTxn[] = [];
  let previousLastOffset = baseOffset - 1;
  for (let at = 0; at < bytes.length; at += ABORTED_TXN_ENTRY_BYTES) {
    const version = view.getInt16(at);
    if (version !== ABORTED_TXN_VERSION) throw new CorruptIndexError(fileName, at, `entry version ${version}; only ${ABORTED_TXN_VERSION} exists`);
    const read = (field: number) => Number(view.getBigInt64(at + field));
    const entry = {
      producerId: read(PRODUCER_ID_AT), firstOffset: read(FIRST_OFFSET_AT), lastOffset: read(LAST_OFFSET_AT), lastStableOffset: read(LAST_STABLE_OFFSET_AT),
    };
    const problem = entryProblem(entry, previousLastOffset, limitOffset);
    if (problem !== null) throw new CorruptIndexError(fileName, at, problem);
    entries.push(entry);
    previousLastOffset = entry.lastOffset;
  }
  return entries;
}

function entryProblem(entry: AbortedTxn, previousLastOffset: number, limitOffset: number): string | null {
  const { producerId, firstOffset, lastOffset, lastStableOffset } = entry;
  if (producerId < 0) return `producer id ${producerId} is negative`;
  if (lastOffset <= previousLastOffset) return `marker offset ${lastOffset} is not after ${previousLastOffset} (the segment's start or the entry before)`;
  if (lastOffset >= limitOffset) return `marker offset ${lastOffset} is not below ${limitOffset}, where the segment's offsets end`;
  if (firstOffset < 0 || firstOffset > lastOffset) return `first offset ${firstOffset} is not in 0..${lastOffset} (the marker's offset)`;
  // Another transaction still open may have begun before this one: the last stable offset is only bounded above.
  if (lastStableOffset < 0 || lastStableOffset > lastOffset + 1) return `last stable offset ${lastStableOffset} is not in 0..${lastOffset + 1}`;
  return null;
}

/**
 * One segment's transaction index: its entries in memory, and its file,
 * opened when there is one and created when the first entry is written.
 * New entries reach the file at the next flush, as the segment's other
 * indexes do; a crash before it loses only entries that recovery rebuilds.
 */
export class TransactionIndex {
  #entries: AbortedTxn[] = [];
  #file: StorageFile | null;
  /** Entries already in the file; -1: the file must be rewritten whole. */
  #persisted = 0;

  private constructor(
    private readonly storage: Storage,
    readonly fileName: string,
    readonly baseOffset: number,
    file: StorageFile | null,
  ) {
    this.#file = file;
  }

  static async open(storage: Storage, fileName: string, baseOffset: number): Promise<TransactionIndex> {
    const file = (await storage.exists(fileName)) ? await storage.open(fileName) : null;
    return new TransactionIndex(storage, fileName, baseOffset, file);
  }

  get entries(): readonly AbortedTxn[] {
    return this.#entries;
  }

  /** Whether the file exists (it is created with the first entry). */
  get hasFile(): boolean {
    return this.#file !== null;
  }

  /**
   * Reads the file's entries (none when there is no file). CorruptIndexError
   * when they are torn or wrong: the index then holds none, and the caller
   * rebuilds it from the log.
   */
  async load(limitOffset: number): Promise<void> {
    this.#entries = [];
    this.#persisted = 0;
    if (this.#file === null) return;
    const bytes = await this.#file.read(0, this.#file.size);
    try {
      this.#entries = decodeAbortedTxns(bytes, this.fileName, this.baseOffset, limitOffset);
      this.#persisted = this.#entries.length;
    } catch (error) {
      this.#persisted = -1;
      throw error;
    }
  }

  /** Adds the entry of a transaction aborted by a marker in this segment; markers only go forward. */
  append(entry: AbortedTxn): void {
    const last = this.#entries.at(-1)?.lastOffset ?? this.baseOffset - 1;
    assert(entry.lastOffset > last && entry.firstOffset <= entry.lastOffset,
      () => `${this.fileName}: aborted transaction ${entry.firstOffset}..${entry.lastOffset} does not follow the marker at ${last}`);
    this.#entries.push(entry);
  }

  /** Replaces every entry (a rebuild from the log); the file is rewritten at the next persist. */
  replace(entries: readonly AbortedTxn[]): void {
    this.#entries = [...entries];
    this.#persisted = -1;
  }

  /** Writes what the file lacks: new entries, or everything after a rebuild. */
  async persist(): Promise<void> {
    if (this.#persisted === this.#entries.length) return;
    if (this.#persisted === -1) {
      if (this.#file === null && this.#entries.length === 0) {
        this.#persisted = 0;
        return;
      }
      this.#file ??= await this.storage.open(this.fileName);
      await this.#file.truncate(0);
      await this.#file.append(encodeAbortedTxns(this.#entries));
    } else {
      this.#file ??= await this.storage.open(this.fileName);
      await this.#file.append(encodeAbortedTxns(this.#entries.slice(this.#persisted)));
    }
    this.#persisted = this.#entries.length;
  }

  async sync(): Promise<void> {
    await this.#file?.sync();
  }

  async close(): Promise<void> {
    await this.#file?.close();
  }

  /** Closes and deletes the file, if there is one. */
  async delete(): Promise<void> {
    await this.close();
    this.#file = null;
    await this.storage.delete(this.fileName);
  }
}
