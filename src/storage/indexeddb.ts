// Storage in IndexedDB, for browsers without OPFS or for a log that every tab
// of an origin should see. A file is a run of fixed-size chunks in one object
// store, keyed [file name, chunk index], beside a record of its size.
//
// Appends collect in a write-behind buffer and reach the database in one
// transaction per flush: on sync(), when the buffer fills, and on close().
// IndexedDB transactions are atomic, so a flush that fails (a full quota, a
// lost connection) leaves the stored file as it was and its bytes pending in
// the buffer, where a later sync() can retry them. Every writing transaction
// asks for "strict" durability, so a commit means the bytes are on disk.

import { type DBSchema, type IDBPDatabase, type IDBPTransaction, wrap } from "idb";
import { OperationQueue } from "../runtime/index.ts";
import {
  checkFileName, FileNotFoundError, hasErrorName, readOnlyFile, ReadOnlyStorageError, type Storage, type StorageFile, StorageError, toStorageError,
} from "./storage.ts";
import { acquireWebLock } from "./web-lock.ts";
import { appendThroughBuffer, readThroughBuffer, WriteBuffer } from "./write-buffer.ts";

/**
 * Chunk size for new files: a 1 MiB flush is 16 puts, and an append to a file
 * rewrites at most one partial chunk.
 */
export const DEFAULT_CHUNK_BYTES = 64 * 1024;

export interface IndexedDbStorageOptions {
  /**
   * The IndexedDB implementation to use (default: `globalThis.indexedDB`).
   * idb recognises requests and transactions through the global IDB classes
   * (IDBRequest, IDBKeyRange, ...), so those must belong to this
   * implementation too, as they do with fake-indexeddb's "auto" entry point.
   */
  readonly indexedDB?: IDBFactory;
  /** Chunk size for files this storage creates; a file keeps the size it was created with. */
  readonly chunkBytes?: number;
  /** Change nothing, not even create the database: opening a missing one fails with FileNotFoundError. */
  readonly readOnly?: boolean;
}

const SCHEMA_VERSION = 1;

interface FileRecord {
  /** Bytes in the file. */
  readonly size: number;
  /** The chunk size the file is stored in, fixed for the file's life. */
  readonly chunkBytes: number;
}

interface LogSchema extends DBSchema {
  files: { key: string; value: FileRecord };
  chunks: { key: [string, number]; value: Uint8Array };
}

const STORES = ["files", "chunks"] as const;
type Stores = typeof STORES;
type Transaction<Mode extends IDBTransactionMode> = IDBPTransaction<LogSchema, Stores, Mode>;

const EMPTY = new Uint8Array(0);
const ignore = (): void => {};

export class IndexedDbStorage implements Storage {
  readonly #db: IDBPDatabase<LogSchema>;
  readonly #chunkBytes: number;
  readonly #openFiles = new Set<IndexedDbFile>();
  readonly #name: string;
  readonly #factory: IDBFactory;
  #releaseLock: (() => void) | null = null;

  private constructor(
    db: IDBPDatabase<LogSchema>,
    chunkBytes: number,
    name: string,
    factory: IDBFactory,
    readonly readOnly: boolean,
  ) {
    this.#db = db;
    this.#chunkBytes = chunkBytes;
    this.#name = name;
    this.#factory = factory;
  }

  /** Opens (creating if needed) the database `databaseName` as a Storage. */
  static async open(databaseName: string, options: IndexedDbStorageOptions = {}): Promise<IndexedDbStorage> {
    const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    if (!Number.isSafeInteger(chunkBytes) || chunkBytes < 1) throw new RangeError(`chunkBytes must be a positive integer, not ${chunkBytes}`);
    const factory = options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
    if (factory === undefined) throw new StorageError("IndexedDB is not available in this environment", databaseName);
    try {
      const readOnly = options.readOnly ?? false;
      return new IndexedDbStorage(await openDatabase(factory, databaseName, readOnly), chunkBytes, databaseName, factory, readOnly);
    } catch (error) {
      if (options.readOnly === true && hasErrorName(error, "AbortError")) throw new FileNotFoundError(`no database ${databaseName}`, databaseName, error);
      throw toStorageError(error, databaseName, "open database");
    }
  }

