// Real IndexedDB refusing a write (QuotaExceededError from the object store,
// as Chromium raises when the origin is full): sync() rejects with a
// StorageQuotaError, the stored file is unchanged, and once space is back
// the same handle saves everything it still holds.

import { afterEach, expect, it } from "vitest";
import { StorageQuotaError } from "../../src/index.ts";
import { IndexedDbStorage } from "../../src/storage/indexeddb.ts";

const originalPut = IDBObjectStore.prototype.put;
let quotaExceeded = false;
IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore["put"]>) {
  if (quotaExceeded && this.name === "chunks") throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
  return originalPut.apply(this, args);
};
afterEach(() => {
  quotaExceeded = false;
});

it("a sync refused for quota rejects with StorageQuotaError, keeps what was stored, and succeeds once space is back", async () => {
  const storage = await IndexedDbStorage.open(`quota-${Math.random()}`);
  const file = await storage.open("orders-0/00000000000000000000.log");
  await file.append(new Uint8Array([1, 2, 3]));
  await file.sync();
  quotaExceeded = true;
  await file.append(new Uint8Array([4, 5]));
  await expect(file.sync()).rejects.toThrow(StorageQuotaError);
  quotaExceeded = false;
  await file.sync();
  expect(Array.from(await file.read(0, 10))).toEqual([1, 2, 3, 4, 5]);
  await storage.close();
});
