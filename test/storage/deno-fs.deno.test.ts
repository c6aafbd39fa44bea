// The Deno filesystem adapter against the conformance suite, in a fresh
// temporary folder per test, and the on-disk layout it shares with the Node
// adapter.

import { afterAll, describe, expect, it } from "vitest";
import { StorageError } from "../../src/storage/index.ts";
import { DenoFsStorage } from "../../src/storage/deno-fs.ts";
import { logConformance } from "../log/log-conformance.ts";
import { storageConformance } from "./conformance.ts";

declare const Deno: {
  makeTempDirSync(options?: { prefix?: string }): string;
  readFileSync(path: string): Uint8Array;
  statSync(path: string): { readonly size: number };
  removeSync(path: string, options?: { recursive?: boolean }): void;
};

const folders: string[] = [];
function freshFolder(): string {
  const folder = Deno.makeTempDirSync({ prefix: "loglab-storage-" });
  folders.push(folder);
  return folder;
}

afterAll(() => {
  for (const folder of folders) Deno.removeSync(folder, { recursive: true });
});

storageConformance("deno fs", async () => {
  const root = freshFolder();
  return { storage: new DenoFsStorage(root), reopen: async () => new DenoFsStorage(root) };
});

describe("deno fs storage", () => {
  it("keeps files in Kafka's layout: a name's folders are real directories under the root", async () => {
    const root = freshFolder();
    const storage = new DenoFsStorage(root);
    const file = await storage.open("orders-0/00000000000000000000.log");
    await file.append(Uint8Array.of(1, 2, 3));
    await file.sync();
    expect(Deno.readFileSync(`${root}/orders-0/00000000000000000000.log`)).toEqual(Uint8Array.of(1, 2, 3));
    await storage.rename("orders-0/00000000000000000000.log", "orders-1/00000000000000000000.log");
    expect(Deno.readFileSync(`${root}/orders-1/00000000000000000000.log`)).toEqual(Uint8Array.of(1, 2, 3));
    expect(await storage.list()).toEqual(["orders-1/00000000000000000000.log"]);
  });

  it("holds appends in its buffer until sync, and writes them there", async () => {
    const root = freshFolder();
    const file = await new DenoFsStorage(root).open("t-0/a.log");
    await file.append(new Uint8Array(1000).fill(7));
    expect(Deno.statSync(`${root}/t-0/a.log`).size).toBe(0);
    await file.sync();
    expect(Deno.statSync(`${root}/t-0/a.log`).size).toBe(1000);
    await file.close();
  });

  it("writes what is buffered on close, and refuses use after it", async () => {
    const root = freshFolder();
    const storage = new DenoFsStorage(root);
    const file = await storage.open("t-0/a.log");
    await file.append(Uint8Array.of(4, 5));
    await file.close();
    expect(Deno.readFileSync(`${root}/t-0/a.log`)).toEqual(Uint8Array.of(4, 5));
    await expect(file.append(Uint8Array.of(6))).rejects.toBeInstanceOf(StorageError);
    await expect(file.read(0, 2)).rejects.toBeInstanceOf(StorageError);
  });

  it("reports a rename of a missing file as a StorageError", async () => {
    const storage = new DenoFsStorage(freshFolder());
    await expect(storage.rename("t-0/missing.log", "t-0/x.log")).rejects.toBeInstanceOf(StorageError);
  });
});

logConformance("deno fs", async () => {
  const root = freshFolder();
  return { storage: new DenoFsStorage(root), reopen: async () => new DenoFsStorage(root) };
});
