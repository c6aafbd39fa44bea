// Storage in memory: the default for tests and the simulator. It models the
// gap between written and durable that real disks have, so a crash can lose
// unsynced bytes and tear the last write, as recovery must expect.

import {
  checkFileName, DataDirInUseError, FileNotFoundError, type LockHolder, ReadOnlyStorageError, type Storage, type StorageFile,
} from "./storage.ts";

/** What a crash does to bytes that were not synced. */
export interface CrashOptions {
  /**
   * For each file with unsynced appends, how many of those bytes survive
   * (0 = all lost). Called once per file; a value in between tears the write.
   */
  readonly survivingUnsyncedBytes?: (fileName: string, unsyncedBytes: number) => number;
}

const CHUNK_BYTES_MIN = 4096;
const CHUNK_BYTES_MAX = 1 << 20;
const CHUNK_DOUBLINGS = Math.log2(CHUNK_BYTES_MAX / CHUNK_BYTES_MIN);

/**
 * A growable byte sequence in chunks that double from 4 KiB up to 1 MiB: small
 * files stay small, and a large one never copies what it holds to grow.
 */
class ChunkedBytes {
  readonly #chunks: Uint8Array[] = [];
  /** Byte position where each chunk starts. */
  readonly #starts: number[] = [];
  #capacity = 0;
  length = 0;