  async open(name: string): Promise<StorageFile> {
    checkFileName(name);
    if (this.readOnly) return readOnlyFile(await this.#openExisting(name));
    const { record, tail } = await transact(this.#db, "readwrite", name, "open", async (tx, issue) => {
      const files = tx.objectStore("files");
      const existing = await files.get(name);
      if (existing === undefined) {
        const created: FileRecord = { size: 0, chunkBytes: this.#chunkBytes };
        issue(files.put(created, name));
        return { record: created, tail: EMPTY };
      }
      checkRecord(name, existing);
      // Keep the partial last chunk: the next flush starts by rewriting it.
      const partial = existing.size % existing.chunkBytes;
      if (partial === 0) return { record: existing, tail: EMPTY };
      const last = await tx.objectStore("chunks").get([name, Math.floor(existing.size / existing.chunkBytes)]);
      return { record: existing, tail: checkChunk(name, last, partial) };
    });
    const file = new IndexedDbFile(name, this.#db, record.chunkBytes, record.size, tail, () => this.#openFiles.delete(file));
    this.#openFiles.add(file);
    return file;
  }

  async list(prefix = ""): Promise<string[]> {
    return transact(this.#db, "readonly", prefix, "list", async (tx) => {
      const names: string[] = [];
      // Names with a common prefix are adjacent in key order, which compares
      // UTF-16 code units as Array.prototype.sort does: the result is sorted.
      let cursor = await tx.objectStore("files").openKeyCursor(IDBKeyRange.lowerBound(prefix));
      while (cursor !== null && cursor.key.startsWith(prefix)) {
        names.push(cursor.key);
        cursor = await cursor.continue();
      }
      return names;
    });
  }

  async exists(name: string): Promise<boolean> {
    checkFileName(name);
    return transact(this.#db, "readonly", name, "look up", async (tx) => (await tx.objectStore("files").getKey(name)) !== undefined);
  }

  /** A handle on `name` as it is, for reading: nothing is created or written. */
  async #openExisting(name: string): Promise<IndexedDbFile> {
    const record = await transact(this.#db, "readonly", name, "open", async (tx) => tx.objectStore("files").get(name));
    if (record === undefined) throw new FileNotFoundError(`no file ${name} in database ${this.#name}`, name);
    checkRecord(name, record);
    const file = new IndexedDbFile(name, this.#db, record.chunkBytes, record.size, EMPTY, () => this.#openFiles.delete(file));
    this.#openFiles.add(file);
    return file;
  }

  /**
   * A Web Lock named after the database, held until close(): a second tab
   * or worker that tries to write the same database is refused at once.
   */
  async lock(command: string): Promise<string | null> {
    if (this.readOnly) throw new ReadOnlyStorageError(this.#name, "lock");
    if (this.#releaseLock !== null) return null;
    this.#releaseLock = await acquireWebLock(`loglab indexeddb ${this.#name}`, this.#name, command, this.#factory);
    return null;
  }

  async delete(name: string): Promise<void> {
    checkFileName(name);
    if (this.readOnly) throw new ReadOnlyStorageError(name, "delete");
    await transact(this.#db, "readwrite", name, "delete", async (tx, issue) => {
      issue(tx.objectStore("files").delete(name));
      issue(tx.objectStore("chunks").delete(chunkRange(name)));
    });
  }

  async rename(from: string, to: string): Promise<void> {
    checkFileName(from);
    checkFileName(to);
    if (this.readOnly) throw new ReadOnlyStorageError(from, "rename");
    await transact(this.#db, "readwrite", from, "rename", async (tx, issue) => {
      const files = tx.objectStore("files");
      const chunks = tx.objectStore("chunks");
      const record = await files.get(from);
      if (record === undefined) throw new StorageError(`cannot rename missing file ${from}`, from);
      if (from === to) return;
      // Chunks are keyed by name, so they move one by one; the transaction
      // makes the whole move (and the replacement of `to`) one step.
      issue(chunks.delete(chunkRange(to)));
      let cursor = await chunks.openCursor(chunkRange(from));
      while (cursor !== null) {
        issue(chunks.put(cursor.value, [to, cursor.key[1]]));
        issue(cursor.delete());
        cursor = await cursor.continue();
      }
      issue(files.delete(from));
      issue(files.put(record, to));
    });
  }

  /** Flushes and closes the files still open, then closes the database connection. */
  async close(): Promise<void> {
    const results = await Promise.allSettled([...this.#openFiles].map((file) => file.close()));
    this.#db.close();
    this.#releaseLock?.();
    this.#releaseLock = null;
    const failure = results.find((result) => result.status === "rejected");
    if (failure !== undefined) throw failure.reason;
  }
}

class IndexedDbFile implements StorageFile {
  readonly #buffer = new WriteBuffer();
  readonly #queue = new OperationQueue();
  /** Bytes committed to the database: the file's record says this size, or another handle changed it. */
  #storedSize: number;
  /** The committed bytes of the partial last chunk (storedSize % chunkBytes of them), which the next flush extends. */
  #tail: Uint8Array;
  #closed = false;

  constructor(
    readonly name: string,
    private readonly db: IDBPDatabase<LogSchema>,
    private readonly chunkBytes: number,
    storedSize: number,
    tail: Uint8Array,
    private readonly onClose: () => void,
  ) {
    this.#storedSize = storedSize;
    this.#tail = tail;
  }

  get size(): number {
    return this.#storedSize + this.#buffer.length;
  }

  // Every operation awaits the database while it depends on the buffer and
  // the stored size, so operations on one handle run one at a time.

  append(bytes: Uint8Array): Promise<void> {
    return this.#queue.run(async () => {
      this.#checkOpen();
      // Bytes larger than the buffer are written with it in one transaction.
      await appendThroughBuffer(this.#buffer, bytes, (oversized) => this.#flush(oversized));
    });
  }

  read(position: number, length: number): Promise<Uint8Array> {
    return this.#queue.run(async () => {
      this.#checkOpen();
      return readThroughBuffer(position, length, this.#storedSize, this.#buffer, (from, count) => this.#readStored(from, count));
    });
  }

  truncate(size: number): Promise<void> {
    return this.#queue.run(async () => {
      this.#checkOpen();
      if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`cannot truncate ${this.name} to ${size} bytes`);
      if (size >= this.size) return;
      if (size >= this.#storedSize) {
        this.#buffer.cut(size - this.#storedSize);
        return;
      }
      // The cut reaches committed bytes; everything buffered lies past it.
      // One transaction drops the chunks past the cut and shortens the one it falls in.
      const keptChunks = Math.ceil(size / this.chunkBytes);
      const partial = size % this.chunkBytes;
      let tail = EMPTY;
      await transact(this.db, "readwrite", this.name, "truncate", async (tx, issue) => {
        await this.#checkRecord(tx, "write");
        const chunks = tx.objectStore("chunks");
        issue(chunks.delete(chunkRange(this.name, keptChunks)));
        if (partial > 0) {
          tail = checkChunk(this.name, await chunks.get([this.name, keptChunks - 1]), partial).slice(0, partial);
          issue(chunks.put(tail, [this.name, keptChunks - 1]));
        }
        issue(tx.objectStore("files").put({ size, chunkBytes: this.chunkBytes }, this.name));
      });
      this.#buffer.clear();
      this.#storedSize = size;
      this.#tail = tail;
    });
  }

