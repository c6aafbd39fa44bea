// Storage on the Node.js filesystem, in Kafka's directory layout. Appends go
// to a write-behind buffer; a full buffer is written on the thread pool while
// the next one fills, and everything else uses the synchronous calls (as
// Kafka's log layer uses blocking I/O: a thread-pool hop per small operation
// would cost more than the operation). sync() writes the rest and fdatasyncs.

import * as fs from "node:fs";
import * as path from "node:path";
import { LoglabError } from "../format/index.ts";
import { OperationQueue } from "../runtime/index.ts";
import { OpenFiles, type ReopenableFile } from "./open-files.ts";
import { acquireLockFile, heldByThisProcess, type HeldLock, LOCK_FILE, type LockFileSystem, releaseLockFile } from "./lock-file.ts";
import {
  checkFileName, FileNotFoundError, type LockHolder, readOnlyFile, ReadOnlyStorageError, type Storage, type StorageFile, StorageError,
} from "./storage.ts";
import { readThroughBuffer, WriteBuffer } from "./write-buffer.ts";

function wrap<T>(fileName: string, action: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof LoglabError) throw error;
    throw new StorageError(`${action} ${fileName} failed: ${(error as Error).message}`, fileName, error);
  }
}

export interface NodeFsStorageOptions {
  /** Open files with flag "r", create nothing (not even `root`), refuse every change. */
  readonly readOnly?: boolean;
}

