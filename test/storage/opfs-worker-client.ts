// The page's side of opfs-worker.ts: a Storage whose every call runs in a
// dedicated worker, where OpfsStorage takes the sync-access-handle path. The
// conformance suite runs through it unchanged.

import { DataDirInUseError, type Storage, StorageError, type StorageFile, StorageQuotaError } from "../../src/storage/index.ts";
import type { OpfsAccess } from "../../src/storage/opfs.ts";

export type StorageMethod = "open" | "list" | "exists" | "delete" | "rename" | "lock" | "close";
export type FileMethod = "append" | "read" | "truncate" | "sync" | "close";

/** What the page asks of the worker. */
export type WorkerCall =
  | { readonly kind: "openStorage"; readonly directory: string; readonly readOnly?: boolean }
  | { readonly kind: "storage"; readonly storage: number; readonly method: StorageMethod; readonly args: readonly string[] }
  | { readonly kind: "file"; readonly file: number; readonly method: FileMethod; readonly args: readonly (number | Uint8Array)[] }
  /** Makes the next `count` sync-access-handle writes write half their bytes, then throw QuotaExceededError. */
  | { readonly kind: "failWrites"; readonly count: number };

export type WorkerRequest = WorkerCall & { readonly id: number };

export type WorkerResponse =
  | { readonly id: number; readonly ok: true; readonly value: unknown; readonly size?: number }
  | { readonly id: number; readonly ok: false; readonly error: { readonly kind: "quota" | "storage" | "in-use" | "other"; readonly message: string } };

/** The worker's first message: its listener is in place. */
export const WORKER_READY = "ready";

export class OpfsWorker {
  readonly #worker = new Worker(new URL("./opfs-worker.ts", import.meta.url), { type: "module" });
  readonly #waiting = new Map<number, { resolve: (response: WorkerResponse) => void; reject: (error: Error) => void }>();
  readonly #ready: Promise<void>;
  #nextId = 1;

  constructor() {
    // A module worker can miss messages sent while its imports still load, so calls wait for it to say it is ready.
    this.#ready = new Promise((resolve, reject) => {
      this.#worker.addEventListener("message", (event: MessageEvent<WorkerResponse | typeof WORKER_READY>) => {
        if (event.data === WORKER_READY) return resolve();
        this.#waiting.get(event.data.id)?.resolve(event.data);
        this.#waiting.delete(event.data.id);
      });
      // A worker that fails to load or throws fails every call, rather than leaving them to time out.
      this.#worker.addEventListener("error", (event) => {
        const error = new Error(`OPFS test worker failed: ${event.message}`);
        reject(error);
        for (const waiting of this.#waiting.values()) waiting.reject(error);
        this.#waiting.clear();
      });
    });
  }

  /** Runs `call` in the worker; a failure there rejects with the same kind of error here. */
  async call(call: WorkerCall): Promise<{ value: unknown; size?: number }> {
    await this.#ready;
    const id = this.#nextId++;
    const response = await new Promise<WorkerResponse>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      this.#worker.postMessage({ ...call, id } satisfies WorkerRequest);
    });
    if (response.ok) return response;
    const { kind, message } = response.error;
    if (kind === "quota") throw new StorageQuotaError(message, "");
    // The message already names the holder; the class is what callers test.
    if (kind === "in-use") throw Object.assign(new DataDirInUseError("", null), { message });
    if (kind === "storage") throw new StorageError(message, "");
    throw new Error(message);
  }

  async openStorage(directory: string, readOnly = false): Promise<WorkerStorage> {
    const { value } = await this.call({ kind: "openStorage", directory, readOnly });
    const { storage, access } = value as { storage: number; access: OpfsAccess };
    return new WorkerStorage(this, storage, access, readOnly);
  }

  terminate(): void {
    this.#worker.terminate();
  }
}

export class WorkerStorage implements Storage {
  constructor(
    private readonly worker: OpfsWorker,
    private readonly id: number,
    /** The access path the OpfsStorage in the worker chose. */
    readonly access: OpfsAccess,
    readonly readOnly: boolean,
  ) {}

  async #call(method: StorageMethod, ...args: string[]): Promise<unknown> {
    return (await this.worker.call({ kind: "storage", storage: this.id, method, args })).value;
  }

  async open(name: string): Promise<StorageFile> {
    const { file, size } = (await this.#call("open", name)) as { file: number; size: number };
    return new WorkerFile(this.worker, file, name, size);
  }

  async list(prefix?: string): Promise<string[]> {
    return (await this.#call("list", ...(prefix === undefined ? [] : [prefix]))) as string[];
  }

  async exists(name: string): Promise<boolean> {
    return (await this.#call("exists", name)) as boolean;
  }

  async delete(name: string): Promise<void> {
    await this.#call("delete", name);
  }

  async rename(from: string, to: string): Promise<void> {
    await this.#call("rename", from, to);
  }

  async lock(command: string): Promise<string | null> {
    return (await this.#call("lock", command)) as string | null;
  }

  async close(): Promise<void> {
    await this.#call("close");
  }
}

class WorkerFile implements StorageFile {
  // The worker reports the size after every call; the suite awaits each call
  // before it reads `size`, so this copy is current whenever it is read.
  #size: number;

  constructor(
    private readonly worker: OpfsWorker,
    private readonly id: number,
    readonly name: string,
    size: number,
  ) {
    this.#size = size;
  }

  get size(): number {
    return this.#size;
  }

  async #call(method: FileMethod, ...args: (number | Uint8Array)[]): Promise<unknown> {
    const { value, size } = await this.worker.call({ kind: "file", file: this.id, method, args });
    if (size !== undefined) this.#size = size;
    return value;
  }

  async append(bytes: Uint8Array): Promise<void> {
    await this.#call("append", bytes);
  }

  async read(position: number, length: number): Promise<Uint8Array> {
    return (await this.#call("read", position, length)) as Uint8Array;
  }

  async truncate(size: number): Promise<void> {
    await this.#call("truncate", size);
  }

  async sync(): Promise<void> {
    await this.#call("sync");
  }

  async close(): Promise<void> {
    await this.#call("close");
  }
}