  sync(): Promise<void> {
    // Writing transactions are strict, so committing the buffer is all there is to do.
    return this.#queue.run(async () => {
      this.#checkOpen();
      await this.#flush();
    });
  }

  close(): Promise<void> {
    return this.#queue.run(async () => {
      if (this.#closed) return;
      // Closing writes what is buffered. Like close(2), it releases the handle
      // even when that write fails, and reports the failure: the bytes are lost.
      this.#closed = true;
      this.onClose();
      await this.#flush();
    });
  }

  #checkOpen(): void {
    if (this.#closed) throw new StorageError(`file ${this.name} is closed`, this.name);
  }

  /**
   * Fails the transaction unless the file's record still says what this
   * handle committed. Writing needs exactly that; reading only needs the
   * bytes it knows of to be there (another handle may have appended, as a
   * file descriptor would allow).
   */
  async #checkRecord(tx: Transaction<IDBTransactionMode>, use: "read" | "write"): Promise<void> {
    const record = await tx.objectStore("files").get(this.name);
    const current = record !== undefined && record.chunkBytes === this.chunkBytes && (use === "read" ? record.size >= this.#storedSize : record.size === this.#storedSize);
    if (!current) throw new StorageError(`file ${this.name} was deleted, renamed or changed through another handle`, this.name);
  }

  /** Commits the buffer (and `extra`, appended after it) in one transaction. */
  async #flush(extra: Uint8Array = EMPTY): Promise<void> {
    const pending = this.#buffer.view();
    if (pending.length + extra.length === 0) return;
    const chunks = splitIntoChunks([this.#tail, pending, extra], this.chunkBytes);
    const firstChunk = Math.floor(this.#storedSize / this.chunkBytes);
    const size = this.#storedSize + pending.length + extra.length;
    await transact(this.db, "readwrite", this.name, "write", async (tx, issue) => {
      await this.#checkRecord(tx, "write");
      const store = tx.objectStore("chunks");
      chunks.forEach((chunk, i) => issue(store.put(chunk, [this.name, firstChunk + i])));
      issue(tx.objectStore("files").put({ size, chunkBytes: this.chunkBytes }, this.name));
    });
    // Only a committed transaction moves the handle on: after a failure the
    // buffer still holds the bytes and the stored file is unchanged.
    const last = chunks[chunks.length - 1] ?? EMPTY;
    this.#tail = last.length < this.chunkBytes ? last : EMPTY;
    this.#storedSize = size;
    this.#buffer.clear();
  }

  async #readStored(position: number, length: number): Promise<Uint8Array> {
    const first = Math.floor(position / this.chunkBytes);
    const last = Math.floor((position + length - 1) / this.chunkBytes);
    const values = await transact(this.db, "readonly", this.name, "read", async (tx) => {
      const [, chunks] = await Promise.all([
        this.#checkRecord(tx, "read"),
        tx.objectStore("chunks").getAll(IDBKeyRange.bound([this.name, first], [this.name, last])),
      ]);
      return chunks;
    });
    if (values.length !== last - first + 1) throw corrupt(this.name, `expected chunks ${first} to ${last}, found ${values.length}`);
    const out = new Uint8Array(length);
    values.forEach((value, i) => {
      const chunkStart = (first + i) * this.chunkBytes;
      const from = Math.max(position, chunkStart) - chunkStart;
      const to = Math.min(position + length, chunkStart + this.chunkBytes) - chunkStart;
      out.set(checkChunk(this.name, value, to).subarray(from, to), chunkStart + from - position);
    });
    return out;
  }
}