/** Node's calls for the data dir's `.lock` file. */
const nodeLockFiles: LockFileSystem = {
  pid: process.pid,
  createExclusive(target, text) {
    // Written whole beside it, then linked in: link fails if the lock exists,
    // and a reader never sees a lock file without its holder.
    const temporary = `${target}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, text);
    try {
      fs.linkSync(temporary, target);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw error;
    } finally {
      fs.rmSync(temporary, { force: true });
    }
  },
  read(target) {
    try {
      return fs.readFileSync(target, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    }
  },
  rename(from, to) {
    try {
      fs.renameSync(from, to);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw error;
    }
  },
  remove: (target) => fs.rmSync(target, { force: true }),
  isAlive(holder: LockHolder | null, target: string) {
    if (holder === null) return false; // Node has no flock to ask: a lock file naming no process is stale
    if (holder.pid === process.pid) return heldByThisProcess(target);
    try {
      process.kill(holder.pid!, 0); // signal 0: only asks whether the process exists
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === "EPERM"; // exists, owned by another user
    }
  },
};

/** Locks to release if the process exits without closing its storages. */
const locksHeld = new Set<HeldLock>();
let exitHandlerInstalled = false;

function releaseOnExit(held: HeldLock): void {
  locksHeld.add(held);
  if (exitHandlerInstalled) return;
  exitHandlerInstalled = true;
  process.on("exit", () => {
    for (const lock of locksHeld) releaseLockFile(nodeLockFiles, lock);
  });
}

export class NodeFsStorage implements Storage {
  readonly #root: string;
  readonly #openFiles = new OpenFiles();
  /** The root as the caller named it, for messages. */
  readonly #dataDir: string;
  readonly readOnly: boolean;
  #lock: HeldLock | null = null;

  /** Files live under `root` (created if missing, unless read-only: then it must exist). */
  constructor(root: string, options: NodeFsStorageOptions = {}) {
    this.#root = path.resolve(root);
    this.#dataDir = root;
    this.readOnly = options.readOnly ?? false;
    let isFolder: boolean | null = null;
    try {
      isFolder = fs.statSync(this.#root).isDirectory();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw new StorageError(`data dir ${root}: ${(error as Error).message}`, root, error);
    }
    if (isFolder === false) throw new StorageError(`data dir ${root} is a file, not a folder`, root);
    if (isFolder === null && this.readOnly) throw new FileNotFoundError(`no data dir ${root}`, root);
    if (isFolder === null) wrap(root, "create data dir", () => fs.mkdirSync(this.#root, { recursive: true }));
  }

  #path(name: string): string {
    checkFileName(name);
    return path.join(this.#root, ...name.split("/"));
  }

  async open(name: string): Promise<StorageFile> {
    const filePath = this.#path(name);
    if (this.readOnly) {
      return wrap(name, "open", () => {
        if (!fs.existsSync(filePath)) throw new FileNotFoundError(`no file ${name} in data dir ${this.#dataDir}`, name);
        const fd = fs.openSync(filePath, "r");
        return readOnlyFile(new NodeFsFile(name, fd, fs.fstatSync(fd).size, () => fs.openSync(filePath, "r"), this.#openFiles));
      });
    }
    return wrap(name, "open", () => {
      fs.mkdirSync(path.dirname(filePath), { recursive: true });
      const fd = fs.openSync(filePath, fs.existsSync(filePath) ? "r+" : "w+");
      return new NodeFsFile(name, fd, fs.fstatSync(fd).size, () => fs.openSync(filePath, "r+"), this.#openFiles);
    });
  }

  async list(prefix = ""): Promise<string[]> {
    const names: string[] = [];
    const walk = (dir: string, relative: string): void => {
      if (!fs.existsSync(dir)) return;
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const name = relative === "" ? entry.name : `${relative}/${entry.name}`;
        // Only folders that can hold a match: opening one partition must not walk all the others.
        if (entry.isDirectory()) {
          if (couldHold(name, prefix)) walk(path.join(dir, entry.name), name);
        } else if (name.startsWith(prefix)) names.push(name);
      }
    };
    // Start in the folder the prefix names, if it names one ("t-0/" or "t-0/0000"): no need to read the root.
    const base = prefix.includes("/") ? prefix.slice(0, prefix.lastIndexOf("/")) : "";
    const start = base === "" ? null : this.#folderPath(base);
    if (start === null) walk(this.#root, "");
    else walk(start, base);
    return names.sort();
  }

  /** The path of folder `name`, or null if it is not a valid name or not a folder (a missing one is fine). */
  #folderPath(name: string): string | null {
    try {
      const folder = this.#path(name);
      return !fs.existsSync(folder) || fs.statSync(folder).isDirectory() ? folder : null;
    } catch {
      return null;
    }
  }

  async exists(name: string): Promise<boolean> {
    return fs.existsSync(this.#path(name));
  }

  async delete(name: string): Promise<void> {
    const filePath = this.#path(name);
    if (this.readOnly) throw new ReadOnlyStorageError(name, "delete");
    wrap(name, "delete", () => fs.rmSync(filePath, { force: true }));
  }

  async rename(from: string, to: string): Promise<void> {
    const target = this.#path(to);
    if (this.readOnly) throw new ReadOnlyStorageError(from, "rename");
    wrap(from, "rename", () => {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.renameSync(this.#path(from), target);
      syncDirectory(path.dirname(target));
    });
  }

  /** An exclusive `.lock` file in the root holding {pid, command, since}; a dead holder's is taken over. */
  async lock(command: string): Promise<string | null> {
    if (this.readOnly) throw new ReadOnlyStorageError(LOCK_FILE, "lock");
    if (this.#lock !== null) return null;
    const held = wrap(LOCK_FILE, "lock", () => acquireLockFile(nodeLockFiles, this.#dataDir, path.join(this.#root, LOCK_FILE), command));
    this.#lock = held;
    releaseOnExit(held);
    return held.note;
  }

  async close(): Promise<void> {
    const held = this.#lock;
    if (held === null) return;
    this.#lock = null;
    locksHeld.delete(held);
    wrap(LOCK_FILE, "unlock", () => releaseLockFile(nodeLockFiles, held));
  }
}

/** Whether folder `name` can hold files starting with `prefix`: "t-0/" for "t-", "t-0/" and "t-0/x" alike. */
function couldHold(name: string, prefix: string): boolean {
  const folder = `${name}/`;
  return folder.startsWith(prefix) || prefix.startsWith(folder);
}

/** Makes a directory's entries (new and renamed files) durable; not every platform allows it. */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, "r");
    fs.fsyncSync(fd);
  } catch {
    // Windows cannot open directories; there rename durability is the OS's.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Writes all of `bytes` at `position` on the thread pool. */
function writeInBackground(fd: number, bytes: Uint8Array, position: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const writeFrom = (written: number): void => {
      fs.write(fd, bytes, written, bytes.length - written, position + written, (error, count) => {
        if (error !== null) reject(error);
        else if (written + count < bytes.length) writeFrom(written + count);
        else resolve();
      });
    };
    writeFrom(0);
  });
}

/** Fills `out` from `position` (fewer bytes at the end of the file); what was read. */
function readAllSync(fd: number, out: Uint8Array, position: number): Uint8Array {
  let read = 0;
  while (read < out.length) {
    const n = fs.readSync(fd, out, read, out.length - read, position + read);
    if (n === 0) break;
    read += n;
  }
  return read === out.length ? out : out.subarray(0, read);
}

/** readAllSync on the thread pool. */
function readAllInBackground(fd: number, out: Uint8Array, position: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const readFrom = (read: number): void => {
      fs.read(fd, out, read, out.length - read, position + read, (error, count) => {
        if (error !== null) reject(error);
        else if (count > 0 && read + count < out.length) readFrom(read + count);
        else resolve(read + count === out.length ? out : out.subarray(0, read + count));
      });
    };
    readFrom(0);
  });
}

