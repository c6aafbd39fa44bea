// Kafka's sparse index entries kept in memory: a few in a plain buffer searched
// in JavaScript, many in a wasm instance of their own, so that a lookup is one
// call into the core's binary search with nothing copied. Entries are stored
// big-endian, byte for byte as in the .index / .timeindex file, so the same
// bytes are searched in memory and written to storage.

import { OFFSET_INDEX_ENTRY, OFFSET_INDEX_ENTRY_BYTES, TIME_INDEX_ENTRY, TIME_INDEX_ENTRY_BYTES } from "./batch-layout.ts";
import { InvalidRecordError } from "./errors.ts";
import type { CoreExports } from "./wasm-abi.ts";
import { instantiateCore } from "./wasm-core.ts";

const WASM_PAGE_BYTES = 65536;
/**
 * Entries are kept in a plain buffer, searched in JavaScript, up to this many
 * bytes: a wasm instance's memory is at least 64 KiB, and most segments of a
 * data dir with many partitions hold a few entries (or none).
 */
export const RESIDENT_INDEX_PLAIN_BYTES_MAX = 16 * 1024;
/** A plain buffer's first size; it doubles as entries arrive. */
const PLAIN_BYTES_MIN = 256;

abstract class ResidentIndex {
  #count = 0;
  /** Made once the entries outgrow the plain buffer; until then lookups run in JavaScript. */
  #core: CoreExports | null = null;
  /** Where the entries are: a plain buffer from 0, or the instance's memory from heapBase. */
  #view = new DataView(new ArrayBuffer(0));
  #base = 0;

  protected constructor(readonly entryBytes: number) {}

  /** The wasm instance holding the entries, or null while they are in a plain buffer. */
  protected get core(): CoreExports | null {
    return this.#core;
  }

  get entryCount(): number {
    return this.#count;
  }

  get sizeInBytes(): number {
    return this.#count * this.entryBytes;
  }

  protected get base(): number {
    return this.#base;
  }

  protected get view(): DataView {
    return this.#view;
  }

  /** Memory the entries hold now (a plain buffer's or the instance's): what an idle index costs. */
  get memoryBytes(): number {
    return this.#view.byteLength;
  }

