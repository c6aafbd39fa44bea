// One writer per data dir and read-only opening on Deno's file storage: the
// `.lock` file Node's storage uses too, with an exclusive flock held on it
// for the storage's life.

import { afterAll, expect, it } from "vitest";
import { DataDirInUseError, FileNotFoundError } from "../../src/storage/index.ts";
import { DenoFsStorage } from "../../src/storage/deno-fs.ts";
import { lockConformance } from "./lock-conformance.ts";

declare const Deno: {
  readonly pid: number;
  openSync(path: string, options: { read?: boolean; write?: boolean; create?: boolean }): { tryLockSync(exclusive?: boolean): boolean; close(): void };
  makeTempDirSync(options?: { prefix?: string }): string;
  readTextFileSync(path: string): string;
  writeTextFileSync(path: string, text: string): void;
  statSync(path: string): unknown;
  removeSync(path: string, options?: { recursive?: boolean }): void;
};

const folders: string[] = [];
function freshFolder(): string {
  const folder = Deno.makeTempDirSync({ prefix: "loglab-lock-" });
  folders.push(folder);
  return folder;
}

afterAll(() => {
  for (const folder of folders) Deno.removeSync(folder, { recursive: true });
});

lockConformance("deno fs", async () => {
  const dir = freshFolder();
  return { writer: async () => new DenoFsStorage(dir), reader: async () => new DenoFsStorage(dir, { readOnly: true }) };
});

it("writes the holder into .lock, refuses a second writer naming it, and removes .lock on close", async () => {
  const dir = freshFolder();
  const storage = new DenoFsStorage(dir);
  await storage.lock("loglab produce");
  const holder = JSON.parse(Deno.readTextFileSync(`${dir}/.lock`));
  expect(holder).toMatchObject({ pid: Deno.pid, command: "loglab produce" });
  await expect(new DenoFsStorage(dir).lock("loglab topics")).rejects.toThrow(
    `data dir ${dir} is in use by process ${Deno.pid} (loglab produce) since ${holder.since}`,
  );
  await storage.close();
  expect(() => Deno.statSync(`${dir}/.lock`)).toThrow();
});

it("takes over a lock whose holder is gone (no flock, no such process), saying so", async () => {
  const dir = freshFolder();
  // A pid above Linux's pid_max (4194304) belongs to no process.
  Deno.writeTextFileSync(`${dir}/.lock`, JSON.stringify({ pid: 99_999_999, command: "loglab produce", since: "2026-01-01T00:00:00.000Z" }));
  const storage = new DenoFsStorage(dir);
  expect(await storage.lock("loglab cleanup")).toMatch(/^took over data dir .* from process 99999999 \(loglab produce\)/);
  await storage.close();
});

it("refuses a lock written by a live process that holds no flock (a Node writer)", async () => {
  const dir = freshFolder();
  // pid 1 always runs; Node's storage writes .lock without a flock.
  Deno.writeTextFileSync(`${dir}/.lock`, JSON.stringify({ pid: 1, command: "loglab produce", since: "2026-01-01T00:00:00.000Z" }));
  await expect(new DenoFsStorage(dir).lock("loglab produce")).rejects.toBeInstanceOf(DataDirInUseError);
});

it("refuses a lock file that names no process while something holds a flock on it (a running Kafka's .lock)", async () => {
  const dir = freshFolder();
  Deno.writeTextFileSync(`${dir}/.lock`, "");
  const kafka = Deno.openSync(`${dir}/.lock`, { read: true, write: true });
  expect(kafka.tryLockSync(true)).toBe(true);
  await expect(new DenoFsStorage(dir).lock("loglab produce")).rejects.toThrow(`data dir ${dir} is in use by another writer`);
  kafka.close();
  const storage = new DenoFsStorage(dir);
  expect(await storage.lock("loglab produce")).toMatch(/^took over data dir .*: its \.lock file named no loglab process$/);
  await storage.close();
});

it("read-only does not create a missing data dir", () => {
  const dir = `${freshFolder()}/typo`;
  expect(() => new DenoFsStorage(dir, { readOnly: true })).toThrow(FileNotFoundError);
  expect(() => Deno.statSync(dir)).toThrow();
});
