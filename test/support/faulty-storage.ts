// A Storage wrapper that fails on demand, for testing what the log does when
// storage refuses a write (a full disk, a browser quota).

import type { Storage, StorageFile } from "../../src/storage/index.ts";
import { StorageQuotaError } from "../../src/storage/index.ts";

export class FaultyStorage implements Storage {
  /** While positive, each append counts down; the one that reaches 0 fails, and so does every later one until reset. */
  appendsUntilFailure = Infinity;
  /** When true, every sync fails. */
  failSyncs = false;

  constructor(private readonly inner: Storage) {}

  get readOnly(): boolean {
    return this.inner.readOnly;
  }

  lock(command: string): Promise<string | null> {
    return this.inner.lock(command);
  }

  heal(): void {
    this.appendsUntilFailure = Infinity;
    this.failSyncs = false;
  }

  async open(name: string): Promise<StorageFile> {
    const file = await this.inner.open(name);
    const faults = this;
    return {
      name: file.name,
      get size() {
        return file.size;
      },
      async append(bytes) {
        if (--faults.appendsUntilFailure <= 0) {
          faults.appendsUntilFailure = 0;
          throw new StorageQuotaError(`append to ${name} failed: quota exceeded`, name);
        }
        return file.append(bytes);
      },
      read: (position, length) => file.read(position, length),
      truncate: (size) => file.truncate(size),
      async sync() {
        if (faults.failSyncs) throw new StorageQuotaError(`sync of ${name} failed: quota exceeded`, name);
        return file.sync();
      },
      close: () => file.close(),
    };
  }

  list(prefix?: string): Promise<string[]> {
    return this.inner.list(prefix);
  }

  exists(name: string): Promise<boolean> {
    return this.inner.exists(name);
  }

  delete(name: string): Promise<void> {
    return this.inner.delete(name);
  }

  rename(from: string, to: string): Promise<void> {
    return this.inner.rename(from, to);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