  /** Room for `extra` more entries: a bigger plain buffer, or the instance, grown when needed. */
  protected ensureRoom(extra: number): void {
    const neededBytes = (this.#count + extra) * this.entryBytes;
    if (this.#base + neededBytes <= this.#view.byteLength) return;
    const entries = new Uint8Array(this.#view.buffer, this.#base, this.sizeInBytes);
    if (this.#core === null && neededBytes <= RESIDENT_INDEX_PLAIN_BYTES_MAX) {
      let capacity = Math.max(PLAIN_BYTES_MIN, this.#view.byteLength);
      while (capacity < neededBytes) capacity *= 2;
      const grown = new Uint8Array(capacity);
      grown.set(entries);
      this.#view = new DataView(grown.buffer);
      return;
    }
    if (this.#core === null) {
      const core = instantiateCore();
      const base = core.heapBase();
      const have = core.memory.buffer.byteLength;
      if (base + neededBytes > have) core.memory.grow(Math.ceil((base + neededBytes - have) / WASM_PAGE_BYTES));
      new Uint8Array(core.memory.buffer, base, entries.length).set(entries);
      this.#core = core;
      this.#base = base;
      this.#view = new DataView(core.memory.buffer);
      return;
    }
    const have = this.#core.memory.buffer.byteLength;
    this.#core.memory.grow(Math.ceil((this.#base + neededBytes - have) / WASM_PAGE_BYTES));
    this.#view = new DataView(this.#core.memory.buffer);
  }

  protected entryAddress(index: number): number {
    return this.#base + index * this.entryBytes;
  }

  protected pushed(): void {
    this.#count++;
  }

  /**
   * Index of the last entry whose key (read by `keyAt`) is <= target, or -1:
   * the core's binary search, in JavaScript for a plain buffer.
   */
  protected searchPlain(keyAt: (address: number) => number, target: number): number {
    let low = 0;
    let high = this.#count - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      if (keyAt(this.entryAddress(middle)) <= target) {
        found = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return found;
  }

  /** Replaces every entry with the bytes of an index file. */
  load(bytes: Uint8Array): void {
    if (bytes.length % this.entryBytes !== 0) {
      throw new InvalidRecordError(`index of ${bytes.length} bytes is not a whole number of ${this.entryBytes}-byte entries`);
    }
    this.#count = 0;
    if (bytes.length === 0) return;
    this.ensureRoom(bytes.length / this.entryBytes);
    new Uint8Array(this.#view.buffer, this.#base, bytes.length).set(bytes);
    this.#count = bytes.length / this.entryBytes;
  }

  /** Keeps the first `count` entries. */
  truncateEntries(count: number): void {
    this.#count = Math.min(this.#count, Math.max(0, count));
  }

  /** A copy of the entries, as the index file holds them. */
  toBytes(): Uint8Array {
    if (this.#count === 0) return new Uint8Array(0);
    return new Uint8Array(this.#view.buffer, this.#base, this.sizeInBytes).slice();
  }

  /** A copy of the entries from `index` on, as appended to the index file. */
  bytesFrom(index: number): Uint8Array {
    if (index >= this.#count) return new Uint8Array(0);
    const from = this.entryAddress(index);
    return new Uint8Array(this.#view.buffer, from, this.sizeInBytes - index * this.entryBytes).slice();
  }
}

/** A segment's .index: (offset - baseOffset: int32, position: int32) every index.interval.bytes. */
export class OffsetIndex extends ResidentIndex {
  static create(): OffsetIndex {
    return new OffsetIndex();
  }

  private constructor() {
    super(OFFSET_INDEX_ENTRY_BYTES);
  }

  append(relativeOffset: number, position: number): void {
    this.ensureRoom(1);
    const at = this.entryAddress(this.entryCount);
    this.view.setInt32(at + OFFSET_INDEX_ENTRY.relativeOffset.offset, relativeOffset);
    this.view.setInt32(at + OFFSET_INDEX_ENTRY.position.offset, position);
    this.pushed();
  }

  /** Index of the last entry whose relative offset is <= target, or -1. */
  lookup(targetRelativeOffset: number): number {
    if (this.entryCount === 0) return -1;
    if (this.core === null) return this.searchPlain((address) => this.view.getInt32(address), targetRelativeOffset);
    return this.core.offsetIndexLookup(this.base, this.entryCount, targetRelativeOffset);
  }

  relativeOffsetAt(index: number): number {
    return this.view.getInt32(this.entryAddress(index));
  }

  positionAt(index: number): number {
    return this.view.getInt32(this.entryAddress(index) + OFFSET_INDEX_ENTRY.position.offset);
  }
}

/** A segment's .timeindex: (timestamp: int64, offset - baseOffset: int32), timestamps increasing. */
export class TimeIndex extends ResidentIndex {
  static create(): TimeIndex {
    return new TimeIndex();
  }

  private constructor() {
    super(TIME_INDEX_ENTRY_BYTES);
  }

  append(timestamp: number, relativeOffset: number): void {
    this.ensureRoom(1);
    const at = this.entryAddress(this.entryCount);
    this.view.setBigInt64(at + TIME_INDEX_ENTRY.timestamp.offset, BigInt(timestamp));
    this.view.setInt32(at + TIME_INDEX_ENTRY.relativeOffset.offset, relativeOffset);
    this.pushed();
  }

  /** Index of the last entry whose timestamp is <= target, or -1. */
  lookup(targetTimestamp: number): number {
    if (this.entryCount === 0) return -1;
    // As the core converts its f64 target to i64: truncated toward zero.
    if (this.core === null) return this.searchPlain((address) => Number(this.view.getBigInt64(address)), Math.trunc(targetTimestamp));
    return this.core.timeIndexLookup(this.base, this.entryCount, targetTimestamp);
  }

  timestampAt(index: number): number {
    return Number(this.view.getBigInt64(this.entryAddress(index)));
  }

  relativeOffsetAt(index: number): number {
    return this.view.getInt32(this.entryAddress(index) + TIME_INDEX_ENTRY.relativeOffset.offset);
  }
}
