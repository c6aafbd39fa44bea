// The Storage interface: named append-only files, the only I/O the log does.
// Names are paths with "/" separators ("orders-0/00000000000000000000.log");
// folders exist implicitly. Durability is explicit: appended bytes are
// readable at once but survive a crash only after sync().

import { LoglabError } from "../format/index.ts";

export interface Storage {
  /**
   * A read-only storage never creates, writes, truncates, renames or deletes
   * anything, not even its root: open() of a missing file rejects with
   * FileNotFoundError, and every change with ReadOnlyStorageError.
   */
  readonly readOnly: boolean;
  /**
   * Opens `name` for appending and reading, creating it empty if absent
   * (read-only: only an existing file, whose changes are refused).
   */
  open(name: string): Promise<StorageFile>;
  /** Names of the files whose name starts with `prefix`, sorted. */
  list(prefix?: string): Promise<string[]>;
  exists(name: string): Promise<boolean>;
  /** Deletes `name`; deleting a missing file is not an error. */
  delete(name: string): Promise<void>;
  /** Renames `from` to `to`, replacing `to` if it exists. The rename is durable when it returns. */
  rename(from: string, to: string): Promise<void>;
  /**
   * Takes the one writer lock of this storage's data, held until close(), as
   * Kafka holds a `.lock` in each log dir. `command` names the holder for the
   * message a refused writer sees. Rejects at once with DataDirInUseError while
   * another writer holds it (ReadOnlyStorageError when read-only). Resolves
   * with a note for the user when it took over a lock that a dead process
   * left behind, else with null.
   */
  lock(command: string): Promise<string | null>;
  /** Releases what the storage holds open, and its lock; the files stay. */
  close(): Promise<void>;
}

export interface StorageFile {
  readonly name: string;
  /** Current size in bytes, including appends not yet synced; known without reading. */
  readonly size: number;
  /**
   * Appends bytes at the end. They may sit in a buffer until sync(). The bytes
   * are copied before the returned promise settles, so the caller may reuse
   * its buffer afterwards (not while the append is pending).
   */
  append(bytes: Uint8Array): Promise<void>;
  /** Reads up to `length` bytes from `position` (fewer at the end of the file). */
  read(position: number, length: number): Promise<Uint8Array>;
  /**
   * read(), done off this thread (a thread pool) so that this one goes on working meanwhile: for reads nobody waits
   * on yet (a log's read-ahead). Absent where reads cannot leave this thread; the log then reads nothing ahead.
   * With `into` (at least `length` bytes, not touched until the read settles), the bytes may be read into it: the
   * result is then a view of it, else its own memory.
   */
  readInBackground?(position: number, length: number, into?: Uint8Array): Promise<Uint8Array>;
  /** Cuts the file to `size` bytes (never longer). Durable once synced. */
  truncate(size: number): Promise<void>;
  /** Makes every append and truncate so far durable. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** A storage operation that failed in the environment (disk full, quota, permissions). */
export class StorageError extends LoglabError {
  constructor(
    message: string,
    readonly fileName: string,
    override readonly cause?: unknown,
  ) {
    super("KAFKA_STORAGE_ERROR", message, false);
  }
}

/** open() of a file that does not exist, on a storage that may not create it. */
export class FileNotFoundError extends StorageError {}

/** A change (append, truncate, delete, rename, lock) asked of a read-only storage. */
export class ReadOnlyStorageError extends StorageError {
  constructor(fileName: string, action: string) {
    super(`cannot ${action} ${fileName}: the storage is open read-only`, fileName);
  }
}

/**
 * `file` as a read-only storage hands it out: reads pass through, changes are
 * refused, and sync has nothing to make durable.
 */
export function readOnlyFile(file: StorageFile): StorageFile {
  const refuse = (action: string) => Promise.reject(new ReadOnlyStorageError(file.name, action));
  return {
    name: file.name,
    get size() {
      return file.size;
    },
    read: (position, length) => file.read(position, length),
    ...(file.readInBackground === undefined ? {} : {
      readInBackground: (position: number, length: number, into?: Uint8Array) => file.readInBackground!(position, length, into),
    }),
    append: () => refuse("append to"),
    truncate: () => refuse("truncate"),
    sync: async () => {},
    close: () => file.close(),
  };
}

/** Who holds a data dir's writer lock, as far as the storage can tell. */
export interface LockHolder {
  /** The holding process, when the storage knows it (file systems do, browsers do not). */
  readonly pid: number | null;
  readonly command: string;
  /** When the lock was taken (ISO 8601), or null if unknown. */
  readonly since: string | null;
}

/**
 * A second writer on one data dir, refused at once: two writers would
 * interleave or truncate each other's batches. Not retriable while the
 * holder runs. (Kafka fails to start on a locked log dir the same way.)
 */
export class DataDirInUseError extends LoglabError {
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder | null,
  ) {
    super("DATA_DIR_IN_USE", `data dir ${dataDir} is in use by ${describeHolder(holder)}`);
  }
}

function describeHolder(holder: LockHolder | null): string {
  if (holder === null) return "another writer";
  const who = holder.pid === null ? `another writer (${holder.command})` : `process ${holder.pid} (${holder.command})`;
  return holder.since === null ? who : `${who} since ${holder.since}`;
}

/** The browser refused to store more (QuotaExceededError): nothing of the failed write was kept. */
export class StorageQuotaError extends StorageError {}

/** Throws unless `name` is a relative path of plain segments, as the adapters expect. */
export function checkFileName(name: string): void {
  if (name.length === 0 || name.startsWith("/") || name.split("/").some((part) => part === "" || part === "." || part === "..")) {
    throw new StorageError(`invalid file name "${name}": use relative paths of non-empty segments, no "." or ".."`, name);
  }
}

/** Whether `error` is a DOMException-like error called `name` (e.g. "NotFoundError"). */
export function hasErrorName(error: unknown, name: string): boolean {
  return typeof error === "object" && error !== null && (error as { name?: unknown }).name === name;
}

const isQuotaError = (error: unknown) => hasErrorName(error, "QuotaExceededError");

/**
 * The StorageError for a failed `action` on `fileName`: a StorageQuotaError when
 * the error, or a transaction's own error (a quota failure at commit), is the
 * browser's QuotaExceededError.
 */
export function toStorageError(error: unknown, fileName: string, action: string, transactionError?: unknown): StorageError {
  if (error instanceof StorageError) return error;
  const message = `${action} ${fileName} failed: ${error instanceof Error ? error.message : String(error)}`;
  if (isQuotaError(error)) return new StorageQuotaError(message, fileName, error);
  if (isQuotaError(transactionError)) return new StorageQuotaError(message, fileName, transactionError);
  return new StorageError(message, fileName, error);
}
