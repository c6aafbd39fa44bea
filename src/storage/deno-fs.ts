// Storage on the filesystem under Deno, in Kafka's directory layout: the
// counterpart of node-fs.ts on Deno's own file API, with the same choices.
// The calls are synchronous, as Kafka's log layer uses blocking I/O: a log
// append is short, and an async hop per append would cost more than the
// write. Appends go through a write-behind buffer; sync() writes it and
// fdatasyncs.

import { OpenFiles, type ReopenableFile } from "./open-files.ts";
import { LoglabError } from "../format/index.ts";
import { acquireLockFile, heldByThisProcess, type HeldLock, LOCK_FILE, type LockFileSystem, releaseLockFile } from "./lock-file.ts";
import {
  checkFileName, FileNotFoundError, type LockHolder, readOnlyFile, ReadOnlyStorageError, type Storage, type StorageFile, StorageError,
} from "./storage.ts";
import { readThroughBuffer, WriteBuffer } from "./write-buffer.ts";

// The slice of Deno's API used here. The project type-checks with Node's
// types only, so this module declares what it needs rather than importing
// Deno's type package.

interface DenoFsFile {
  readSync(buffer: Uint8Array): number | null;
  writeSync(data: Uint8Array): number;
  seekSync(offset: number, whence: number): number;
  truncateSync(length?: number): void;
  syncDataSync(): void;
  syncSync(): void;
  statSync(): { readonly size: number };
  /** flock(2) without waiting: false while another open file holds a conflicting lock. */
  tryLockSync(exclusive?: boolean): boolean;
  close(): void;
}

interface DenoDirEntry {
  readonly name: string;
  readonly isDirectory: boolean;
}

declare const Deno: {
  openSync(path: string, options: { read?: boolean; write?: boolean; create?: boolean; createNew?: boolean }): DenoFsFile;
  linkSync(existing: string, target: string): void;
  writeTextFileSync(path: string, text: string): void;
  readTextFileSync(path: string): string;
  readonly pid: number;
  mkdirSync(path: string, options?: { recursive?: boolean }): void;
  renameSync(from: string, to: string): void;
  removeSync(path: string): void;
  readDirSync(path: string): Iterable<DenoDirEntry>;
  statSync(path: string): { readonly isDirectory: boolean };
  cwd(): string;
  readonly SeekMode: { readonly Start: number };
  readonly errors: {
    readonly NotFound: abstract new (...args: never[]) => Error;
    readonly AlreadyExists: abstract new (...args: never[]) => Error;
  };
};

declare function addEventListener(type: "unload", listener: () => void): void;

function wrap<T>(fileName: string, action: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof LoglabError) throw error;
    throw new StorageError(`${action} ${fileName} failed: ${(error as Error).message}`, fileName, error);
  }
}

function isNotFound(error: unknown): boolean {
  return error instanceof Deno.errors.NotFound;
}

/** `path`, made absolute against the working directory (Deno accepts "/" on every platform). */
function absolute(path: string): string {
  const trimmed = path.length > 1 ? path.replace(/[\\/]+$/, "") : path;
  return /^(?:[\\/]|[A-Za-z]:[\\/])/.test(trimmed) ? trimmed : `${Deno.cwd()}/${trimmed}`;
}

/** Whether `path` exists (false when it does not, throws on other failures). */
function pathExists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

/**
 * Deno's calls for the data dir's `.lock` file: the same file Node's CLI
 * writes, so either runtime refuses the other, and a Deno holder also keeps
 * an exclusive flock on it, which tells a live holder from a dead one.
 */
