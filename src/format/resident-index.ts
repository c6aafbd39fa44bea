// Kafka's sparse index entries kept in a wasm instance of their own, so that
// a lookup is one call into the core's binary search with nothing copied.
// Entries are stored big-endian, byte for byte as in the .index / .timeindex
// file, so the same bytes are searched in memory and written to storage.

import { InvalidRecordError } from "./errors.ts";
import { OFFSET_INDEX_ENTRY_BYTES, TIME_INDEX_ENTRY_BYTES } from "./index-search.ts";
import type { CoreExports } from "./wasm-abi.ts";
import { instantiateCore } from "./wasm-core.ts";

const WASM_PAGE_BYTES = 65536;

abstract class ResidentIndex {
  #count = 0;
  /** Made on the first entry: most segments of a short log never get one, and an instance is not free. */
  #core: CoreExports | null = null;
  #view: DataView | null = null;
  #base = 0;

  protected constructor(readonly entryBytes: number) {}

  protected get core(): CoreExports {
    if (this.#core === null) {
      this.#core = instantiateCore();
      this.#base = this.#core.heapBase();
      this.#view = new DataView(this.#core.memory.buffer);
    }
    return this.#core;
  }

  get entryCount(): number {
    return this.#count;
  }

  get sizeInBytes(): number {
    return this.#count * this.entryBytes;
  }

  protected get base(): number {
    void this.core;
    return this.#base;
  }

  protected get view(): DataView {
    void this.core;
    return this.#view!;
  }

  /** Room for `extra` more entries, growing the instance's memory when needed. */
  protected ensureRoom(extra: number): void {
    const core = this.core;
    const needed = this.#base + (this.#count + extra) * this.entryBytes;
    const have = core.memory.buffer.byteLength;
    if (needed <= have) return;
    core.memory.grow(Math.ceil((needed - have) / WASM_PAGE_BYTES));
    this.#view = new DataView(core.memory.buffer);
  }

  protected entryAddress(index: number): number {
    return this.base + index * this.entryBytes;
  }

  protected pushed(): void {
    this.#count++;
  }

  /** Replaces every entry with the bytes of an index file. */
  load(bytes: Uint8Array): void {
    if (bytes.length % this.entryBytes !== 0) {
      throw new InvalidRecordError(`index of ${bytes.length} bytes is not a whole number of ${this.entryBytes}-byte entries`);
    }
    this.#count = 0;
    if (bytes.length === 0) return;
    this.ensureRoom(bytes.length / this.entryBytes);
    new Uint8Array(this.core.memory.buffer, this.#base, bytes.length).set(bytes);
    this.#count = bytes.length / this.entryBytes;
  }

  /** Keeps the first `count` entries. */
  truncateEntries(count: number): void {
    this.#count = Math.min(this.#count, Math.max(0, count));
  }

  /** A copy of the entries, as the index file holds them. */
  toBytes(): Uint8Array {
    if (this.#count === 0) return new Uint8Array(0);
    return new Uint8Array(this.core.memory.buffer, this.#base, this.sizeInBytes).slice();
  }

  /** A copy of the entries from `index` on, as appended to the index file. */
  bytesFrom(index: number): Uint8Array {
    if (index >= this.#count) return new Uint8Array(0);
    const from = this.entryAddress(index);
    return new Uint8Array(this.core.memory.buffer, from, this.sizeInBytes - index * this.entryBytes).slice();
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
    this.view.setInt32(at, relativeOffset);
    this.view.setInt32(at + 4, position);
    this.pushed();
  }

  /** Index of the last entry whose relative offset is <= target, or -1. */
  lookup(targetRelativeOffset: number): number {
    if (this.entryCount === 0) return -1;
    return this.core.offsetIndexLookup(this.base, this.entryCount, targetRelativeOffset);
  }

  relativeOffsetAt(index: number): number {
    return this.view.getInt32(this.entryAddress(index));
  }

  positionAt(index: number): number {
    return this.view.getInt32(this.entryAddress(index) + 4);
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
    this.view.setBigInt64(at, BigInt(timestamp));
    this.view.setInt32(at + 8, relativeOffset);
    this.pushed();
  }

  /** Index of the last entry whose timestamp is <= target, or -1. */
  lookup(targetTimestamp: number): number {
    if (this.entryCount === 0) return -1;
    return this.core.timeIndexLookup(this.base, this.entryCount, targetTimestamp);
  }

  timestampAt(index: number): number {
    return Number(this.view.getBigInt64(this.entryAddress(index)));
  }

  relativeOffsetAt(index: number): number {
    return this.view.getInt32(this.entryAddress(index) + 8);
  }
}