  append(data: Uint8Array): void {
    let from = 0;
    while (from < data.length) {
      if (this.length === this.#capacity) {
        // Doubling stops at the maximum (and before a 32-bit shift could overflow).
        const size = this.#chunks.length >= CHUNK_DOUBLINGS ? CHUNK_BYTES_MAX : CHUNK_BYTES_MIN << this.#chunks.length;
        this.#chunks.push(new Uint8Array(size));
        this.#starts.push(this.#capacity);
        this.#capacity += size;
      }
      const index = this.#chunkAt(this.length);
      const within = this.length - this.#starts[index]!;
      const count = Math.min(this.#chunks[index]!.length - within, data.length - from);
      this.#chunks[index]!.set(data.subarray(from, from + count), within);
      from += count;
      this.length += count;
    }
  }

  /** Index of the chunk holding byte `position`. */
  #chunkAt(position: number): number {
    let low = 0;
    let high = this.#starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.#starts[middle]! <= position) low = middle;
      else high = middle - 1;
    }
    return low;
  }

  /** A copy of [start, end), end clamped to the length. */
  slice(start: number, end: number): Uint8Array {
    end = Math.min(end, this.length);
    const out = new Uint8Array(Math.max(0, end - start));
    let at = start;
    while (at < end) {
      const index = this.#chunkAt(at);
      const within = at - this.#starts[index]!;
      const count = Math.min(this.#chunks[index]!.length - within, end - at);
      out.set(this.#chunks[index]!.subarray(within, within + count), at - start);
      at += count;
    }
    return out;
  }

  truncate(length: number): void {
    this.length = Math.min(this.length, length);
  }
}

interface MemoryFileState {
  data: ChunkedBytes;
  /** Bytes from the start that are durable. */
  syncedBytes: number;
  /** The durable content differs from data below syncedBytes (after a truncate, before its sync). */
  durableSnapshot: Uint8Array | null;
}

export interface MemoryStorageOptions {
  readonly readOnly?: boolean;
}

/** The files of one memory "disk" and its writer lock, shared by its read-only views. */
interface MemoryDisk {
  readonly files: Map<string, MemoryFileState>;
  /** The writer lock: an in-process flag is all one process's memory needs. */
  holder: LockHolder | null;
}

export class MemoryStorage implements Storage {
  #disk: MemoryDisk = { files: new Map(), holder: null };
  readonly readOnly: boolean;
  /** Whether this storage took the disk's lock (and so releases it on close). */
  #locked = false;

  constructor(options: MemoryStorageOptions = {}) {
    this.readOnly = options.readOnly ?? false;
  }

  get #files(): Map<string, MemoryFileState> {
    return this.#disk.files;
  }

  /**
   * Another storage over the same files (read-only if `options` say so), as a
   * second process would open them: it has to take the writer lock too.
   */
  view(options: MemoryStorageOptions = {}): MemoryStorage {
    const view = new MemoryStorage(options);
    view.#disk = this.#disk;
    return view;
  }

  #refuseIfReadOnly(name: string, action: string): void {
    if (this.readOnly) throw new ReadOnlyStorageError(name, action);
  }

  async open(name: string): Promise<StorageFile> {
    checkFileName(name);
    let state = this.#files.get(name);
    if (state === undefined) {
      if (this.readOnly) throw new FileNotFoundError(`no file ${name}`, name);
      state = { data: new ChunkedBytes(), syncedBytes: 0, durableSnapshot: null };
      this.#files.set(name, state);
    }
    const current = state;
    return new MemoryFile(name, state, () => this.#files.get(name) === current, this.readOnly);
  }

  async lock(command: string): Promise<string | null> {
    this.#refuseIfReadOnly("the lock", "take");
    if (this.#disk.holder !== null) throw new DataDirInUseError("memory", this.#disk.holder);
    this.#disk.holder = { pid: null, command, since: new Date().toISOString() };
    this.#locked = true;
    return null;
  }

  async list(prefix = ""): Promise<string[]> {
    return [...this.#files.keys()].filter((name) => name.startsWith(prefix)).sort();
  }

  async exists(name: string): Promise<boolean> {
    return this.#files.has(name);
  }

  async delete(name: string): Promise<void> {
    this.#refuseIfReadOnly(name, "delete");
    this.#files.delete(name);
  }

  async rename(from: string, to: string): Promise<void> {
    this.#refuseIfReadOnly(from, "rename");
    checkFileName(to);
    const state = this.#files.get(from);
    if (state === undefined) throw new Error(`cannot rename missing file ${from}`);
    this.#files.delete(from);
    this.#files.set(to, state);
  }

  async close(): Promise<void> {
    this.#releaseLock();
  }

  #releaseLock(): void {
    if (this.#locked) this.#disk.holder = null;
    this.#locked = false;
  }

  /** Total bytes held, durable or not. */
  get sizeInBytes(): number {
    let total = 0;
    for (const state of this.#files.values()) total += state.data.length;
    return total;
  }

  /**
   * Simulates losing power: every file keeps its durable bytes plus, if the
   * options say so, a prefix of its unsynced ones. Open handles go stale,
   * and the writer lock goes with the process that held it.
   */
  crash(options: CrashOptions = {}): void {
    this.#disk.holder = null;
    this.#locked = false;
    for (const [name, state] of this.#files) {
      const durable = state.durableSnapshot ?? state.data.slice(0, state.syncedBytes);
      const unsynced = state.durableSnapshot === null ? state.data.length - state.syncedBytes : 0;
      const surviving = unsynced > 0 ? Math.max(0, Math.min(unsynced, options.survivingUnsyncedBytes?.(name, unsynced) ?? 0)) : 0;
      const data = new ChunkedBytes();
      data.append(durable);
      if (surviving > 0) data.append(state.data.slice(state.syncedBytes, state.syncedBytes + surviving));
      this.#files.set(name, { data, syncedBytes: data.length, durableSnapshot: null });
    }
  }
}

class MemoryFile implements StorageFile {
  constructor(
    readonly name: string,
    private readonly state: MemoryFileState,
    private readonly isCurrent: () => boolean,
    private readonly readOnly: boolean,
  ) {}

  get size(): number {
    return this.state.data.length;
  }

  #checkCurrent(): void {
    if (!this.isCurrent()) throw new Error(`file ${this.name} was deleted, renamed or lost in a crash`);
  }

  #checkWritable(action: string): void {
    if (this.readOnly) throw new ReadOnlyStorageError(this.name, action);
    this.#checkCurrent();
  }

  async append(bytes: Uint8Array): Promise<void> {
    this.#checkWritable("append to");
    this.state.data.append(bytes);
  }

  async read(position: number, length: number): Promise<Uint8Array> {
    this.#checkCurrent();
    return this.state.data.slice(position, position + length);
  }

  async truncate(size: number): Promise<void> {
    this.#checkWritable("truncate");
    if (size >= this.state.data.length) return;
    // Until synced, a crash restores what was durable before the truncate.
    if (this.state.durableSnapshot === null && this.state.syncedBytes > size) {
      this.state.durableSnapshot = this.state.data.slice(0, this.state.syncedBytes);
    }
    this.state.data.truncate(size);
    this.state.syncedBytes = Math.min(this.state.syncedBytes, size);
  }

  async sync(): Promise<void> {
    this.#checkCurrent();
    if (this.readOnly) return; // nothing was written, so all there is is durable
    this.state.syncedBytes = this.state.data.length;
    this.state.durableSnapshot = null;
  }

  async close(): Promise<void> {}
}
