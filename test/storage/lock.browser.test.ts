// One writer per data dir in Chromium: IndexedDB and OPFS hold a Web Lock
// named after the database or folder, which every tab and worker of the
// origin sees. A second opener, in this page or in a worker standing in for
// another tab, is refused at once; read-only opening changes nothing.

import { deleteDB } from "idb";
import { afterAll, describe, expect, it } from "vitest";
import { DataDirInUseError } from "../../src/storage/index.ts";
import { IndexedDbStorage } from "../../src/storage/indexeddb.ts";
import { OpfsStorage } from "../../src/storage/opfs.ts";
import { lockConformance } from "./lock-conformance.ts";
import type { LockAttempt, LockAttemptResult } from "./lock-worker.ts";
import { OpfsWorker } from "./opfs-worker-client.ts";

const databases: string[] = [];
const freshDatabase = () => {
  const name = `loglab-lock-${crypto.randomUUID()}`;
  databases.push(name);
  return name;
};
const runFolder = `loglab-lock-test-${crypto.randomUUID()}`;
const freshDirectory = () => `${runFolder}/${crypto.randomUUID()}`;
let opfsWorker: OpfsWorker | undefined;

afterAll(async () => {
  opfsWorker?.terminate();
  await Promise.all(databases.map((name) => deleteDB(name)));
  const root = await navigator.storage.getDirectory();
  await root.removeEntry(runFolder, { recursive: true }).catch(() => {});
});

/** Asks a fresh dedicated worker (another agent of this origin, as another tab is) to take the lock. */
async function lockFromWorker(attempt: LockAttempt): Promise<LockAttemptResult> {
  const worker = new Worker(new URL("./lock-worker.ts", import.meta.url), { type: "module" });
  try {
    return await new Promise<LockAttemptResult>((resolve, reject) => {
      worker.addEventListener("message", (event: MessageEvent<LockAttemptResult | "ready">) => {
        if (event.data === "ready") worker.postMessage(attempt);
        else resolve(event.data);
      });
      worker.addEventListener("error", (event) => reject(new Error(`lock worker failed: ${event.message}`)));
    });
  } finally {
    worker.terminate();
  }
}

lockConformance("indexeddb (Chromium)", async () => {
  const name = freshDatabase();
  await (await IndexedDbStorage.open(name)).close();
  return { writer: () => IndexedDbStorage.open(name), reader: () => IndexedDbStorage.open(name, { readOnly: true }) };
});

lockConformance("opfs (Chromium main thread)", async () => {
  const directory = freshDirectory();
  await (await OpfsStorage.open({ directory })).close();
  return { writer: () => OpfsStorage.open({ directory }), reader: () => OpfsStorage.open({ directory, readOnly: true }) };
});

describe("a second tab on one store", () => {
  it("is refused the IndexedDB database this page writes, naming the holder, and admitted after close", async () => {
    const name = freshDatabase();
    const page = await IndexedDbStorage.open(name);
    await page.lock("loglab web app");
    const refused = await lockFromWorker({ store: "indexeddb", name });
    expect(refused).toMatchObject({ refused: true, inUse: true });
    expect(refused.message).toMatch(new RegExp(`^data dir ${name} is in use by another writer \\(loglab web app in another page or worker of this origin\\) since `));
    await page.close();
    expect(await lockFromWorker({ store: "indexeddb", name })).toMatchObject({ refused: false });
  });

  it("is refused the OPFS folder this page writes", async () => {
    const directory = freshDirectory();
    const page = await OpfsStorage.open({ directory });
    await page.lock("loglab web app");
    expect(await lockFromWorker({ store: "opfs", name: directory })).toMatchObject({ refused: true, inUse: true });
    await page.close();
    expect(await lockFromWorker({ store: "opfs", name: directory })).toMatchObject({ refused: false });
  });

  it("cannot lock an OPFS folder a worker writes through sync access handles, nor open its open files", async () => {
    const directory = freshDirectory();
    opfsWorker ??= new OpfsWorker();
    const inWorker = await opfsWorker.openStorage(directory);
    expect(inWorker.access).toBe("sync");
    await inWorker.lock("loglab worker");
    const file = await inWorker.open("t-0/00000000000000000000.log");
    await file.append(new Uint8Array([1, 2, 3]));
    await file.sync();
    const page = await OpfsStorage.open({ directory });
    await expect(page.lock("loglab web app")).rejects.toBeInstanceOf(DataDirInUseError);
    await page.close();
    // A second sync handle on the open file fails in the browser; the storage says why.
    const second = await opfsWorker.openStorage(directory);
    await expect(second.open("t-0/00000000000000000000.log")).rejects.toThrow(/^data dir .* is in use by another writer \(a page or worker of this origin that has t-0\/00000000000000000000.log open\)$/);
    await second.close();
    // A reader in the page reads the file the worker holds open.
    const reader = await OpfsStorage.open({ directory, readOnly: true });
    const read = await reader.open("t-0/00000000000000000000.log");
    expect(Array.from(await read.read(0, 3))).toEqual([1, 2, 3]);
    await reader.close();
    await file.close();
    await inWorker.close();
  });
});
