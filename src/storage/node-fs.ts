// Storage on the Node.js filesystem, in Kafka's directory layout. Appends go
// to a write-behind buffer; a full buffer is written on the thread pool while
// the next one fills, and everything else uses the synchronous calls (as
// Kafka's log layer uses blocking I/O: a thread-pool hop per small operation
// would cost more than the operation). sync() writes the rest and fdatasyncs.

import * as fs from "node:fs";
import * as path from "node:path";
import { OperationQueue } from "../runtime/operation-queue.ts";
import { checkFileName, type Storage, type StorageFile, StorageError } from "./storage.ts";
import { readThroughBuffer, WriteBuffer } from "./write-buffer.ts";

function wrap<T>(fileName: string, action: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw new StorageError(`${action} ${fileName} failed: ${(error as Error).message}`, fileName, error);
  }
}

export class NodeFsStorage implements Storage {
  readonly #root: string;

  /** Files live under `root` (created if missing). */
  constructor(root: string) {
    this.#root = path.resolve(root);
    fs.mkdirSync(this.#root, { recursive: true });
  }

  #path(name: string): string {
    checkFileName(name);
    return path.join(this.#root, ...name.split("/"));
  }

  async open(name: string): Promise<StorageFile> {
    const filePath = this.#path(name);
    return wrap(name, "open", () => {
      fs.mkdirSync(path.dirname(filePath), { recursive: true });
      const fd = fs.openSync(filePath, fs.existsSync(filePath) ? "r+" : "w+");
      return new NodeFsFile(name, fd, fs.fstatSync(fd).size);
    });
  }

  async list(prefix = ""): Promise<string[]> {
    const names: string[] = [];
    const walk = (dir: string, relative: string): void => {
      if (!fs.existsSync(dir)) return;
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const name = relative === "" ? entry.name : `${relative}/${entry.name}`;
        if (entry.isDirectory()) walk(path.join(dir, entry.name), name);
        else if (name.startsWith(prefix)) names.push(name);
      }
    };
    walk(this.#root, "");
    return names.sort();
  }

  async exists(name: string): Promise<boolean> {
    return fs.existsSync(this.#path(name));
  }

  async delete(name: string): Promise<void> {
    const filePath = this.#path(name);
    wrap(name, "delete", () => fs.rmSync(filePath, { force: true }));
  }

  async rename(from: string, to: string): Promise<void> {
    const target = this.#path(to);
    wrap(from, "rename", () => {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.renameSync(this.#path(from), target);
      syncDirectory(path.dirname(target));
    });
  }

  async close(): Promise<void> {}
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

function writeAllSync(fd: number, bytes: Uint8Array, position: number): void {
  let written = 0;
  while (written < bytes.length) written += fs.writeSync(fd, bytes, written, bytes.length - written, position + written);
}

/**
 * A file with two write buffers: when one fills it is written on the thread
 * pool while appends go on filling the other, so validating and copying the
 * next batches overlaps with writing the last ones. Operations run in order,
 * one at a time; a failed background write fails every later operation, as a
 * failed disk takes a Kafka log folder offline.
 */
class NodeFsFile implements StorageFile {
  #buffer = new WriteBuffer();
  #spare = new WriteBuffer();
  /** Bytes on disk (or handed to the OS). */
  #flushedSize: number;
  /** The spare buffer's bytes being written in the background, and the write. */
  #writingBytes = 0;
  #writing: Promise<void> | null = null;
  #failure: StorageError | null = null;
  #closed = false;
  readonly #queue = new OperationQueue();

  constructor(
    readonly name: string,
    private readonly fd: number,
    size: number,
  ) {
    this.#flushedSize = size;
  }

  get size(): number {
    return this.#flushedSize + this.#writingBytes + this.#buffer.length;
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
    this.#writing = writeInBackground(this.fd, bytes, this.#flushedSize).then(() => {
      this.#flushedSize += bytes.length;
      this.#writingBytes = 0;
      full.clear();
    });
  }

  /** Writes everything buffered, synchronously, after any background write. */
  async #flush(): Promise<void> {
    await this.#settle();
    const pending = this.#buffer.view();
    writeAllSync(this.fd, pending, this.#flushedSize);
    this.#flushedSize += pending.length;
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
      writeAllSync(this.fd, bytes, this.#flushedSize);
      this.#flushedSize += bytes.length;
    });
  }

  read(position: number, length: number): Promise<Uint8Array> {
    return this.#run("read", async () => {
      await this.#settle();
      return readThroughBuffer(position, length, this.#flushedSize, this.#buffer, (from, count) => {
        const out = new Uint8Array(count);
        let read = 0;
        while (read < count) {
          const n = fs.readSync(this.fd, out, read, count - read, from + read);
          if (n === 0) break;
          read += n;
        }
        return read === count ? out : out.subarray(0, read);
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
      fs.ftruncateSync(this.fd, size); // first: if it fails, nothing buffered is lost
      this.#buffer.clear();
      this.#flushedSize = size;
    });
  }

  sync(): Promise<void> {
    return this.#run("sync", async () => {
      await this.#flush();
      fs.fdatasyncSync(this.fd);
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
        fs.closeSync(this.fd);
      }
    });
  }
}
