// Storage in memory: the default for tests and the simulator. It models the
// gap between written and durable that real disks have, so a crash can lose
// unsynced bytes and tear the last write, as recovery must expect.

import { checkFileName, type Storage, type StorageFile } from "./storage.ts";

/** What a crash does to bytes that were not synced. */
export interface CrashOptions {
  /**
   * For each file with unsynced appends, how many of those bytes survive
   * (0 = all lost). Called once per file; a value in between tears the write.
   */
  readonly survivingUnsyncedBytes?: (fileName: string, unsyncedBytes: number) => number;
}

const CHUNK_BYTES_MIN = 4096;

/** A growable byte array with amortised O(1) appends. */
class ByteArray {
  bytes = new Uint8Array(CHUNK_BYTES_MIN);
  length = 0;

  append(data: Uint8Array): void {
    if (this.length + data.length > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + data.length));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
    this.bytes.set(data, this.length);
    this.length += data.length;
  }

  view(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }
}

interface MemoryFileState {
  data: ByteArray;
  /** Bytes from the start that are durable. */
  syncedBytes: number;
  /** The durable content differs from data below syncedBytes (after a truncate, before its sync). */
  durableSnapshot: Uint8Array | null;
}

export class MemoryStorage implements Storage {
  readonly #files = new Map<string, MemoryFileState>();

  async open(name: string): Promise<StorageFile> {
    checkFileName(name);
    let state = this.#files.get(name);
    if (state === undefined) {
      state = { data: new ByteArray(), syncedBytes: 0, durableSnapshot: null };
      this.#files.set(name, state);
    }
    return new MemoryFile(name, state, () => this.#files.get(name) === state);
  }

  async list(prefix = ""): Promise<string[]> {
    return [...this.#files.keys()].filter((name) => name.startsWith(prefix)).sort();
  }

  async exists(name: string): Promise<boolean> {
    return this.#files.has(name);
  }

  async delete(name: string): Promise<void> {
    this.#files.delete(name);
  }

  async rename(from: string, to: string): Promise<void> {
    checkFileName(to);
    const state = this.#files.get(from);
    if (state === undefined) throw new Error(`cannot rename missing file ${from}`);
    this.#files.delete(from);
    this.#files.set(to, state);
  }

  async close(): Promise<void> {}

  /** Total bytes held, durable or not. */
  get sizeInBytes(): number {
    let total = 0;
    for (const state of this.#files.values()) total += state.data.length;
    return total;
  }

  /**
   * Simulates losing power: every file keeps its durable bytes plus, if the
   * options say so, a prefix of its unsynced ones. Open handles go stale.
   */
  crash(options: CrashOptions = {}): void {
    for (const [name, state] of this.#files) {
      const durable = state.durableSnapshot ?? state.data.view().subarray(0, state.syncedBytes);
      const unsynced = state.durableSnapshot === null ? state.data.length - state.syncedBytes : 0;
      const surviving = unsynced > 0 ? Math.max(0, Math.min(unsynced, options.survivingUnsyncedBytes?.(name, unsynced) ?? 0)) : 0;
      const data = new ByteArray();
      data.append(durable);
      if (surviving > 0) data.append(state.data.view().subarray(state.syncedBytes, state.syncedBytes + surviving));
      this.#files.set(name, { data, syncedBytes: data.length, durableSnapshot: null });
    }
  }
}

class MemoryFile implements StorageFile {
  constructor(
    readonly name: string,
    private readonly state: MemoryFileState,
    private readonly isCurrent: () => boolean,
  ) {}

  get size(): number {
    return this.state.data.length;
  }

  #checkCurrent(): void {
    if (!this.isCurrent()) throw new Error(`file ${this.name} was deleted, renamed or lost in a crash`);
  }

  async append(bytes: Uint8Array): Promise<void> {
    this.#checkCurrent();
    this.state.data.append(bytes);
  }

  async read(position: number, length: number): Promise<Uint8Array> {
    this.#checkCurrent();
    const end = Math.min(position + length, this.state.data.length);
    return this.state.data.bytes.slice(Math.min(position, end), end);
  }

  async truncate(size: number): Promise<void> {
    this.#checkCurrent();
    if (size >= this.state.data.length) return;
    // Until synced, a crash restores what was durable before the truncate.
    if (this.state.durableSnapshot === null && this.state.syncedBytes > size) {
      this.state.durableSnapshot = this.state.data.bytes.slice(0, this.state.syncedBytes);
    }
    this.state.data.length = size;
    this.state.syncedBytes = Math.min(this.state.syncedBytes, size);
  }

  async sync(): Promise<void> {
    this.#checkCurrent();
    this.state.syncedBytes = this.state.data.length;
    this.state.durableSnapshot = null;
  }

  async close(): Promise<void> {}
}
