// The Node filesystem adapter against the conformance suite, in a fresh
// temporary folder per test.

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { StorageError } from "../../src/storage/index.ts";
import { NodeFsStorage } from "../../src/storage/node-fs.ts";
import { logConformance } from "../log/log-conformance.ts";
import { storageConformance } from "./conformance.ts";

storageConformance("node fs", async () => {
  const root = mkdtempSync(join(tmpdir(), "loglab-storage-"));
  return { storage: new NodeFsStorage(root), reopen: async () => new NodeFsStorage(root) };
});

describe("node fs files", () => {
  it("refuse work once closed, instead of buffering bytes nobody will write", async () => {
    const storage = new NodeFsStorage(mkdtempSync(join(tmpdir(), "loglab-storage-")));
    const file = await storage.open("t-0/a.log");
    await file.append(Uint8Array.of(1));
    await file.close();
    await expect(file.append(Uint8Array.of(2))).rejects.toBeInstanceOf(StorageError);
    await expect(file.read(0, 1)).rejects.toThrow(/is closed/);
    expect(await (await storage.open("t-0/a.log")).read(0, 9)).toEqual(Uint8Array.of(1));
  });
});

logConformance("node fs", async () => {
  const root = mkdtempSync(join(tmpdir(), "loglab-log-"));
  return { storage: new NodeFsStorage(root), reopen: async () => new NodeFsStorage(root) };
});