const denoLockFiles: LockFileSystem = {
  get pid() {
    return Deno.pid;
  },
  createExclusive(target, text) {
    const temporary = `${target}.${Deno.pid}.tmp`;
    Deno.writeTextFileSync(temporary, text);
    try {
      Deno.linkSync(temporary, target);
      return true;
    } catch (error) {
      if (error instanceof Deno.errors.AlreadyExists) return false;
      throw error;
    } finally {
      Deno.removeSync(temporary);
    }
  },
  read(target) {
    try {
      return Deno.readTextFileSync(target);
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  },
  rename(from, to) {
    try {
      Deno.renameSync(from, to);
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  },
  remove(target) {
    try {
      Deno.removeSync(target);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  },
  isAlive(holder: LockHolder | null, target: string) {
    if (holder?.pid === Deno.pid) return heldByThisProcess(target);
    let file: DenoFsFile;
    try {
      file = Deno.openSync(target, { read: true });
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
    try {
      if (!file.tryLockSync(true)) return true; // a flock (a Deno holder's, or Kafka's): alive
    } finally {
      file.close();
    }
    if (holder === null) return false;
    // No flock: a Node holder, or a dead one. Where /proc exists it knows.
    return pathExists(`/proc/${holder.pid}`) || !pathExists("/proc/self");
  },
};

/** Locks to release if the process exits without closing its storages. */
const locksHeld = new Set<HeldLock>();
let unloadHandlerInstalled = false;

function releaseOnUnload(held: HeldLock): void {
  locksHeld.add(held);
  if (unloadHandlerInstalled) return;
  unloadHandlerInstalled = true;
  addEventListener("unload", () => {
    for (const lock of locksHeld) releaseLockFile(denoLockFiles, lock);
  });
}

export interface DenoFsStorageOptions {
  /** Open files read-only, create nothing (not even `root`), refuse every change. */
  readonly readOnly?: boolean;
}

export class DenoFsStorage implements Storage {
  readonly #root: string;
  readonly #openFiles = new OpenFiles();
  /** The root as the caller named it, for messages. */
  readonly #dataDir: string;
  readonly readOnly: boolean;
  #lock: { readonly held: HeldLock; readonly file: DenoFsFile } | null = null;

  /** Files live under `root` (created if missing, unless read-only: then it must exist). */
  constructor(root: string, options: DenoFsStorageOptions = {}) {
    this.#root = absolute(root);
    this.#dataDir = root;
    this.readOnly = options.readOnly ?? false;
    const isFolder = wrap(root, "open data dir", () => (pathExists(this.#root) ? Deno.statSync(this.#root).isDirectory : null));
    if (isFolder === false) throw new StorageError(`data dir ${root} is a file, not a folder`, root);
    if (isFolder === null && this.readOnly) throw new FileNotFoundError(`no data dir ${root}`, root);
    if (isFolder === null) wrap(root, "create data dir", () => Deno.mkdirSync(this.#root, { recursive: true }));
  }

  #path(name: string): string {
    checkFileName(name);
    return `${this.#root}/${name}`;
  }

  /** The path of folder `name`, or null if it is not a valid name or not a folder (a missing one is fine). */
  #folderPath(name: string): string | null {
    try {
      const folder = this.#path(name);
      return !pathExists(folder) || Deno.statSync(folder).isDirectory ? folder : null;
    } catch {
      return null;
    }
  }

  /** The folder that holds `name` (a checked name). */
  #folder(name: string): string {
    const slash = name.lastIndexOf("/");
    return slash < 0 ? this.#root : `${this.#root}/${name.slice(0, slash)}`;
  }

  async open(name: string): Promise<StorageFile> {
    const filePath = this.#path(name);
    if (this.readOnly) {
      return wrap(name, "open", () => {
        let file: DenoFsFile;
        try {
          file = Deno.openSync(filePath, { read: true });
        } catch (error) {
          if (isNotFound(error)) throw new FileNotFoundError(`no file ${name} in data dir ${this.#dataDir}`, name, error);
          throw error;
        }
        return readOnlyFile(new DenoFile(name, file, file.statSync().size, () => Deno.openSync(filePath, { read: true }), this.#openFiles));
      });
    }
    return wrap(name, "open", () => {
      Deno.mkdirSync(this.#folder(name), { recursive: true });
      const file = Deno.openSync(filePath, { read: true, write: true, create: true });
      return new DenoFile(name, file, file.statSync().size, () => Deno.openSync(filePath, { read: true, write: true }), this.#openFiles);
    });
  }

  async list(prefix = ""): Promise<string[]> {
    const names: string[] = [];
    const walk = (dir: string, relative: string): void => {
      let entries: DenoDirEntry[];
      try {
        entries = [...Deno.readDirSync(dir)];
      } catch (error) {
        if (isNotFound(error)) return;
        throw error;
      }
      for (const entry of entries) {
        const name = relative === "" ? entry.name : `${relative}/${entry.name}`;
        // Only folders that can hold a match: opening one partition must not walk all the others.
        if (entry.isDirectory) {
          if (`${name}/`.startsWith(prefix) || prefix.startsWith(`${name}/`)) walk(`${dir}/${entry.name}`, name);
        } else if (name.startsWith(prefix)) names.push(name);
      }
    };
    // Start in the folder the prefix names, if it names one ("t-0/" or "t-0/0000"): no need to read the root.
    const base = prefix.includes("/") ? prefix.slice(0, prefix.lastIndexOf("/")) : "";
    const start = base === "" ? null : this.#folderPath(base);
    wrap(prefix, "list", () => (start === null ? walk(this.#root, "") : walk(start, base)));
    return names.sort();
  }

  async exists(name: string): Promise<boolean> {
    const filePath = this.#path(name);
    return wrap(name, "look up", () => {
      try {
        Deno.statSync(filePath);
        return true;
      } catch (error) {
        if (isNotFound(error)) return false;
        throw error;
      }
    });
  }

  async delete(name: string): Promise<void> {
    const filePath = this.#path(name);
    if (this.readOnly) throw new ReadOnlyStorageError(name, "delete");
    wrap(name, "delete", () => {
      try {
        Deno.removeSync(filePath);
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    });
  }

  async rename(from: string, to: string): Promise<void> {
    const source = this.#path(from);
    const target = this.#path(to);
    if (this.readOnly) throw new ReadOnlyStorageError(from, "rename");
    wrap(from, "rename", () => {
      Deno.mkdirSync(this.#folder(to), { recursive: true });
      Deno.renameSync(source, target);
      syncDirectory(this.#folder(to));
    });
  }

  /**
   * The `.lock` file Node's storage uses, created exclusively with
   * {pid, command, since}, and an exclusive flock on it for the storage's life.
   */
  async lock(command: string): Promise<string | null> {
    if (this.readOnly) throw new ReadOnlyStorageError(LOCK_FILE, "lock");
    if (this.#lock !== null) return null;
    const path = `${this.#root}/${LOCK_FILE}`;
    const held = wrap(LOCK_FILE, "lock", () => acquireLockFile(denoLockFiles, this.#dataDir, path, command));
    const file = wrap(LOCK_FILE, "lock", () => Deno.openSync(path, { read: true }));
    if (!file.tryLockSync(true)) {
      file.close();
      releaseLockFile(denoLockFiles, held);
      throw new StorageError(`lock ${this.#dataDir}/${LOCK_FILE} failed: another process holds its flock`, LOCK_FILE);
    }
    this.#lock = { held, file };
    releaseOnUnload(held);
    return held.note;
  }

  async close(): Promise<void> {
    const lock = this.#lock;
    if (lock === null) return;
    this.#lock = null;
    locksHeld.delete(lock.held);
    wrap(LOCK_FILE, "unlock", () => {
      try {
        releaseLockFile(denoLockFiles, lock.held);
      } finally {
        lock.file.close();
      }
    });
  }
}

/** Makes a directory's entries (new and renamed files) durable; not every platform allows it. */
function syncDirectory(dir: string): void {
  let handle: DenoFsFile | undefined;
  try {
    handle = Deno.openSync(dir, { read: true });
    handle.syncSync();
  } catch {
    // Windows cannot open directories; there rename durability is the OS's.
  } finally {
    handle?.close();
  }
}

/**
 * A file with a write-behind buffer. The OS handle is lent by the storage's
 * OpenFiles: an idle file may lose it and reopens it on next use.
 */
class DenoFile implements StorageFile, ReopenableFile {
  readonly #buffer = new WriteBuffer();
  /** The OS handle, or null while released (reopened on next use). */
  #file: DenoFsFile | null;
  #flushedSize: number;
  /** Whether bytes reached the OS (write or truncate) since the last fdatasync: a sync must then reach the disk. */
  #unsynced = false;
  #closed = false;
  /** Every call is synchronous, so no operation is ever using the handle when another file needs one. */
  readonly handleBusy = false;

  constructor(
    readonly name: string,
    file: DenoFsFile,
    size: number,
    private readonly reopen: () => DenoFsFile,
    private readonly openFiles: OpenFiles,
  ) {
    this.#file = file;
    this.#flushedSize = size;
    openFiles.used(this);
  }

  get size(): number {
    return this.#flushedSize + this.#buffer.length;
  }

  releaseHandle(): void {
    const file = this.#file;
    this.#file = null;
    // No fdatasync here: a later sync() fdatasyncs the reopened handle, which
    // makes every written page of the file durable, whichever handle wrote it.
    try {
      file?.close();
    } catch {
      // Deno's close fails only on a resource already gone: nothing is left to release.
    }
  }

  /** The OS handle, reopened if it was released; marks the file as just used. */
  #handle(): DenoFsFile {
    this.#file ??= this.reopen();
    this.openFiles.used(this);
    return this.#file;
  }

  /** Writes `bytes` at the end of what is flushed. */
  #writeThrough(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.#unsynced = true;
    const file = this.#handle();
    file.seekSync(this.#flushedSize, Deno.SeekMode.Start);
    let written = 0;
    while (written < bytes.length) written += file.writeSync(bytes.subarray(written));
    this.#flushedSize += bytes.length;
  }

  #flush(): void {
    this.#writeThrough(this.#buffer.view());
    this.#buffer.clear();
  }

  #checkOpen(): void {
    // Appends that fit the buffer touch no file, so a closed handle must refuse them itself.
    if (this.#closed) throw new StorageError(`file ${this.name} is closed`, this.name);
  }

  async append(bytes: Uint8Array): Promise<void> {
    this.#checkOpen();
    wrap(this.name, "append to", () => {
      if (this.#buffer.tryAppend(bytes)) return;
      this.#flush();
      if (this.#buffer.tryAppend(bytes)) return;
      // Larger than the buffer: write it straight through.
      this.#writeThrough(bytes);
    });
  }

  async read(position: number, length: number): Promise<Uint8Array> {
    this.#checkOpen();
    return readThroughBuffer(position, length, this.#flushedSize, this.#buffer, (from, count) =>
      wrap(this.name, "read", () => {
        const file = this.#handle();
        const out = new Uint8Array(count);
        file.seekSync(from, Deno.SeekMode.Start);
        let read = 0;
        while (read < count) {
          const n = file.readSync(out.subarray(read));
          if (n === null || n === 0) break;
          read += n;
        }
        return read === count ? out : out.subarray(0, read);
      }),
    );
  }

  async truncate(size: number): Promise<void> {
    this.#checkOpen();
    if (size >= this.size) return;
    wrap(this.name, "truncate", () => {
      if (size >= this.#flushedSize) {
        this.#buffer.cut(size - this.#flushedSize);
        return;
      }
      this.#unsynced = true;
      this.#handle().truncateSync(size);
      this.#flushedSize = size;
      this.#buffer.clear();
    });
  }

  async sync(): Promise<void> {
    this.#checkOpen();
    wrap(this.name, "sync", () => {
      this.#flush();
      // A file that wrote nothing since its last sync need not reopen a released handle.
      if (!this.#unsynced && this.#file === null) return;
      this.#handle().syncDataSync();
      this.#unsynced = false;
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Closing flushes what is buffered, as closing a file does; it does not
    // fsync. The file is released even if that write fails.
    wrap(this.name, "close", () => {
      try {
        this.#flush();
      } finally {
        this.openFiles.released(this);
        this.#file?.close();
        this.#file = null;
      }
    });
  }
}
