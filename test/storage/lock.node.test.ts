// One writer per data dir and read-only opening in Node: the `.lock` file of
// Node's file storage (a dead holder's lock is taken over, saying so), and
// IndexedDB over fake-indexeddb, where an in-process flag stands in for the
// Web Locks API that Node lacks.

import "fake-indexeddb/auto";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IDBFactory } from "fake-indexeddb";
import { afterAll, describe, expect, it } from "vitest";
import { DataDirInUseError, FileNotFoundError, StorageError } from "../../src/storage/index.ts";
import { IndexedDbStorage } from "../../src/storage/indexeddb.ts";
import { NodeFsStorage } from "../../src/storage/node-fs.ts";
import { lockConformance } from "./lock-conformance.ts";

const root = mkdtempSync(join(tmpdir(), "loglab-lock-"));
let folders = 0;
const freshFolder = () => join(root, `dir-${folders++}`);

afterAll(() => rmSync(root, { recursive: true, force: true }));

lockConformance("node fs", async () => {
  const dir = freshFolder();
  mkdirSync(dir);
  return { writer: async () => new NodeFsStorage(dir), reader: async () => new NodeFsStorage(dir, { readOnly: true }) };
});

lockConformance("indexeddb (fake-indexeddb)", async () => {
  const indexedDB = new IDBFactory();
  const writer = async () => IndexedDbStorage.open("loglab", { indexedDB });
  await (await writer()).close(); // the database exists before a reader opens it
  return { writer, reader: async () => IndexedDbStorage.open("loglab", { indexedDB, readOnly: true }) };
});

/** A pid that no process has any more: one of a child that ran and exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", ""]);
  return child.pid!;
}

describe("the .lock file of a Node data dir", () => {
  it("holds the holder as JSON while locked and is gone after close", async () => {
    const dir = freshFolder();
    const storage = new NodeFsStorage(dir);
    await storage.lock("loglab produce");
    const holder = JSON.parse(readFileSync(join(dir, ".lock"), "utf8"));
    expect(holder).toMatchObject({ pid: process.pid, command: "loglab produce" });
    expect(new Date(holder.since).toISOString()).toBe(holder.since);
    const refusal = await new NodeFsStorage(dir).lock("loglab topics").catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(DataDirInUseError);
    expect((refusal as Error).message).toBe(`data dir ${dir} is in use by process ${process.pid} (loglab produce) since ${holder.since}`);
    await storage.close();
    expect(existsSync(join(dir, ".lock"))).toBe(false);
  });

  it("is taken over from a process that died holding it, with a note naming it", async () => {
    const dir = freshFolder();
    mkdirSync(dir);
    const pid = deadPid();
    writeFileSync(join(dir, ".lock"), JSON.stringify({ pid, command: "loglab produce", since: "2026-01-01T00:00:00.000Z" }));
    const storage = new NodeFsStorage(dir);
    const note = await storage.lock("loglab cleanup");
    expect(note).toBe(`took over data dir ${dir} from process ${pid} (loglab produce), which locked it at 2026-01-01T00:00:00.000Z and is no longer running`);
    expect(JSON.parse(readFileSync(join(dir, ".lock"), "utf8"))).toMatchObject({ pid: process.pid, command: "loglab cleanup" });
    await storage.close();
  });

  it("takes over a lock file that names no process (an empty one, as Kafka leaves), saying so", async () => {
    const dir = freshFolder();
    mkdirSync(dir);
    writeFileSync(join(dir, ".lock"), "");
    const storage = new NodeFsStorage(dir);
    expect(await storage.lock("loglab produce")).toMatch(/^took over data dir .*: its \.lock file named no loglab process$/);
    await storage.close();
  });

  it("refuses a lock whose holder is alive even if this process wrote it under another storage", async () => {
    const dir = freshFolder();
    const first = new NodeFsStorage(dir);
    await first.lock("loglab produce");
    await expect(new NodeFsStorage(dir).lock("loglab produce")).rejects.toBeInstanceOf(DataDirInUseError);
    await first.close();
  });

  it("treats a lock naming this process's pid that this process does not hold as stale (a reused pid)", async () => {
    const dir = freshFolder();
    mkdirSync(dir);
    writeFileSync(join(dir, ".lock"), JSON.stringify({ pid: process.pid, command: "loglab produce", since: "2026-01-01T00:00:00.000Z" }));
    const storage = new NodeFsStorage(dir);
    expect(await storage.lock("loglab produce")).toMatch(/^took over/);
    await storage.close();
  });
});

describe("opening a Node data dir read-only", () => {
  it("creates nothing: a missing data dir is FileNotFoundError and stays missing", () => {
    const dir = freshFolder();
    expect(() => new NodeFsStorage(dir, { readOnly: true })).toThrow(FileNotFoundError);
    expect(() => new NodeFsStorage(dir, { readOnly: true })).toThrow(`no data dir ${dir}`);
    expect(existsSync(dir)).toBe(false);
  });

  it("refuses a data dir that is a file, read-only or not, in one line naming it", () => {
    const file = join(root, "a-file");
    writeFileSync(file, "x");
    for (const readOnly of [false, true]) {
      expect(() => new NodeFsStorage(file, { readOnly })).toThrow(StorageError);
      expect(() => new NodeFsStorage(file, { readOnly })).toThrow(`data dir ${file} is a file, not a folder`);
    }
  });
});

describe("IndexedDB opened read-only", () => {
  it("does not create a missing database", async () => {
    const indexedDB = new IDBFactory();
    await expect(IndexedDbStorage.open("nope", { indexedDB, readOnly: true })).rejects.toBeInstanceOf(FileNotFoundError);
    expect((await indexedDB.databases()).map((d) => d.name)).not.toContain("nope");
  });
});
