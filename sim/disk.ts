// A simulated disk: MemoryStorage whose fsync can fail, as a schedule or a
// probability says. It follows what Linux did to PostgreSQL ("fsyncgate"):
// after a failed fsync the kernel may have dropped the dirty pages, so a
// later fsync that succeeds proves nothing about them. Bytes that were
// unsynced when an fsync failed are lost at the next power loss, with all
// that follows them in the file, whatever later syncs said.

import { type CrashOptions, MemoryStorage, type Storage, StorageError, type StorageFile } from "../src/index.ts";
import type { World } from "./world.ts";

/** Which fsyncs of the simulated disk fail: by probability, by their ordinal, or both, of the files with a given suffix. */
export interface FsyncFaults {
  /** Probability that any one fsync of a matching file fails. */
  readonly probability?: number;
  /** Which fsyncs of matching files fail, counting from 1 (e.g. [3]: the third). */
  readonly atSyncs?: readonly number[];
  /** Only files whose name ends with this suffer (default ".log": segment data, not indexes or checkpoints). */
  readonly fileSuffix?: string;
}

interface FileDurability {
  /** Bytes known synced (the file's size at its last successful fsync, cut by truncates). */
  syncedBytes: number;
  /** Where the bytes an fsync failed on begin; everything from here is lost at a power loss. */
  untrustedFrom: number | null;
}

export class SimulatedDisk implements Storage {
  readonly #memory = new MemoryStorage();
  readonly #files = new Map<string, FileDurability>();
  #matchingSyncs = 0;
  /** Called after an fsync fails (the broker's supervisor uses it to notice the halt). */
  onFsyncFailure: (fileName: string) => void = () => {};

  /** A broker's disk is written; a reader beside it opens readOnlyView(). */
  readonly readOnly = false;

  /** The disk as a read-only reader beside the broker sees it (the files as they are now, every change refused). */
  readOnlyView(): Storage {
    return this.#memory.view({ readOnly: true });
  }

  constructor(private readonly world: World, private readonly faults: FsyncFaults = {}, private readonly owner = "broker") {}

  #durability(name: string): FileDurability {
    let state = this.#files.get(name);
    if (state === undefined) this.#files.set(name, (state = { syncedBytes: 0, untrustedFrom: null }));
    return state;
  }

  #syncFails(name: string): boolean {
    if (!name.endsWith(this.faults.fileSuffix ?? ".log")) return false;
    const ordinal = ++this.#matchingSyncs;
    // The schedule first, so a probability of 0 draws nothing from the world's random sequence.
    return (this.faults.atSyncs ?? []).includes(ordinal) || this.world.chance(this.faults.probability ?? 0);
  }

  async open(name: string): Promise<StorageFile> {
    const file = await this.#memory.open(name);
    const disk = this;
    return {
      name,
      get size() {
        return file.size;
      },
      append: (bytes) => file.append(bytes),
      read: (position, length) => file.read(position, length),
      async truncate(size) {
        await file.truncate(size);
        const state = disk.#durability(name);
        state.syncedBytes = Math.min(state.syncedBytes, size);
      },
      async sync() {
        const state = disk.#durability(name);
        if (disk.#syncFails(name)) {
          const unsynced = file.size - state.syncedBytes;
          state.untrustedFrom = Math.min(state.untrustedFrom ?? Infinity, state.syncedBytes);
          disk.world.record({ kind: "fsync failed", from: disk.owner, detail: `${name}: ${unsynced} unsynced bytes from byte ${state.syncedBytes} can no longer be trusted` });
          disk.onFsyncFailure(name);
          throw new StorageError(`fsync of ${name} failed: EIO (simulated)`, name);
        }
        await file.sync();
        state.syncedBytes = file.size;
      },
      close: () => file.close(),
    };
  }

  list(prefix?: string): Promise<string[]> {
    return this.#memory.list(prefix);
  }

  exists(name: string): Promise<boolean> {
    return this.#memory.exists(name);
  }

  async delete(name: string): Promise<void> {
    await this.#memory.delete(name);
    this.#files.delete(name);
  }

  async rename(from: string, to: string): Promise<void> {
    await this.#memory.rename(from, to);
    const state = this.#files.get(from);
    this.#files.delete(from);
    if (state === undefined) this.#files.delete(to);
    else this.#files.set(to, state);
  }

  /**
   * Always granted: one simulated broker owns this disk, and when it opens
   * again the process that held the lock has halted or crashed (a halted
   * broker is abandoned, not closed), so its lock went with it.
   */
  async lock(_command: string): Promise<string | null> {
    return null;
  }

  close(): Promise<void> {
    return this.#memory.close();
  }

  /**
   * Loses power: unsynced bytes go as MemoryStorage.crash decides, and every
   * file an fsync failed on is cut where its untrusted bytes began.
   */
  async crash(options: CrashOptions = {}): Promise<void> {
    this.#memory.crash(options);
    for (const [name, state] of this.#files) {
      const file = await this.#memory.open(name);
      if (state.untrustedFrom !== null && file.size > state.untrustedFrom) {
        this.world.record({ kind: "disk", from: this.owner, detail: `${name}: ${file.size - state.untrustedFrom} bytes after the failed fsync are gone` });
        await file.truncate(state.untrustedFrom);
        await file.sync();
      }
      this.#files.set(name, { syncedBytes: file.size, untrustedFrom: null });
    }
  }
}
