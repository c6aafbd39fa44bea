// What the IndexedDB adapter promises beyond the shared contract: one
// transaction per flush, failed transactions that change nothing, its chunk
// layout, and handles that notice their file has gone. Run against
// fake-indexeddb in Node and against the real IndexedDB in Chromium.

import { type IDBPDatabase, wrap } from "idb";
import { afterEach, describe, expect, it, vi } from "vitest";
import { StorageError, StorageQuotaError } from "../../src/storage/index.ts";
import { IndexedDbStorage, type IndexedDbStorageOptions } from "../../src/storage/indexeddb.ts";
import { concat, pattern } from "../support/bytes.ts";

export interface FreshDatabase {
  readonly databaseName: string;
  readonly indexedDB: IDBFactory;
}

/**
 * Compares byte arrays of any size quickly (toEqual walks a typed array
 * element by element, which takes seconds at this size), reporting the first
 * difference.
 */
function expectBytes(actual: Uint8Array, expected: Uint8Array): void {
  let firstDifference = -1;
  const common = Math.min(actual.length, expected.length);
  for (let i = 0; i < common && firstDifference < 0; i++) if (actual[i] !== expected[i]) firstDifference = i;
  expect({ length: actual.length, firstDifference }).toEqual({ length: expected.length, firstDifference: -1 });
}

/** The lengths of `fileName`'s stored chunks in key order, read past the adapter. */
async function storedChunkLengths(fresh: FreshDatabase, fileName: string): Promise<number[]> {
  const db = (await wrap(fresh.indexedDB.open(fresh.databaseName))) as unknown as IDBPDatabase;
  try {
    const chunks = (await db.getAll("chunks", IDBKeyRange.bound([fileName, 0], [fileName, Infinity]))) as Uint8Array[];
    return chunks.map((chunk) => chunk.length);
  } finally {
    db.close();
  }
}

