// A dedicated worker that serves OpfsStorage calls from the test page (see
// opfs-worker-client.ts). Here OpfsStorage picks sync access handles, the
// path the main thread cannot take.

import { DataDirInUseError, StorageError, type StorageFile, StorageQuotaError } from "../../src/storage/index.ts";
import { OpfsStorage } from "../../src/storage/opfs.ts";
import { type WorkerCall, WORKER_READY, type WorkerRequest, type WorkerResponse } from "./opfs-worker-client.ts";

const storages = new Map<number, OpfsStorage>();
const files = new Map<number, StorageFile>();
let nextId = 1;

// Quota failures on demand: the browser will not fill up for a test, so a
// write that should fail writes half its bytes (the worst case a real
// failure could leave) and throws what the browser throws.
interface WritableSyncHandle {
  write(buffer: Uint8Array, options: { at: number }): number;
}
const syncHandle = (globalThis as unknown as { FileSystemSyncAccessHandle: { prototype: WritableSyncHandle } }).FileSystemSyncAccessHandle.prototype;
const write = syncHandle.write;
let failingWrites = 0;
syncHandle.write = function (this: WritableSyncHandle, buffer, options) {
  if (failingWrites === 0) return write.call(this, buffer, options);
  failingWrites--;
  write.call(this, buffer.subarray(0, buffer.length >> 1), options);
  throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
};

function lookUp<T>(map: Map<number, T>, id: number): T {
  const found = map.get(id);
  if (found === undefined) throw new Error(`no object ${id} in the worker`);
  return found;
}

async function serve(call: WorkerCall): Promise<{ value: unknown; size?: number }> {
  switch (call.kind) {
    case "openStorage": {
      const storage = await OpfsStorage.open({ directory: call.directory, readOnly: call.readOnly ?? false });
      const id = nextId++;
      storages.set(id, storage);
      return { value: { storage: id, access: storage.access } };
    }
    case "storage": {
      const storage = lookUp(storages, call.storage);
      const [first = "", second = ""] = call.args;
      switch (call.method) {
        case "open": {
          const file = await storage.open(first);
          const id = nextId++;
          files.set(id, file);
          return { value: { file: id, size: file.size } };
        }
        case "list":
          return { value: await storage.list(...(call.args.length === 0 ? [] : [first])) };
        case "exists":
          return { value: await storage.exists(first) };
        case "delete":
          return { value: await storage.delete(first) };
        case "rename":
          return { value: await storage.rename(first, second) };
        case "lock":
          return { value: await storage.lock(first) };
        case "close":
          return { value: await storage.close() };
      }
      break;
    }
    case "file": {
      const file = lookUp(files, call.file);
      const [first = 0, second = 0] = call.args;
      const number = (value: number | Uint8Array) => value as number;
      switch (call.method) {
        case "append":
          await file.append(first as Uint8Array);
          return { value: undefined, size: file.size };
        case "read":
          return { value: await file.read(number(first), number(second)), size: file.size };
        case "truncate":
          await file.truncate(number(first));
          return { value: undefined, size: file.size };
        case "sync":
          await file.sync();
          return { value: undefined, size: file.size };
        case "close":
          await file.close();
          return { value: undefined, size: file.size };
      }
      break;
    }
    case "failWrites":
      failingWrites = call.count;
      return { value: undefined };
  }
}

addEventListener("message", (event: MessageEvent<WorkerRequest>) => {
  const { id } = event.data;
  void serve(event.data).then(
    (result): WorkerResponse => ({ id, ok: true, ...result }),
    (error: unknown): WorkerResponse => ({
      id,
      ok: false,
      error: {
        kind: error instanceof StorageQuotaError ? "quota" : error instanceof StorageError ? "storage" : error instanceof DataDirInUseError ? "in-use" : "other",
        message: error instanceof Error ? error.message : String(error),
      },
    }),
  ).then((response) => postMessage(response));
});

postMessage(WORKER_READY);
