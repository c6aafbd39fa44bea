// The memory adapter: the conformance suite, and the crash model the recovery
// tests and the simulator rely on.

import { describe, expect, it } from "vitest";
import { MemoryStorage } from "../../src/storage/index.ts";
import { logConformance } from "../log/log-conformance.ts";
import { storageConformance } from "./conformance.ts";

storageConformance("memory", async () => {
  const storage = new MemoryStorage();
  return { storage, reopen: async () => storage };
});

describe("memory storage files", () => {
  it("grow past 32 chunks (40 MiB) and read back across chunk boundaries", async () => {
    const file = await new MemoryStorage().open("t-0/big.log");
    const piece = new Uint8Array(1 << 20);
    for (let i = 0; i < 40; i++) await file.append(piece.fill(i));
    expect(file.size).toBe(40 << 20);
    const across = await file.read((33 << 20) - 2, 4);
    expect([...across]).toEqual([32, 32, 33, 33]);
  });
});

describe("memory storage crashes", () => {
  const bytes = (...values: number[]) => Uint8Array.from(values);

  it("lose unsynced appends and keep synced ones", async () => {
    const storage = new MemoryStorage();
    const file = await storage.open("t-0/a.log");
    await file.append(bytes(1, 2));
    await file.sync();
    await file.append(bytes(3, 4));
    storage.crash();
    const after = await storage.open("t-0/a.log");
    expect(await after.read(0, 10)).toEqual(bytes(1, 2));
    await expect(file.read(0, 1)).rejects.toThrow(/lost in a crash/);
  });

  it("can tear the last write, keeping a prefix of the unsynced bytes", async () => {
    const storage = new MemoryStorage();
    const file = await storage.open("t-0/a.log");
    await file.append(bytes(1, 2, 3, 4, 5));
    storage.crash({ survivingUnsyncedBytes: (_, unsynced) => unsynced - 2 });
    expect(await (await storage.open("t-0/a.log")).read(0, 10)).toEqual(bytes(1, 2, 3));
  });

  it("undo an unsynced truncate", async () => {
    const storage = new MemoryStorage();
    const file = await storage.open("t-0/a.log");
    await file.append(bytes(1, 2, 3, 4));
    await file.sync();
    await file.truncate(1);
    storage.crash();
    expect(await (await storage.open("t-0/a.log")).read(0, 10)).toEqual(bytes(1, 2, 3, 4));
  });
});

logConformance("memory", async () => {
  const storage = new MemoryStorage();
  return { storage, reopen: async () => storage };
});
