// When storage refuses a write (a full disk, a browser quota), the append
// fails with the typed error and the log is exactly as it was before it.

import { expect, it } from "vitest";
import { ManualClock, MemoryStorage, PartitionLog, StorageQuotaError } from "../../src/index.ts";
import { FaultyStorage } from "../support/faulty-storage.ts";
import { config, readAll, records } from "./helpers.ts";

it("a failed append reports StorageQuotaError, changes nothing, and the next append takes the same offset", async () => {
  const storage = new FaultyStorage(new MemoryStorage());
  const log = await PartitionLog.open({ storage, clock: new ManualClock(1_700_000_000_000), topic: "t", partition: 0, config: config() });
  await log.appendRecords(records("a", "b"));
  const sizeBefore = log.sizeInBytes;

  // The header piece of the next batch is written, the rest is refused.
  storage.appendsUntilFailure = 2;
  await expect(log.appendRecords(records("lost"))).rejects.toBeInstanceOf(StorageQuotaError);
  expect(log.logEndOffset).toBe(2);
  expect(log.sizeInBytes).toBe(sizeBefore);
  expect(await readAll(log)).toEqual([[0, "k-a", "a"], [1, "k-b", "b"]]);

  storage.heal();
  expect((await log.appendRecords(records("c"))).firstOffset).toBe(2);
  expect(await readAll(log)).toEqual([[0, "k-a", "a"], [1, "k-b", "b"], [2, "k-c", "c"]]);
});

it("a failed flush reports StorageQuotaError and a later flush makes everything durable", async () => {
  const memory = new MemoryStorage();
  const storage = new FaultyStorage(memory);
  const clock = new ManualClock(1_700_000_000_000);
  const log = await PartitionLog.open({ storage, clock, topic: "t", partition: 0, config: config() });
  await log.appendRecords(records("a"));
  storage.failSyncs = true;
  await expect(log.flush()).rejects.toBeInstanceOf(StorageQuotaError);
  expect(log.recoveryPoint).toBe(0);
  storage.heal();
  await log.flush();
  memory.crash();
  const reopened = await PartitionLog.open({ storage: memory, clock, topic: "t", partition: 0, config: config() });
  expect(await readAll(reopened)).toEqual([[0, "k-a", "a"]]);
});
