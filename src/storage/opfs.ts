// Storage in the Origin Private File System, the browser's fast file store.
// A name's "/"-separated folders are nested OPFS directories.
//
// Two ways in, chosen once per storage:
// - "sync": in a dedicated worker, sync access handles read and write a file
//   in place, as fast as the browser allows. A handle locks its file
//   exclusively, so while a file is open it cannot be opened again (here or in
//   another tab), deleted or renamed.
// - "async": everywhere else (the main thread) reads go through getFile() and
//   writes through a writable stream, which the browser applies atomically
//   when the stream closes but which copies the file to do so: fine for a
//   small log, slow for a big one. Prefer a worker.
// Appends collect in a write-behind buffer, so either way the file sees few,
// large writes. A write the quota refuses fails with StorageQuotaError and
// leaves the file as it was, its bytes still pending.

import { OperationQueue } from "../runtime/index.ts";
import {
  checkFileName, DataDirInUseError, FileNotFoundError, hasErrorName, readOnlyFile, ReadOnlyStorageError, type Storage, type StorageFile,
  StorageError, toStorageError,
} from "./storage.ts";
import { acquireWebLock } from "./web-lock.ts";
import { appendThroughBuffer, readThroughBuffer, WriteBuffer } from "./write-buffer.ts";

export type OpfsAccess = "sync" | "async";

export interface OpfsStorageOptions {
  /**
   * A folder of the origin's OPFS to keep the files in, created if missing
   * ("loglab", "tests/run-7"); by default the OPFS root itself.
   */
  readonly directory?: string;
  /** Default: "sync" where sync access handles exist (a dedicated worker), else "async". */
  readonly access?: OpfsAccess;
  /**
   * Change nothing, not even create `directory`: files are read through
   * getFile(), which takes no lock, so a reader never blocks the writer.
   */
  readonly readOnly?: boolean;
}

// The slices of the OPFS API that TypeScript's DOM library leaves out: sync
// access handles (declared for workers only), move() and directory iteration.

interface SyncAccessHandle {
  read(buffer: Uint8Array, options: { at: number }): number;
  write(buffer: Uint8Array, options: { at: number }): number;
  truncate(size: number): void;
  getSize(): number;
  flush(): void;
  close(): void;
}

interface SyncCapableFileHandle extends FileSystemFileHandle {
  createSyncAccessHandle(): Promise<SyncAccessHandle>;
}

interface MovableHandle {
  move?(parent: FileSystemDirectoryHandle, name: string): Promise<void>;
}

interface IterableDirectoryHandle {
  values(): AsyncIterable<FileSystemHandle>;
}

/** Whether this code runs where sync access handles can be created: a dedicated worker. */
export function syncAccessHandlesAvailable(): boolean {
  const scope = globalThis as {
    DedicatedWorkerGlobalScope?: abstract new () => object;
    FileSystemFileHandle?: { prototype: object };
  };
  return (
    scope.DedicatedWorkerGlobalScope !== undefined &&
    globalThis instanceof scope.DedicatedWorkerGlobalScope &&
    scope.FileSystemFileHandle !== undefined &&
    "createSyncAccessHandle" in scope.FileSystemFileHandle.prototype
  );
}

const ignore = (): void => {};

export class OpfsStorage implements Storage {
  readonly #root: FileSystemDirectoryHandle;
  readonly #openFiles = new Set<StorageFile>();
  /** The folder as the caller named it, for messages. */
  readonly #dataDir: string;
  #releaseLock: (() => void) | null = null;

  private constructor(
    root: FileSystemDirectoryHandle,
    readonly access: OpfsAccess,
    dataDir: string,
    readonly readOnly: boolean,
  ) {
    this.#root = root;
    this.#dataDir = dataDir;
  }

  static async open(options: OpfsStorageOptions = {}): Promise<OpfsStorage> {
    const directory = options.directory ?? "";
    if (directory !== "") checkFileName(directory);
    const access = options.access ?? (syncAccessHandlesAvailable() ? "sync" : "async");
    if (access === "sync" && !syncAccessHandlesAvailable()) {
      throw new StorageError("OPFS sync access handles are only available in a dedicated worker", directory);
    }
    const storage = (globalThis as { navigator?: { storage?: StorageManager } }).navigator?.storage;
    if (storage?.getDirectory === undefined) throw new StorageError("the Origin Private File System is not available here", directory);
    const readOnly = options.readOnly ?? false;
    const dataDir = directory === "" ? "/" : directory;
    return attempt(directory, "open directory", async () => {
      let root = await storage.getDirectory();
      try {
        for (const part of directory === "" ? [] : directory.split("/")) root = await root.getDirectoryHandle(part, { create: !readOnly });
      } catch (error) {
        if (readOnly && hasErrorName(error, "NotFoundError")) throw new FileNotFoundError(`no OPFS folder ${dataDir}`, directory, error);
        throw error;
      }
      return new OpfsStorage(root, access, dataDir, readOnly);
    });
  }