export function indexedDbCases(freshDatabase: () => FreshDatabase): void {
  const openStorage = (fresh: FreshDatabase, options: IndexedDbStorageOptions = {}) =>
    IndexedDbStorage.open(fresh.databaseName, { indexedDB: fresh.indexedDB, ...options });

  describe("indexeddb storage", () => {
    afterEach(() => {
      vi.restoreAllMocks();
    });

    it("writes many appends in one transaction, at sync", async () => {
      const fresh = freshDatabase();
      const storage = await openStorage(fresh);
      const file = await storage.open("t-0/a.log");
      const transaction = vi.spyOn(IDBDatabase.prototype, "transaction");
      const writes = () => transaction.mock.calls.filter((call) => call[1] === "readwrite").length;
      for (let i = 0; i < 1000; i++) await file.append(pattern(100, i));
      expect(await file.read(99_950, 100)).toEqual(pattern(100, 999).subarray(50));
      expect(writes()).toBe(0);
      await file.sync();
      expect(writes()).toBe(1);
      await file.sync(); // nothing pending: no transaction
      expect(writes()).toBe(1);
      await storage.close();
    });

    it("reports a quota failure as StorageQuotaError, changes nothing, and keeps the bytes pending", async () => {
      const fresh = freshDatabase();
      const storage = await openStorage(fresh);
      const file = await storage.open("t-0/a.log");
      const synced = pattern(100_000, 1);
      const pending = pattern(200_000, 2);
      await file.append(synced);
      await file.sync();
      await file.append(pending);

      // The browser refuses the third put of the flush, after two went in.
      const put = IDBObjectStore.prototype.put;
      let puts = 0;
      vi.spyOn(IDBObjectStore.prototype, "put").mockImplementation(function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore["put"]>) {
        if (++puts === 3) throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
        return put.apply(this, args);
      });
      await expect(file.sync()).rejects.toBeInstanceOf(StorageQuotaError);
      vi.restoreAllMocks();

      expect(file.size).toBe(300_000);
      expectBytes(await file.read(0, 300_000), concat(synced, pending));
      const other = await openStorage(fresh);
      const seen = await other.open("t-0/a.log");
      expect(seen.size).toBe(100_000);
      expectBytes(await seen.read(0, 300_000), synced);
      await other.close();
      expect(await storedChunkLengths(fresh, "t-0/a.log")).toEqual([65536, 100_000 - 65536]);

      // The pending bytes were kept: a retry commits them.
      await file.sync();
      await storage.close();
      const again = await (await openStorage(fresh)).open("t-0/a.log");
      expect(again.size).toBe(300_000);
      expectBytes(await again.read(0, 300_000), concat(synced, pending));
    });

    it("reports a transaction that aborts after its writes as StorageError, and rolls them back", async () => {
      const fresh = freshDatabase();
      const storage = await openStorage(fresh);
      const file = await storage.open("t-0/a.log");
      await file.append(pattern(70_000, 3));
      await file.sync();
      await file.append(pattern(150_000, 4));

      // Every chunk put has succeeded when the size record's put does; then the transaction aborts.
      const put = IDBObjectStore.prototype.put;
      vi.spyOn(IDBObjectStore.prototype, "put").mockImplementation(function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore["put"]>) {
        const request = put.apply(this, args);
        if (this.name === "files") request.addEventListener("success", () => this.transaction.abort());
        return request;
      });
      const failure = await file.sync().then(
        () => undefined,
        (error: unknown) => error,
      );
      vi.restoreAllMocks();
      expect(failure).toBeInstanceOf(StorageError);
      expect(failure).not.toBeInstanceOf(StorageQuotaError);

      expect(file.size).toBe(220_000);
      const other = await openStorage(fresh);
      const seen = await other.open("t-0/a.log");
      expect(seen.size).toBe(70_000);
      expectBytes(await seen.read(0, 220_000), pattern(70_000, 3));
      await other.close();
      expect(await storedChunkLengths(fresh, "t-0/a.log")).toEqual([65536, 70_000 - 65536]);
      await storage.close();
    });

    it("stores a file as fixed-size chunks; a truncate shortens the last kept one and drops the rest", async () => {
      const fresh = freshDatabase();
      const storage = await openStorage(fresh, { chunkBytes: 10 });
      const file = await storage.open("t-0/a.log");
      const data = pattern(35, 5);
      await file.append(data);
      await file.sync();
      expect(await storedChunkLengths(fresh, "t-0/a.log")).toEqual([10, 10, 10, 5]);
      await file.truncate(14);
      expect(await storedChunkLengths(fresh, "t-0/a.log")).toEqual([10, 4]);
      await file.append(pattern(10, 6));
      await file.sync();
      expect(await storedChunkLengths(fresh, "t-0/a.log")).toEqual([10, 10, 4]);
      await storage.close();
      const again = await (await openStorage(fresh)).open("t-0/a.log");
      expect(await again.read(0, 100)).toEqual(concat(data.subarray(0, 14), pattern(10, 6)));
    });

    it("keeps the chunk size a file was created with when reopened with another", async () => {
      const fresh = freshDatabase();
      const small = await openStorage(fresh, { chunkBytes: 10 });
      const file = await small.open("t-0/a.log");
      await file.append(pattern(25, 7));
      await small.close();

      const storage = await openStorage(fresh);
      const again = await storage.open("t-0/a.log");
      await again.append(pattern(20, 8));
      await again.sync();
      expect(await again.read(0, 100)).toEqual(concat(pattern(25, 7), pattern(20, 8)));
      expect(await storedChunkLengths(fresh, "t-0/a.log")).toEqual([10, 10, 10, 10, 5]);
      const other = await storage.open("t-0/b.log");
      await other.append(pattern(45, 9));
      await other.sync();
      expect(await storedChunkLengths(fresh, "t-0/b.log")).toEqual([45]);
      await storage.close();
    });

    it("refuses to write through a handle whose file was deleted or renamed", async () => {
      const fresh = freshDatabase();
      const storage = await openStorage(fresh);
      const deleted = await storage.open("t-0/a.log");
      await deleted.append(pattern(10, 1));
      await deleted.sync();
      await storage.delete("t-0/a.log");
      await deleted.append(pattern(10, 2));
      await expect(deleted.sync()).rejects.toThrow(/deleted, renamed or changed/);
      expect(await storage.exists("t-0/a.log")).toBe(false);
      // Closing releases the handle and reports that its bytes could not be written.
      await expect(deleted.close()).rejects.toBeInstanceOf(StorageError);
      await expect(deleted.sync()).rejects.toThrow(/closed/);

      const renamed = await storage.open("t-0/b.log");
      await renamed.append(pattern(10, 3));
      await renamed.sync();
      await storage.rename("t-0/b.log", "t-0/c.log");
      await expect(renamed.read(0, 10)).rejects.toBeInstanceOf(StorageError);
      await renamed.truncate(5).then(
        () => expect.unreachable("truncate through a stale handle succeeded"),
        (error: unknown) => expect(error).toBeInstanceOf(StorageError),
      );
      expect(await storage.list("t-0/")).toEqual(["t-0/c.log"]);
      expect(await (await storage.open("t-0/c.log")).read(0, 20)).toEqual(pattern(10, 3));
      await storage.close();
    });

    it("lets a second handle read what it knew of after another appends, but not write", async () => {
      const fresh = freshDatabase();
      const storage = await openStorage(fresh, { chunkBytes: 8 });
      const writer = await storage.open("t-0/a.log");
      await writer.append(pattern(20, 1));
      await writer.sync();
      const reader = await storage.open("t-0/a.log");
      await writer.append(pattern(20, 2));
      await writer.sync();
      expect(reader.size).toBe(20);
      expect(await reader.read(0, 100)).toEqual(pattern(20, 1));
      await reader.append(pattern(5, 3));
      await expect(reader.sync()).rejects.toThrow(/changed through another handle/);
      expect(await (await storage.open("t-0/a.log")).read(0, 100)).toEqual(concat(pattern(20, 1), pattern(20, 2)));
      await expect(reader.close()).rejects.toBeInstanceOf(StorageError);
      await storage.close();
    });

    it("rename replaces the target's chunks and keeps none of the old name's", async () => {
      const fresh = freshDatabase();
      const storage = await openStorage(fresh, { chunkBytes: 4 });
      const target = await storage.open("t-0/old.log");
      await target.append(pattern(30, 1));
      await target.close();
      const source = await storage.open("t-0/new.cleaned");
      await source.append(pattern(9, 2));
      await source.close();
      await storage.rename("t-0/new.cleaned", "t-0/old.log");
      expect(await storedChunkLengths(fresh, "t-0/old.log")).toEqual([4, 4, 1]);
      expect(await storedChunkLengths(fresh, "t-0/new.cleaned")).toEqual([]);
      expect(await (await storage.open("t-0/old.log")).read(0, 100)).toEqual(pattern(9, 2));
      await expect(storage.rename("t-0/missing.log", "t-0/x.log")).rejects.toBeInstanceOf(StorageError);
      await storage.close();
    });

    it("writes what is buffered when the storage closes", async () => {
      const fresh = freshDatabase();
      const storage = await openStorage(fresh);
      const file = await storage.open("t-0/a.log");
      await file.append(pattern(1000, 4));
      await storage.close();
      await expect(file.append(pattern(1, 1))).rejects.toBeInstanceOf(StorageError);
      const again = await (await openStorage(fresh)).open("t-0/a.log");
      expect(await again.read(0, 2000)).toEqual(pattern(1000, 4));
    });
  });
}
