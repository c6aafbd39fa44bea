// Storage on the Node.js filesystem, in Kafka's directory layout. It uses the
// synchronous fs calls, as Kafka's log layer uses blocking I/O: a log append
// is short, and a thread-pool hop per append would cost more than the write.
// Appends go through a write-behind buffer; sync() writes it and fdatasyncs.

import * as fs from "node:fs";
import * as path from "node:path";
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

class NodeFsFile implements StorageFile {
  readonly #buffer = new WriteBuffer();
  #flushedSize: number;
  #closed = false;

  constructor(
    readonly name: string,
    private readonly fd: number,
    size: number,
  ) {
    this.#flushedSize = size;
  }

  get size(): number {
    return this.#flushedSize + this.#buffer.length;
  }

  #checkOpen(): void {
    if (this.#closed) throw new StorageError(`file ${this.name} is closed`, this.name);
  }

  #flush(): void {
    const pending = this.#buffer.view();
    let written = 0;
    while (written < pending.length) {
      written += fs.writeSync(this.fd, pending, written, pending.length - written, this.#flushedSize + written);
    }
    this.#flushedSize += pending.length;
    this.#buffer.clear();
  }

  async append(bytes: Uint8Array): Promise<void> {
    this.#checkOpen();
    wrap(this.name, "append to", () => {
      if (this.#buffer.tryAppend(bytes)) return;
      this.#flush();
      if (this.#buffer.tryAppend(bytes)) return;
      // Larger than the buffer: write it straight through.
      let written = 0;
      while (written < bytes.length) {
        written += fs.writeSync(this.fd, bytes, written, bytes.length - written, this.#flushedSize + written);
      }
      this.#flushedSize += bytes.length;
    });
  }

  async read(position: number, length: number): Promise<Uint8Array> {
    this.#checkOpen();
    return readThroughBuffer(position, length, this.#flushedSize, this.#buffer, (from, count) =>
      wrap(this.name, "read", () => {
        const out = new Uint8Array(count);
        let read = 0;
        while (read < count) {
          const n = fs.readSync(this.fd, out, read, count - read, from + read);
          if (n === 0) break;
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
      fs.ftruncateSync(this.fd, size); // first: if it fails, nothing buffered is lost
      this.#buffer.clear();
      this.#flushedSize = size;
    });
  }

  async sync(): Promise<void> {
    this.#checkOpen();
    wrap(this.name, "sync", () => {
      this.#flush();
      fs.fdatasyncSync(this.fd);
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Closing flushes what is buffered, as closing a file does; it does not fsync.
    wrap(this.name, "close", () => {
      try {
        this.#flush();
      } finally {
        fs.closeSync(this.fd);
      }
    });
  }
}
