// What open files of the Deno filesystem adapter cost: no write buffer until
// appended to, and at most OPEN_FILES_MAX descriptors however many are open.

import { afterAll, describe, expect, it } from "vitest";
import { DenoFsStorage } from "../../src/storage/deno-fs.ts";
import { OPEN_FILES_MAX } from "../../src/storage/open-files.ts";
import { writeBufferMemory } from "../../src/storage/write-buffer.ts";
import { pattern } from "../support/bytes.ts";

declare const Deno: {
  makeTempDirSync(options?: { prefix?: string }): string;
  readDirSync(path: string): Iterable<unknown>;
  readFileSync(path: string): Uint8Array;
  removeSync(path: string, options?: { recursive?: boolean }): void;
  build: { os: string };
};

const folders: string[] = [];
afterAll(() => {
  for (const folder of folders) Deno.removeSync(folder, { recursive: true });
});

/** This process's open descriptors, as Linux (/proc/self/fd) or macOS (/dev/fd) lists them. */
const openDescriptors = (): number => [...Deno.readDirSync(Deno.build.os === "linux" ? "/proc/self/fd" : "/dev/fd")].length;
const nameOf = (i: number) => `t-${i % 50}/${String(i).padStart(20, "0")}.log`;

describe("deno fs resources", () => {
  it("gives an open file no write buffer until it is appended to, and takes it back at sync", async () => {
    const root = Deno.makeTempDirSync({ prefix: "loglab-resources-" });
    folders.push(root);
    const storage = new DenoFsStorage(root);
    const before = writeBufferMemory().heldBytes;
    const files = [];
    for (let i = 0; i < 1_000; i++) files.push(await storage.open(nameOf(i)));
    expect(writeBufferMemory().heldBytes).toBe(before);
    await files[3]!.append(pattern(10, 3));
    expect(writeBufferMemory().heldBytes).toBeGreaterThan(before);
    await files[3]!.sync();
    expect(writeBufferMemory().heldBytes).toBe(before);
    await Promise.all(files.map((file) => file.close()));
  });

  it("keeps at most OPEN_FILES_MAX descriptors open, and every file stays readable and writable", async () => {
    const root = Deno.makeTempDirSync({ prefix: "loglab-resources-" });
    folders.push(root);
    const storage = new DenoFsStorage(root);
    const before = openDescriptors();
    const count = 3 * OPEN_FILES_MAX;
    const files = [];
    for (let i = 0; i < count; i++) files.push(await storage.open(nameOf(i)));
    expect(openDescriptors() - before).toBeLessThanOrEqual(OPEN_FILES_MAX);
    for (const [i, file] of files.entries()) {
      await file.append(pattern(10, i));
      await file.sync();
    }
    for (const [i, file] of files.entries()) await file.append(pattern(10, i + 1));
    for (const [i, file] of files.entries()) {
      expect(await file.read(0, 100)).toEqual(new Uint8Array([...pattern(10, i), ...pattern(10, i + 1)]));
    }
    expect(openDescriptors() - before).toBeLessThanOrEqual(OPEN_FILES_MAX);
    await Promise.all(files.map((file) => file.close()));
    expect(openDescriptors()).toBeLessThanOrEqual(before);
    for (let i = 0; i < count; i++) {
      expect(Deno.readFileSync(`${root}/${nameOf(i)}`)).toEqual(new Uint8Array([...pattern(10, i), ...pattern(10, i + 1)]));
    }
  });
});