function writeAllSync(fd: number, bytes: Uint8Array, position: number): void {
  let written = 0;
  while (written < bytes.length) written += fs.writeSync(fd, bytes, written, bytes.length - written, position + written);
}

/**
 * A file with two write buffers: when one fills it is written on the thread
 * pool while appends go on filling the other, so validating and copying the
 * next batches overlaps with writing the last ones. Operations run in order,
 * one at a time; a failed background write fails every later operation, as a
 * failed disk takes a Kafka log folder offline. The OS handle is lent by the
 * storage's OpenFiles: an idle file may lose it and reopens it on next use.
 */
class NodeFsFile implements StorageFile, ReopenableFile {
  #buffer = new WriteBuffer();
  #spare = new WriteBuffer();
  /** The OS handle, or null while released (reopened on next use). */
  #fd: number | null;
  /** Bytes on disk (or handed to the OS). */
  #flushedSize: number;
  /** Whether bytes reached the OS (write or truncate) since the last fdatasync: a sync must then reach the disk. */
  #unsynced = false;
  /** The spare buffer's bytes being written in the background, and the write. */
  #writingBytes = 0;
  #writing: Promise<void> | null = null;
  /** Whether the thread pool is writing through the handle now (so it must stay open). */
  #writeInFlight = false;
  /** Whether the thread pool is reading through the handle now. */
  #readInFlight = false;
  #failure: StorageError | null = null;
  #closed = false;
  readonly #queue = new OperationQueue();

  constructor(
    readonly name: string,
    fd: number,
    size: number,
    private readonly reopen: () => number,
    private readonly openFiles: OpenFiles,
  ) {
    this.#fd = fd;
    this.#flushedSize = size;
    openFiles.used(this);
  }

  get size(): number {
    return this.#flushedSize + this.#writingBytes + this.#buffer.length;
  }

  get handleBusy(): boolean {
    return this.#writeInFlight || this.#readInFlight;
  }

  releaseHandle(): void {
    if (this.#fd === null) return;
    const fd = this.#fd;
    this.#fd = null;
    // No fdatasync here: a later sync() fdatasyncs the reopened handle, which
    // makes every written page of the file durable, whichever handle wrote it.
    try {
      fs.closeSync(fd);
    } catch (error) {
      this.#failure ??= new StorageError(`close ${this.name} failed: ${(error as Error).message}`, this.name, error);
    }
  }

  /** The OS handle, reopened if it was released; marks the file as just used. */
  #handle(): number {
    this.#fd ??= this.reopen();
    this.openFiles.used(this);
    return this.#fd;
  }

