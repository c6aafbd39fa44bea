// What open files of the Node filesystem adapter cost: no write buffer until
// appended to, and at most OPEN_FILES_MAX descriptors however many are open.

import fs, { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { NodeFsStorage } from "../../src/storage/node-fs.ts";
import { OPEN_FILES_MAX } from "../../src/storage/open-files.ts";
import type { StorageFile } from "../../src/storage/index.ts";
import { WRITE_BUFFER_BYTES, writeBufferMemory } from "../../src/storage/write-buffer.ts";
import { pattern } from "../support/bytes.ts";

/** This process's open descriptors, as Linux (/proc/self/fd) or macOS (/dev/fd) lists them. */
const descriptorFolder = fs.existsSync("/proc/self/fd") ? "/proc/self/fd" : "/dev/fd";
const openDescriptors = (): number => readdirSync(descriptorFolder).length;
const fresh = () => mkdtempSync(join(tmpdir(), "loglab-resources-"));
const nameOf = (i: number) => `t-${i % 50}/${String(i).padStart(20, "0")}.log`;
const bytesOf = (i: number, length = 10) => pattern(length, i);

let opened: StorageFile[] = [];
afterEach(async () => {
  await Promise.all(opened.map((file) => file.close()));
  opened = [];
});

async function openMany(storage: NodeFsStorage, count: number): Promise<StorageFile[]> {
  for (let i = 0; i < count; i++) opened.push(await storage.open(nameOf(i)));
  return opened;
}

describe("node fs resources", () => {
  it("gives an open file no write buffer until it is appended to, and takes it back at sync", async () => {
    const before = writeBufferMemory().heldBytes;
    const files = await openMany(new NodeFsStorage(fresh()), 1_000);
    expect(writeBufferMemory().heldBytes).toBe(before);
    await files[3]!.append(bytesOf(3));
    const held = writeBufferMemory().heldBytes - before;
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThan(64 * 1024);
    await files[3]!.sync();
    expect(writeBufferMemory().heldBytes).toBe(before);
  });

  it("keeps at most OPEN_FILES_MAX descriptors open, and every file stays readable and writable", async () => {
    const root = fresh();
    const storage = new NodeFsStorage(root);
    const before = openDescriptors();
    const count = 3 * OPEN_FILES_MAX;
    const files = await openMany(storage, count);
    expect(openDescriptors() - before).toBeLessThanOrEqual(OPEN_FILES_MAX);
    // Each file twice round: the second append and every read reopen a released handle.
    for (const [i, file] of files.entries()) {
      await file.append(bytesOf(i));
      await file.sync();
    }
    for (const [i, file] of files.entries()) await file.append(bytesOf(i + 1));
    for (const [i, file] of files.entries()) {
      expect(await file.read(0, 100)).toEqual(new Uint8Array([...bytesOf(i), ...bytesOf(i + 1)]));
      await file.truncate(15);
      expect(file.size).toBe(15);
    }
    expect(openDescriptors() - before).toBeLessThanOrEqual(OPEN_FILES_MAX);
    await Promise.all(files.map((file) => file.close()));
    opened = [];
    expect(openDescriptors()).toBeLessThanOrEqual(before);
    for (let i = 0; i < count; i++) {
      expect(new Uint8Array(readFileSync(join(root, nameOf(i))))).toEqual(new Uint8Array([...bytesOf(i), ...bytesOf(i + 1)]).subarray(0, 15));
    }
  });

  it("releases no handle a background write is using: files written while every handle cycles read back intact", async () => {
    const before = openDescriptors();
    const files = await openMany(new NodeFsStorage(fresh()), OPEN_FILES_MAX + 50);
    const isBig = (i: number) => i % 8 === 0;
    const half = (i: number, round: number) => bytesOf(i + round, WRITE_BUFFER_BYTES / 2 + 1);
    // Every file has bytes on disk, so reading it needs its handle.
    for (const [i, file] of files.entries()) {
      await file.append(bytesOf(i, 100));
      await file.sync();
    }
    for (const [i, file] of files.entries()) if (isBig(i)) await file.append(half(i, 0));
    // Each big file's append hands a full buffer to the thread pool; meanwhile
    // reads of every other file, twice over, pass every handle through the bound.
    await Promise.all(files.flatMap((file, i): Promise<unknown>[] => isBig(i) ? [file.append(half(i, 1))] : [file.read(0, 100), file.read(0, 100)]));
    for (const [i, file] of files.entries()) {
      const expected = Buffer.concat([bytesOf(i, 100), ...(isBig(i) ? [half(i, 0), half(i, 1)] : [])]);
      expect(Buffer.from(await file.read(0, expected.length + 1)).equals(expected)).toBe(true);
    }
    expect(openDescriptors() - before).toBeLessThanOrEqual(OPEN_FILES_MAX);
  });

  it("fdatasyncs on sync a file whose handle was released after it wrote, and only then", async () => {
    const storage = new NodeFsStorage(fresh());
    const written = await storage.open("w-0/written.log");
    const clean = await storage.open("w-0/clean.log");
    opened.push(written, clean);
    // Larger than a buffer: written straight through to the OS, not yet synced.
    await written.append(bytesOf(0, WRITE_BUFFER_BYTES + 1));
    await openMany(storage, OPEN_FILES_MAX); // releases both handles, least recently used first
    const synced: number[] = [];
    const original = fs.fdatasyncSync;
    fs.fdatasyncSync = (fd) => {
      synced.push(fd);
      original(fd);
    };
    syncBuiltinESMExports();
    try {
      await clean.sync();
      expect(synced).toEqual([]);
      await written.sync();
      expect(synced.length).toBe(1);
    } finally {
      fs.fdatasyncSync = original;
      syncBuiltinESMExports();
    }
    expect((await written.read(WRITE_BUFFER_BYTES - 1, 10)).length).toBe(2);
  });
});
