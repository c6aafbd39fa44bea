// The Node filesystem adapter against the conformance suite, in a fresh
// temporary folder per test.

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { StorageError } from "../../src/storage/index.ts";
import { NodeFsStorage } from "../../src/storage/node-fs.ts";
import { logConformance } from "../log/log-conformance.ts";
import { readAheadCases } from "../log/read-ahead-cases.ts";
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

  it("read in the background (the log's read-ahead), writable or read-only, the bytes read() reads", async () => {
    const root = mkdtempSync(join(tmpdir(), "loglab-storage-"));
    const file = await new NodeFsStorage(root).open("t-0/a.log");
    const bytes = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 7) & 0xff);
    await file.append(bytes);
    await file.sync();
    await file.append(Uint8Array.of(1, 2, 3)); // still in the write buffer
    expect(file.readInBackground).toBeTypeOf("function");
    expect(await file.readInBackground!(1000, 400_000)).toEqual(await file.read(1000, 400_000));
    await file.close();
    const readOnly = await new NodeFsStorage(root, { readOnly: true }).open("t-0/a.log");
    expect(readOnly.readInBackground).toBeTypeOf("function");
    expect(await readOnly.readInBackground!(299_990, 100)).toEqual(Uint8Array.of(...bytes.subarray(299_990), 1, 2, 3));
    await readOnly.close();
  });
});

readAheadCases("node fs", () => new NodeFsStorage(mkdtempSync(join(tmpdir(), "loglab-read-ahead-"))));

logConformance("node fs", async () => {
  const root = mkdtempSync(join(tmpdir(), "loglab-log-"));
  return { storage: new NodeFsStorage(root), reopen: async () => new NodeFsStorage(root) };
});