  #run<T>(action: string, operation: () => Promise<T> | T): Promise<T> {
    return this.#queue.run(async () => {
      if (this.#closed) throw new StorageError(`file ${this.name} is closed`, this.name);
      if (this.#failure !== null) throw this.#failure;
      try {
        return await operation();
      } catch (error) {
        throw error instanceof StorageError ? error : new StorageError(`${action} ${this.name} failed: ${(error as Error).message}`, this.name, error);
      }
    });
  }

  /** Waits for the background write, if any. */
  async #settle(): Promise<void> {
    if (this.#writing === null) return;
    try {
      await this.#writing;
    } catch (error) {
      this.#failure = new StorageError(`write to ${this.name} failed: ${(error as Error).message}`, this.name, error);
      throw this.#failure;
    } finally {
      this.#writing = null;
    }
  }

  /** Hands the full buffer to the thread pool and continues with the spare one. */
  #writeBufferInBackground(): void {
    const full = this.#buffer;
    this.#buffer = this.#spare;
    this.#spare = full;
    const bytes = full.view();
    this.#writingBytes = bytes.length;
    this.#unsynced = true;
    this.#writeInFlight = true;
    this.#writing = writeInBackground(this.#handle(), bytes, this.#flushedSize)
      .finally(() => {
        this.#writeInFlight = false;
      })
      .then(() => {
        this.#flushedSize += bytes.length;
        this.#writingBytes = 0;
        full.clear();
      });
  }

  /** Writes `bytes` at the end of what is flushed, synchronously. */
  #writeThrough(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.#unsynced = true;
    writeAllSync(this.#handle(), bytes, this.#flushedSize);
    this.#flushedSize += bytes.length;
  }

  /** Writes everything buffered, synchronously, after any background write. */
  async #flush(): Promise<void> {
    await this.#settle();
    this.#writeThrough(this.#buffer.view());
    this.#buffer.clear();
  }

  append(bytes: Uint8Array): Promise<void> {
    return this.#run("append to", async () => {
      if (this.#buffer.tryAppend(bytes)) return;
      await this.#settle();
      this.#writeBufferInBackground();
      if (this.#buffer.tryAppend(bytes)) return;
      // Larger than a buffer: write it straight through, after what precedes it.
      await this.#settle();
      this.#writeThrough(bytes);
    });
  }

  read(position: number, length: number): Promise<Uint8Array> {
    return this.#read(position, length, false);
  }

  readInBackground(position: number, length: number, into?: Uint8Array): Promise<Uint8Array> {
    return this.#read(position, length, true, into);
  }

  #read(position: number, length: number, inBackground: boolean, into?: Uint8Array): Promise<Uint8Array> {
    return this.#run("read", async () => {
      await this.#settle();
      return readThroughBuffer(position, length, this.#flushedSize, this.#buffer, (from, count) => {
        const fd = this.#handle();
        // The caller's buffer, or its own memory, not zero-filled first (only bytes read over are returned), as a
        // plain Uint8Array (whose slice() copies, as callers expect).
        const out = into !== undefined && into.length >= count
          ? into.subarray(0, count)
          : new Uint8Array(Buffer.allocUnsafeSlow(count).buffer, 0, count);
        if (!inBackground) return readAllSync(fd, out, from);
        // The handle stays open until the thread pool is done; the operation queue keeps appends, truncation and
        // close after the read.
        this.#readInFlight = true;
        return readAllInBackground(fd, out, from).finally(() => {
          this.#readInFlight = false;
        });
      });
    });
  }

  truncate(size: number): Promise<void> {
    return this.#run("truncate", async () => {
      await this.#settle();
      if (size >= this.size) return;
      if (size >= this.#flushedSize) {
        this.#buffer.cut(size - this.#flushedSize);
        return;
      }
      this.#unsynced = true;
      fs.ftruncateSync(this.#handle(), size); // first: if it fails, nothing buffered is lost
      this.#buffer.clear();
      this.#flushedSize = size;
    });
  }

  sync(): Promise<void> {
    return this.#run("sync", async () => {
      await this.#flush();
      // A file that wrote nothing since its last sync need not reopen a released handle.
      if (!this.#unsynced && this.#fd === null) return;
      fs.fdatasyncSync(this.#handle());
      this.#unsynced = false;
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    // Closing writes what is buffered, as closing a file does; it does not fsync.
    await this.#run("close", async () => {
      try {
        await this.#flush();
      } finally {
        this.#closed = true;
        this.openFiles.released(this);
        if (this.#fd !== null) fs.closeSync(this.#fd);
        this.#fd = null;
      }
    });
  }
}