/** Opens the database through `factory`; idb's openDB would always use the global one. */
async function openDatabase(factory: IDBFactory, name: string, readOnly: boolean): Promise<IDBPDatabase<LogSchema>> {
  const request = factory.open(name, SCHEMA_VERSION);
  request.addEventListener("upgradeneeded", (event) => {
    // Read-only creates nothing: aborting the upgrade leaves a missing database missing.
    if (readOnly && event.oldVersion === 0) {
      request.transaction?.abort();
      return;
    }
    if (event.oldVersion < 1) {
      request.result.createObjectStore("files");
      request.result.createObjectStore("chunks");
    }
  });
  const db = (await wrap(request)) as unknown as IDBPDatabase<LogSchema>;
  // An upgrade or deletion elsewhere (another tab) waits for every connection
  // to close: close this one rather than block it. Later calls then fail with
  // a StorageError.
  db.addEventListener("versionchange", () => db.close());
  return db;
}

/**
 * Runs `body` in a transaction over both stores and resolves once the
 * transaction has committed. `body` passes each request it does not await to
 * `issue`, so that a failing request rejects the whole call rather than going
 * unhandled. On any failure the transaction is aborted, and the error is a
 * StorageError (a StorageQuotaError for a full quota).
 */
async function transact<Mode extends "readonly" | "readwrite", T>(
  db: IDBPDatabase<LogSchema>,
  mode: Mode,
  fileName: string,
  action: string,
  body: (tx: Transaction<Mode>, issue: (request: Promise<unknown>) => void) => Promise<T>,
): Promise<T> {
  let tx: Transaction<Mode>;
  try {
    tx = db.transaction(STORES, mode, { durability: mode === "readwrite" ? "strict" : "default" });
  } catch (error) {
    throw toStorageError(error, fileName, action);
  }
  const issued: Promise<unknown>[] = [];
  const issue = (request: Promise<unknown>): void => {
    request.catch(ignore);
    issued.push(request);
  };
  try {
    const result = await body(tx, issue);
    // A failed request's own error arrives before the transaction's generic abort.
    await Promise.all([...issued, tx.done]);
    return result;
  } catch (error) {
    try {
      tx.abort();
    } catch {
      // Already aborted (or, on a failed commit, finished).
    }
    await tx.done.catch(ignore);
    throw toStorageError(error, fileName, action, tx.error);
  }
}

