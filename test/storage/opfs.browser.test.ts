// The OPFS adapter in Chromium: the main thread's async path, and the
// sync-access-handle path in a dedicated worker (driven through
// opfs-worker-client.ts), each through the conformance suite. Every storage
// gets its own folder under one per-run folder, removed at the end.

import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { StorageError, StorageQuotaError } from "../../src/storage/index.ts";
import { OpfsStorage } from "../../src/storage/opfs.ts";
import { logConformance } from "../log/log-conformance.ts";
import { storageConformance } from "./conformance.ts";
import { OpfsWorker } from "./opfs-worker-client.ts";
import { concat, pattern } from "../support/bytes.ts";

const runFolder = `loglab-test-${crypto.randomUUID()}`;
const freshDirectory = () => `${runFolder}/${crypto.randomUUID()}`;

let worker: OpfsWorker | undefined;
const opfsWorker = () => (worker ??= new OpfsWorker());

afterAll(async () => {
  worker?.terminate();
  const root = await navigator.storage.getDirectory();
  await root.removeEntry(runFolder, { recursive: true }).catch(() => {});
});

storageConformance("opfs (main thread, async API)", async () => {
  const directory = freshDirectory();
  return { storage: await OpfsStorage.open({ directory }), reopen: () => OpfsStorage.open({ directory }) };
});

storageConformance("opfs (dedicated worker, sync access handles)", async () => {
  const directory = freshDirectory();
  return { storage: await opfsWorker().openStorage(directory), reopen: () => opfsWorker().openStorage(directory) };
});

describe("opfs storage", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("takes the async path on the main thread and sync access handles in a worker", async () => {
    expect((await OpfsStorage.open({ directory: freshDirectory() })).access).toBe("async");
    expect((await opfsWorker().openStorage(freshDirectory())).access).toBe("sync");
    await expect(OpfsStorage.open({ directory: freshDirectory(), access: "sync" })).rejects.toBeInstanceOf(StorageError);
  });

  it("keeps a file's folders as nested directories of the storage's directory", async () => {
    const directory = freshDirectory();
    const storage = await OpfsStorage.open({ directory });
    const file = await storage.open("t-0/sub/a.log");
    await file.append(Uint8Array.of(1, 2, 3));
    await file.close();
    let folder = await navigator.storage.getDirectory();
    for (const part of `${directory}/t-0/sub`.split("/")) folder = await folder.getDirectoryHandle(part);
    const raw = await (await folder.getFileHandle("a.log")).getFile();
    expect(new Uint8Array(await raw.arrayBuffer())).toEqual(Uint8Array.of(1, 2, 3));
    expect(await storage.list()).toEqual(["t-0/sub/a.log"]);
    expect(await storage.list("t-0/s")).toEqual(["t-0/sub/a.log"]);
    expect(await storage.list("t-0/sub/b")).toEqual([]);
  });

  it("async path: a quota failure leaves the file as it was and keeps the bytes pending", async () => {
    const directory = freshDirectory();
    const storage = await OpfsStorage.open({ directory });
    const file = await storage.open("t-0/a.log");
    const synced = pattern(3000, 1);
    const pending = pattern(5000, 2);
    await file.append(synced);
    await file.sync();
    await file.append(pending);

    // The write reaches the writable's copy of the file, then the browser refuses.
    const write = FileSystemWritableFileStream.prototype.write;
    vi.spyOn(FileSystemWritableFileStream.prototype, "write").mockImplementationOnce(async function (this: FileSystemWritableFileStream, data) {
      await write.call(this, data);
      throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
    });
    await expect(file.sync()).rejects.toBeInstanceOf(StorageQuotaError);

    expect(file.size).toBe(8000);
    expect(await file.read(0, 8000)).toEqual(concat(synced, pending));
    const seen = await (await OpfsStorage.open({ directory })).open("t-0/a.log");
    expect(seen.size).toBe(3000);
    expect(await seen.read(0, 8000)).toEqual(synced);

    await file.sync();
    const after = await (await OpfsStorage.open({ directory })).open("t-0/a.log");
    expect(await after.read(0, 8000)).toEqual(concat(synced, pending));
  });

  it("sync path: a quota failure that wrote half its bytes leaves the file as it was, and a retry succeeds", async () => {
    const directory = freshDirectory();
    const storage = await opfsWorker().openStorage(directory);
    const file = await storage.open("t-0/a.log");
    const synced = pattern(3000, 3);
    const pending = pattern(5000, 4);
    await file.append(synced);
    await file.sync();
    await file.append(pending);

    await opfsWorker().call({ kind: "failWrites", count: 1 });
    await expect(file.sync()).rejects.toBeInstanceOf(StorageQuotaError);
    expect(file.size).toBe(8000);
    expect(await file.read(0, 8000)).toEqual(concat(synced, pending));
    // Closing while writes still fail releases the file and reports the loss.
    await opfsWorker().call({ kind: "failWrites", count: 1 });
    await expect(file.close()).rejects.toBeInstanceOf(StorageQuotaError);

    const reopened = await (await opfsWorker().openStorage(directory)).open("t-0/a.log");
    expect(reopened.size).toBe(3000);
    expect(await reopened.read(0, 8000)).toEqual(synced);
    await reopened.append(pending);
    await opfsWorker().call({ kind: "failWrites", count: 1 });
    await expect(reopened.sync()).rejects.toBeInstanceOf(StorageQuotaError);
    await reopened.sync();
    await reopened.close();
    const after = await (await opfsWorker().openStorage(directory)).open("t-0/a.log");
    expect(await after.read(0, 8000)).toEqual(concat(synced, pending));
    await after.close();
  });

  it("sync path: a file is locked while open, and storage.close() releases it", async () => {
    const directory = freshDirectory();
    const storage = await opfsWorker().openStorage(directory);
    const file = await storage.open("t-0/a.log");
    await file.append(Uint8Array.of(7, 7));
    await expect(storage.open("t-0/a.log")).rejects.toBeInstanceOf(StorageError);
    await expect(storage.delete("t-0/a.log")).rejects.toBeInstanceOf(StorageError);
    await storage.close();
    await expect(file.read(0, 2)).rejects.toThrow(/closed/);
    const again = await (await opfsWorker().openStorage(directory)).open("t-0/a.log");
    expect(await again.read(0, 9)).toEqual(Uint8Array.of(7, 7));
    await again.close();
  });
});

logConformance("opfs (main thread, async API)", async () => {
  const directory = freshDirectory();
  return { storage: await OpfsStorage.open({ directory }), reopen: () => OpfsStorage.open({ directory }) };
});
