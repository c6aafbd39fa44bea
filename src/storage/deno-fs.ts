// Storage on the filesystem under Deno, in Kafka's directory layout: the
// counterpart of node-fs.ts on Deno's own file API, with the same choices.
// The calls are synchronous, as Kafka's log layer uses blocking I/O: a log
// append is short, and an async hop per append would cost more than the
// write. Appends go through a write-behind buffer; sync() writes it and
// fdatasyncs.

import { checkFileName, type Storage, type StorageFile, StorageError } from "./storage.ts";
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
  close(): void;
}

interface DenoDirEntry {
  readonly name: string;
  readonly isDirectory: boolean;
}

declare const Deno: {
  openSync(path: string, options: { read?: boolean; write?: boolean; create?: boolean }): DenoFsFile;
  mkdirSync(path: string, options?: { recursive?: boolean }): void;
  renameSync(from: string, to: string): void;
  removeSync(path: string): void;
  readDirSync(path: string): Iterable<DenoDirEntry>;
  statSync(path: string): unknown;
  cwd(): string;
  readonly SeekMode: { readonly Start: number };
  readonly errors: { readonly NotFound: abstract new (...args: never[]) => Error };
};

function wrap<T>(fileName: string, action: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
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

export class DenoFsStorage implements Storage {
  readonly #root: string;

  /** Files live under `root` (created if missing). */
  constructor(root: string) {
    this.#root = absolute(root);
    Deno.mkdirSync(this.#root, { recursive: true });
  }

  #path(name: string): string {
    checkFileName(name);
    return `${this.#root}/${name}`;
  }

  /** The folder that holds `name` (a checked name). */
  #folder(name: string): string {
    const slash = name.lastIndexOf("/");
    return slash < 0 ? this.#root : `${this.#root}/${name.slice(0, slash)}`;
  }

  async open(name: string): Promise<StorageFile> {
    const filePath = this.#path(name);
    return wrap(name, "open", () => {
      Deno.mkdirSync(this.#folder(name), { recursive: true });
      const file = Deno.openSync(filePath, { read: true, write: true, create: true });
      return new DenoFile(name, file, file.statSync().size);
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
        if (entry.isDirectory) walk(`${dir}/${entry.name}`, name);
        else if (name.startsWith(prefix)) names.push(name);
      }
    };
    wrap(prefix, "list", () => walk(this.#root, ""));
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
    wrap(from, "rename", () => {
      Deno.mkdirSync(this.#folder(to), { recursive: true });
      Deno.renameSync(source, target);
      syncDirectory(this.#folder(to));
    });
  }

  async close(): Promise<void> {}
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

class DenoFile implements StorageFile {
  readonly #buffer = new WriteBuffer();
  #flushedSize: number;
  #closed = false;

  constructor(
    readonly name: string,
    private readonly file: DenoFsFile,
    size: number,
  ) {
    this.#flushedSize = size;
  }

  get size(): number {
    return this.#flushedSize + this.#buffer.length;
  }

  /** Writes `bytes` at the end of what is flushed. */
  #writeThrough(bytes: Uint8Array): void {
    this.file.seekSync(this.#flushedSize, Deno.SeekMode.Start);
    let written = 0;
    while (written < bytes.length) written += this.file.writeSync(bytes.subarray(written));
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
        const out = new Uint8Array(count);
        this.file.seekSync(from, Deno.SeekMode.Start);
        let read = 0;
        while (read < count) {
          const n = this.file.readSync(out.subarray(read));
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
      this.file.truncateSync(size);
      this.#flushedSize = size;
      this.#buffer.clear();
    });
  }

  async sync(): Promise<void> {
    this.#checkOpen();
    wrap(this.name, "sync", () => {
      this.#flush();
      this.file.syncDataSync();
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
        this.file.close();
      }
    });
  }
}
