// One writer per data dir and read-only opening on the memory storage, which
// every runtime runs: its lock is an in-process flag, its views are the
// "processes".

import { expect, it } from "vitest";
import { DataDirInUseError, MemoryStorage } from "../../src/storage/index.ts";
import { lockConformance } from "./lock-conformance.ts";

lockConformance("memory", async () => {
  const disk = new MemoryStorage();
  return { writer: async () => disk.view(), reader: async () => disk.view({ readOnly: true }) };
});

it("a crash releases the memory storage's lock with the process that held it", async () => {
  const disk = new MemoryStorage();
  await disk.lock("loglab produce");
  await expect(disk.view().lock("loglab produce")).rejects.toBeInstanceOf(DataDirInUseError);
  disk.crash();
  expect(await disk.view().lock("loglab produce")).toBeNull();
});
