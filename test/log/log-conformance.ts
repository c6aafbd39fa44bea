// The partition log on a given storage adapter: what the log needs from
// storage (append, read, truncate, rename, delete, sync, reopen) exercised
// through the log itself. Every adapter's test file runs it.

import { describe, expect, it } from "vitest";
import {
  CONTROL_TYPE_ABORT, controlRecordKey, controlRecordValue, encodeAbortedTxns, encodeBatch, LogManager, ManualClock, type Storage,
} from "../../src/index.ts";
import type { StorageUnderTest } from "../storage/conformance.ts";
import { readAll } from "./helpers.ts";

const values = (count: number, prefix: string) =>
  Array.from({ length: count }, (_, i) => ({ key: `${prefix}-${i % 3}`, value: `${prefix}-${i}`, timestamp: 1_700_000_000_000 + i * 10 }));

export function logConformance(adapter: string, create: () => Promise<StorageUnderTest>): void {
  describe(`partition log on ${adapter} storage`, () => {
    const clock = new ManualClock(1_700_000_100_000);
    const open = (storage: Storage) => LogManager.open({ storage, clock });

    it("appends across rolls, reads by offset, and finds it all again after a restart", async () => {
      const under = await create();
      const manager = await open(under.storage);
      await manager.createTopic("orders", 2, { "segment.bytes": "400", "index.interval.bytes": "100" });
      for (let i = 0; i < 8; i++) await manager.log("orders", 1).appendRecords(values(3, `b${i}`));
      const log = manager.log("orders", 1);
      expect(log.segmentBaseOffsets.length).toBeGreaterThan(2);
      const before = await readAll(log);
      expect(before.map(([offset]) => offset)).toEqual(Array.from({ length: 24 }, (_, i) => i));
      await manager.close();

      const again = await open(await under.reopen());
      expect(again.describeTopic("orders").partitions).toBe(2);
      expect(await readAll(again.log("orders", 1))).toEqual(before);
      expect(await readAll(again.log("orders", 1), 17)).toEqual(before.slice(17));
      expect(await again.log("orders", 1).offsetForTimestamp(1_700_000_000_015)).toEqual({ offset: 2, timestamp: 1_700_000_000_020 });
      await again.close();
    });

    it("truncates a torn tail at the last whole batch after an unclean stop, and keeps appending", async () => {
      const under = await create();
      const manager = await open(under.storage);
      await manager.createTopic("t", 1);
      await manager.log("t", 0).appendRecords(values(4, "x"));
      await manager.flush();
      // What a crash mid-write leaves: the first 30 bytes of the next batch.
      const file = await under.storage.open("t-0/00000000000000000000.log");
      await file.append(encodeBatch({ baseTimestamp: 1, records: values(2, "torn") }).subarray(0, 30));
      await file.sync();
      await file.close();
      await under.storage.close(); // no clean-shutdown marker: the next open recovers

      const again = await open(await under.reopen());
      expect(again.recoveries.map((r) => [r.topicPartition, r.truncatedBytes])).toEqual([["t-0", 30]]);
      const log = again.log("t", 0);
      expect((await readAll(log)).map(([, , v]) => v)).toEqual(["x-0", "x-1", "x-2", "x-3"]);
      expect((await log.appendRecords(values(1, "after"))).firstOffset).toBe(4);
      expect((await readAll(log)).at(-1)).toEqual([4, "after-0", "after-0"]);
      await again.close();
    });

    it("deletes old segments by retention.bytes and compacts by key, offsets unchanged, across a restart", async () => {
      const under = await create();
      const manager = await open(under.storage);
      await manager.createTopic("logs", 1, { "segment.bytes": "300", "retention.bytes": "600" });
      await manager.createTopic("docs", 1, { "segment.bytes": "300", "cleanup.policy": "compact" });
      for (let i = 0; i < 15; i++) await manager.log("logs", 0).appendRecords(values(2, `l${i}`));
      for (let i = 0; i < 12; i++) await manager.log("docs", 0).appendRecords([{ key: `doc-${i % 3}`, value: `v${i}` }]);
      expect(manager.log("logs", 0).sizeInBytes).toBeGreaterThan(600 + 300);
      await manager.log("docs", 0).roll();
      await manager.runCleanup();
      const logs = manager.log("logs", 0);
      expect(logs.logStartOffset).toBeGreaterThan(0);
      // After the roll every record is in a cleanable segment: each key keeps its last.
      const compacted = await readAll(manager.log("docs", 0));
      expect(compacted).toEqual([[9, "doc-0", "v9"], [10, "doc-1", "v10"], [11, "doc-2", "v11"]]);
      const kept = await readAll(logs);
      await manager.close();

      const again = await open(await under.reopen());
      expect(again.log("logs", 0).logStartOffset).toBe(logs.logStartOffset);
      expect(await readAll(again.log("logs", 0))).toEqual(kept);
      expect(await readAll(again.log("docs", 0))).toEqual(compacted);
      await again.close();
    });

    it("writes the .txnindex of an aborted transaction, reads it back after a restart, and deletes it with its segment", async () => {
      const under = await create();
      const manager = await open(under.storage);
      await manager.createTopic("pay", 1, { "retention.bytes": "1" });
      const log = manager.log("pay", 0);
      const transactional = { isTransactional: true, producerId: 42, producerEpoch: 0, baseSequence: 0 };
      await log.appendRecords(values(2, "pay"), transactional);
      await log.append(encodeBatch({
        isControl: true, ...transactional, baseSequence: -1, baseTimestamp: 1_700_000_000_000,
        records: [{ key: controlRecordKey(CONTROL_TYPE_ABORT), value: controlRecordValue() }],
      }));
      const entry = { producerId: 42, firstOffset: 0, lastOffset: 2, lastStableOffset: 3 };
      await manager.close();
      const name = "pay-0/00000000000000000000.txnindex";
      const storage = await under.reopen();
      const file = await storage.open(name);
      expect(await file.read(0, file.size)).toEqual(encodeAbortedTxns([entry]));
      await file.close();

      const again = await open(storage);
      const reopened = again.log("pay", 0);
      expect(reopened.describeSegments()[0]!.abortedTransactions).toEqual([entry]);
      await reopened.roll();
      await reopened.appendRecords(values(1, "later"));
      await again.runCleanup();
      expect(reopened.logStartOffset).toBe(3);
      expect(await storage.exists(name)).toBe(false);
      await again.close();
    });
  });
}