  /**
   * A Web Lock named after the folder, held until close(): a second tab or
   * worker that tries to write it is refused at once.
   */
  async lock(command: string): Promise<string | null> {
    if (this.readOnly) throw new ReadOnlyStorageError(this.#dataDir, "lock");
    if (this.#releaseLock !== null) return null;
    this.#releaseLock = await acquireWebLock(`loglab opfs ${this.#dataDir}`, this.#dataDir, command);
    return null;
  }

  async open(name: string): Promise<StorageFile> {
    checkFileName(name);
    if (this.readOnly) return this.#openExisting(name);
    const file = await attempt(name, "open", async () => {
      const { directory, leaf } = await this.#parent(name, true);
      const handle = await directory.getFileHandle(leaf, { create: true });
      const onClose = () => this.#openFiles.delete(file);
      if (this.access === "async") return new AsyncOpfsFile(name, handle, (await handle.getFile()).size, onClose);
      return new SyncOpfsFile(name, await this.#createSyncAccessHandle(handle as SyncCapableFileHandle, name), onClose);
    });
    this.#openFiles.add(file);
    return file;
  }

  /** A file's sync access handle; the browser refuses a second one, which means a second writer. */
  async #createSyncAccessHandle(handle: SyncCapableFileHandle, name: string): Promise<SyncAccessHandle> {
    try {
      return await handle.createSyncAccessHandle();
    } catch (error) {
      // Open here already: this storage's own second handle, not a second writer.
      if (!hasErrorName(error, "NoModificationAllowedError") || [...this.#openFiles].some((file) => file.name === name)) throw error;
      throw new DataDirInUseError(this.#dataDir, { pid: null, command: `a page or worker of this origin that has ${name} open`, since: null });
    }
  }

  /** A handle on `name` as it is, read through getFile(): nothing is created, written or locked. */
  async #openExisting(name: string): Promise<StorageFile> {
    const found = await attempt(name, "open", () => this.#find(name));
    if (found === undefined) throw new FileNotFoundError(`no file ${name} in OPFS folder ${this.#dataDir}`, name);
    const size = await attempt(name, "open", async () => (await found.handle.getFile()).size);
    const file = readOnlyFile(new AsyncOpfsFile(name, found.handle, size, () => this.#openFiles.delete(file)));
    this.#openFiles.add(file);
    return file;
  }

  async list(prefix = ""): Promise<string[]> {
    const names: string[] = [];
    const walk = async (directory: FileSystemDirectoryHandle, relative: string): Promise<void> => {
      for await (const entry of (directory as unknown as IterableDirectoryHandle).values()) {
        const name = `${relative}${entry.name}`;
        if (entry.kind === "file") {
          if (name.startsWith(prefix)) names.push(name);
        } else {
          // Only folders that can hold a match: "t-0/" for "t-", "t-0/" and "t-0/x" alike.
          const folder = `${name}/`;
          if (folder.startsWith(prefix) || prefix.startsWith(folder)) await walk(entry as FileSystemDirectoryHandle, folder);
        }
      }
    };
    await attempt(prefix, "list", () => walk(this.#root, ""));
    return names.sort();
  }

  async exists(name: string): Promise<boolean> {
    checkFileName(name);
    return (await attempt(name, "look up", () => this.#find(name))) !== undefined;
  }

  async delete(name: string): Promise<void> {
    checkFileName(name);
    if (this.readOnly) throw new ReadOnlyStorageError(name, "delete");
    await attempt(name, "delete", async () => {
      const found = await this.#find(name);
      if (found === undefined) return;
      await found.directory.removeEntry(found.leaf).catch((error: unknown) => {
        if (!hasErrorName(error, "NotFoundError")) throw error;
      });
    });
  }

  async rename(from: string, to: string): Promise<void> {
    checkFileName(from);
    checkFileName(to);
    if (this.readOnly) throw new ReadOnlyStorageError(from, "rename");
    await attempt(from, "rename", async () => {
      const source = await this.#find(from);
      if (source === undefined) throw new StorageError(`cannot rename missing file ${from}`, from);
      if (from === to) return;
      const movable = source.handle as MovableHandle;
      if (movable.move === undefined) throw new StorageError("this browser cannot move OPFS files", from);
      // move() replaces an existing target in one step, as rename(2) does.
      const target = await this.#parent(to, true);
      await movable.move(target.directory, target.leaf);
    });
  }

  /** Closes the files still open (writing what they buffer and releasing their locks). */
  async close(): Promise<void> {
    const results = await Promise.allSettled([...this.#openFiles].map((file) => file.close()));
    this.#releaseLock?.();
    this.#releaseLock = null;
    const failure = results.find((result) => result.status === "rejected");
    if (failure !== undefined) throw failure.reason;
  }

  async #parent(name: string, create: boolean): Promise<{ directory: FileSystemDirectoryHandle; leaf: string }> {
    const parts = name.split("/");
    const leaf = parts.pop()!;
    let directory = this.#root;
    for (const part of parts) directory = await directory.getDirectoryHandle(part, { create });
    return { directory, leaf };
  }

  /** The file `name`, or undefined if it (or a folder on its path) is missing or not a file. */
  async #find(name: string): Promise<{ directory: FileSystemDirectoryHandle; leaf: string; handle: FileSystemFileHandle } | undefined> {
    try {
      const { directory, leaf } = await this.#parent(name, false);
      return { directory, leaf, handle: await directory.getFileHandle(leaf) };
    } catch (error) {
      if (hasErrorName(error, "NotFoundError") || hasErrorName(error, "TypeMismatchError")) return undefined;
      throw error;
    }
  }
}

/** A file behind a sync access handle: every call is synchronous underneath, so none interleave. */
class SyncOpfsFile implements StorageFile {
  readonly #buffer = new WriteBuffer();
  #flushedSize: number;
  #closed = false;

  constructor(
    readonly name: string,
    private readonly handle: SyncAccessHandle,
    private readonly onClose: () => void,
  ) {
    this.#flushedSize = handle.getSize();
  }

  get size(): number {
    return this.#flushedSize + this.#buffer.length;
  }

  async append(bytes: Uint8Array): Promise<void> {
    this.#run("append to", () => {
      if (this.#buffer.tryAppend(bytes)) return;
      this.#flush();
      if (this.#buffer.tryAppend(bytes)) return;
      // Larger than the buffer: write it straight through.
      this.#write(bytes);
    });
  }

  async read(position: number, length: number): Promise<Uint8Array> {
    return this.#run("read", () =>
      readThroughBuffer(position, length, this.#flushedSize, this.#buffer, (from, count) => {
        const out = new Uint8Array(count);
        let read = 0;
        while (read < count) {
          const n = this.handle.read(out.subarray(read), { at: from + read });
          if (n === 0) break;
          read += n;
        }
        return read === count ? out : out.subarray(0, read);
      }),
    );
  }

  async truncate(size: number): Promise<void> {
    this.#run("truncate", () => {
      if (size >= this.size) return;
      if (size >= this.#flushedSize) {
        this.#buffer.cut(size - this.#flushedSize);
        return;
      }
      this.handle.truncate(size);
      this.#flushedSize = size;
      this.#buffer.clear();
    });
  }

  async sync(): Promise<void> {
    this.#run("sync", () => {
      this.#flush();
      this.handle.flush();
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.onClose();
    // Closing writes what is buffered (without flushing it to disk, as
    // closing a file does) and always releases the file's lock.
    try {
      this.#flush();
    } catch (error) {
      throw toStorageError(error, this.name, "close");
    } finally {
      this.handle.close();
    }
  }

  #run<T>(action: string, run: () => T): T {
    if (this.#closed) throw new StorageError(`file ${this.name} is closed`, this.name);
    try {
      return run();
    } catch (error) {
      throw toStorageError(error, this.name, action);
    }
  }

  #flush(): void {
    this.#write(this.#buffer.view());
    this.#buffer.clear();
  }

  /** Writes `bytes` at the end of the flushed part; on failure the file is cut back to what it was. */
  #write(bytes: Uint8Array): void {
    let written = 0;
    try {
      while (written < bytes.length) {
        const n = this.handle.write(bytes.subarray(written), { at: this.#flushedSize + written });
        if (n === 0) throw new StorageError(`write to ${this.name} made no progress`, this.name);
        written += n;
      }
    } catch (error) {
      // A quota failure writes nothing, but should any bytes have gone in, cut
      // them off: the caller still holds them, and will write them again.
      try {
        if (this.handle.getSize() > this.#flushedSize) this.handle.truncate(this.#flushedSize);
      } catch {
        // The original error is the one to report.
      }
      throw error;
    }
    this.#flushedSize += bytes.length;
  }
}

/**
 * A file behind the async API. Its operations await the browser while they
 * depend on the buffer and the flushed size, so they run one at a time.
 */
class AsyncOpfsFile implements StorageFile {
  readonly #buffer = new WriteBuffer();
  readonly #queue = new OperationQueue();
  #flushedSize: number;
  #closed = false;

  constructor(
    readonly name: string,
    private readonly handle: FileSystemFileHandle,
    size: number,
    private readonly onClose: () => void,
  ) {
    this.#flushedSize = size;
  }

  get size(): number {
    return this.#flushedSize + this.#buffer.length;
  }

  append(bytes: Uint8Array): Promise<void> {
    // Bytes larger than the buffer are written with it through one writable.
    return this.#run("append to", () => appendThroughBuffer(this.#buffer, bytes, (oversized) => this.#flush(oversized)));
  }

  read(position: number, length: number): Promise<Uint8Array> {
    return this.#run("read", () =>
      readThroughBuffer(position, length, this.#flushedSize, this.#buffer, async (from, count) => {
        const file = await this.handle.getFile();
        const bytes = new Uint8Array(await file.slice(from, from + count).arrayBuffer());
        if (bytes.length !== count) throw new StorageError(`file ${this.name} was changed through another handle`, this.name);
        return bytes;
      }),
    );
  }

  truncate(size: number): Promise<void> {
    return this.#run("truncate", async () => {
      if (size >= this.size) return;
      if (size >= this.#flushedSize) {
        this.#buffer.cut(size - this.#flushedSize);
        return;
      }
      await this.#withWritable((writable) => writable.truncate(size));
      this.#buffer.clear();
      this.#flushedSize = size;
    });
  }

  sync(): Promise<void> {
    // A closed writable is as durable as this API makes anything: it has no fsync.
    return this.#run("sync", () => this.#flush());
  }

  close(): Promise<void> {
    return this.#queue.run(async () => {
      if (this.#closed) return;
      // Like close(2): the handle is released even if writing the buffer fails.
      this.#closed = true;
      this.onClose();
      await this.#flush().catch((error: unknown) => {
        throw toStorageError(error, this.name, "close");
      });
    });
  }

  #run<T>(action: string, run: () => Promise<T>): Promise<T> {
    return this.#queue.run(async () => {
      if (this.#closed) throw new StorageError(`file ${this.name} is closed`, this.name);
      try {
        return await run();
      } catch (error) {
        throw toStorageError(error, this.name, action);
      }
    });
  }

  /** Writes the buffer, then `extra`, in one writable; only success moves the handle on. */
  async #flush(extra?: Uint8Array): Promise<void> {
    const pending = this.#buffer.view();
    const total = pending.length + (extra?.length ?? 0);
    if (total === 0) return;
    await this.#withWritable(async (writable) => {
      let at = this.#flushedSize;
      for (const part of extra === undefined ? [pending] : [pending, extra]) {
        if (part.length === 0) continue;
        await writable.write({ type: "write", position: at, data: ownBuffer(part) });
        at += part.length;
      }
    });
    this.#flushedSize += total;
    this.#buffer.clear();
  }

  /**
   * Runs `change` on a writable over the file's current bytes. The browser
   * replaces the file only when the writable closes, so if anything fails the
   * writable is aborted and the file stays as it was.
   */
  async #withWritable(change: (writable: FileSystemWritableFileStream) => Promise<void>): Promise<void> {
    const writable = await this.handle.createWritable({ keepExistingData: true });
    try {
      await change(writable);
      await writable.close();
    } catch (error) {
      await writable.abort().catch(ignore);
      throw error;
    }
  }
}

/** `bytes` over a plain ArrayBuffer, as the writable stream requires (copied only if shared). */
function ownBuffer(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}


async function attempt<T>(fileName: string, action: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof DataDirInUseError) throw error;
    throw toStorageError(error, fileName, action);
  }
}