/** Keys of `name`'s chunks from index `from` on. */
function chunkRange(name: string, from = 0): IDBKeyRange {
  return IDBKeyRange.bound([name, from], [name, Infinity]);
}

/** Cuts the concatenation of `parts` into fresh arrays of `chunkBytes` (the last may be shorter). */
function splitIntoChunks(parts: readonly Uint8Array[], chunkBytes: number): Uint8Array[] {
  // Fresh arrays, not views: IndexedDB clones a view's whole underlying buffer.
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const chunks: Uint8Array[] = [];
  for (let start = 0; start < total; start += chunkBytes) chunks.push(new Uint8Array(Math.min(chunkBytes, total - start)));
  let offset = 0;
  for (const part of parts) {
    let used = 0;
    while (used < part.length) {
      const chunk = chunks[Math.floor(offset / chunkBytes)]!;
      const at = offset % chunkBytes;
      const count = Math.min(part.length - used, chunk.length - at);
      chunk.set(part.subarray(used, used + count), at);
      used += count;
      offset += count;
    }
  }
  return chunks;
}

function checkRecord(name: string, record: FileRecord): void {
  if (!Number.isSafeInteger(record.size) || record.size < 0 || !Number.isSafeInteger(record.chunkBytes) || record.chunkBytes < 1) {
    throw corrupt(name, `bad file record ${JSON.stringify(record)}`);
  }
}

/** `value` as a chunk holding at least `minLength` bytes. */
function checkChunk(name: string, value: unknown, minLength: number): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length < minLength) throw corrupt(name, `a chunk is missing or shorter than ${minLength} bytes`);
  return value;
}

function corrupt(name: string, detail: string): StorageError {
  return new StorageError(`file ${name} is damaged in the database: ${detail}`, name);
}


