// When storage refuses a write (a full disk, a browser quota), the append
// fails with the typed error and the log is exactly as it was before it.
// When an fsync fails, the log goes offline until it is reopened: nothing
// after the failure is acknowledged or served.

import { expect, it } from "vitest";
import {
  Broker, encodeBatch, LogOfflineError, ManualClock, ManualScheduler, MemoryStorage, PartitionLog, StorageQuotaError,
} from "../../src/index.ts";
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

it("a failed flush takes the log offline: appends, flushes and reads refuse until it is reopened and recovered", async () => {
  const memory = new MemoryStorage();
  const storage = new FaultyStorage(memory);
  const clock = new ManualClock(1_700_000_000_000);
  const log = await PartitionLog.open({ storage, clock, topic: "t", partition: 0, config: config() });
  await log.appendRecords(records("a"));
  await log.flush();
  await log.appendRecords(records("b"));
  storage.failSyncs = true;
  const failed = await log.flush().catch((error: unknown) => error);
  expect(failed).toBeInstanceOf(LogOfflineError);
  expect((failed as LogOfflineError).code).toBe("KAFKA_STORAGE_ERROR");
  expect((failed as LogOfflineError).retriable).toBe(true);
  expect((failed as LogOfflineError).cause).toBeInstanceOf(StorageQuotaError);
  expect(log.offline).toBe(failed);
  expect(log.recoveryPoint).toBe(1);
  // A later fsync that succeeds could vouch for pages the failed one dropped: the log does not try.
  storage.heal();
  await expect(log.appendRecords(records("c"))).rejects.toBe(failed);
  await expect(log.flush()).rejects.toBe(failed);
  await expect(log.read(0)).rejects.toBe(failed);
  expect(log.logEndOffset).toBe(2);

  memory.crash();
  const reopened = await PartitionLog.open({ storage: memory, clock, topic: "t", partition: 0, config: config() });
  expect(reopened.offline).toBeNull();
  expect(await readAll(reopened)).toEqual([[0, "k-a", "a"]]);
});

it("with flush.messages=1 an append whose fsync fails is not acknowledged, and neither is any later one", async () => {
  const storage = new FaultyStorage(new MemoryStorage());
  const scheduler = new ManualScheduler(1_700_000_000_000);
  const broker = await Broker.open({ storage, scheduler, config: { "flush.messages": "1" } });
  await broker.logs.createTopic("t", 1);
  const produce = (value: string) => broker.produce({
    acks: -1, partitions: [{ topic: "t", partition: 0, records: encodeBatch({ baseTimestamp: scheduler.nowMs(), records: [{ value }] }) }],
  }).then(({ partitions }) => partitions[0]!.error?.code ?? partitions[0]!.baseOffset);
  expect(await produce("a")).toBe(0);
  storage.failSyncs = true;
  expect(await produce("b")).toBe("KAFKA_STORAGE_ERROR");
  storage.heal();
  expect(await produce("c")).toBe("KAFKA_STORAGE_ERROR");
  const fetched = await broker.fetch({ partitions: [{ topic: "t", partition: 0, fetchOffset: 0 }] });
  expect(fetched.partitions[0]!.error?.code).toBe("KAFKA_STORAGE_ERROR");
});
