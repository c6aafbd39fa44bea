// Retention by time and size, and compaction by key with tombstones and
// delete.retention.ms: the talk's document log compacts to bar plus a
// tombstone for foo until the tombstone expires. Offsets never change.

import { describe, expect, it } from "vitest";
import { InvalidRecordError, OffsetOutOfRangeError } from "../../src/index.ts";
import { openLog, readAll, records } from "./helpers.ts";

describe("retention", () => {
  it("deletes whole old segments by retention.bytes, never the active one", async () => {
    const { log } = await openLog({ "segment.bytes": "300", "retention.bytes": "700" });
    for (let i = 0; i < 30; i++) await log.appendRecords(records(`v${i}`));
    const before = log.segmentBaseOffsets;
    const report = await log.applyRetention();
    expect(report.deletedSegments).toEqual(before.slice(0, report.deletedSegments.length));
    expect(report.deletedSegments.length).toBeGreaterThan(0);
    // Whole segments only: the log may exceed retention.bytes by less than one segment.
    expect(log.sizeInBytes).toBeGreaterThan(700);
    expect(log.sizeInBytes).toBeLessThan(700 + 300);
    expect(log.logStartOffset).toBe(log.segmentBaseOffsets[0]);
    await expect(log.read(0)).rejects.toBeInstanceOf(OffsetOutOfRangeError);
    expect((await readAll(log)).at(-1)![0]).toBe(29);
  });

  it("deletes segments whose newest record is older than retention.ms", async () => {
    const { log, clock } = await openLog({ "segment.bytes": "200", "retention.ms": "60000" });
    for (let i = 0; i < 10; i++) await log.appendRecords([{ value: `old-${i}`, timestamp: clock.nowMs() }]);
    clock.advance(120_000);
    for (let i = 0; i < 3; i++) await log.appendRecords([{ value: `new-${i}`, timestamp: clock.nowMs() }]);
    await log.applyRetention();
    expect((await readAll(log)).map(([, , v]) => v)).toEqual(["new-0", "new-1", "new-2"].slice(-(log.logEndOffset - log.logStartOffset)));
    expect(log.logStartOffset).toBeGreaterThanOrEqual(10);
  });
});

describe("compaction", () => {
  const doc = (op: string) => JSON.stringify({ op, data: "…" });

  it("compacts the talk's document log to bar and a tombstone for foo, then drops the tombstone", async () => {
    const { log, clock } = await openLog({ "cleanup.policy": "compact", "delete.retention.ms": "1000" });
    await log.appendRecords([
      { key: "foo", value: doc("create") },
      { key: "foo", value: doc("update") },
      { key: "bar", value: doc("create") },
      { key: "foo", value: null },
    ]);
    await log.roll(); // compaction never touches the active segment
    const first = await log.compact();
    expect(first).toMatchObject({ recordsBefore: 4, recordsAfter: 2, tombstonesRemoved: 0 });
    expect(await readAll(log)).toEqual([[2, "bar", doc("create")], [3, "foo", null]]);
    clock.advance(999);
    await log.compact();
    expect((await readAll(log)).length).toBe(2);
    clock.advance(2);
    expect((await log.compact()).tombstonesRemoved).toBe(1);
    expect(await readAll(log)).toEqual([[2, "bar", doc("create")]]);
    expect(log.logEndOffset).toBe(4);
    await log.appendRecords([{ key: "baz", value: "x" }]);
    expect((await readAll(log)).at(-1)).toEqual([4, "baz", "x"]);
  });

  it("keeps the latest value of every key across segments, offsets unchanged", async () => {
    const { log } = await openLog({ "cleanup.policy": "compact", "segment.bytes": "250" });
    const latest = new Map<string, [number, string]>();
    for (let i = 0; i < 40; i++) {
      const key = `key-${i % 5}`;
      const info = await log.appendRecords([{ key, value: `v${i}` }]);
      latest.set(key, [info.firstOffset, `v${i}`]);
    }
    await log.roll();
    await log.compact();
    const remaining = await readAll(log);
    expect(remaining).toEqual([...latest.entries()].map(([key, [offset, value]]) => [offset, key, value]).sort((a, b) => (a[0] as number) - (b[0] as number)));
  });

  it("refuses records without a key on a compacted topic", async () => {
    const { log } = await openLog({ "cleanup.policy": "compact" });
    await expect(log.appendRecords([{ value: "no key" }])).rejects.toBeInstanceOf(InvalidRecordError);
    expect(log.logEndOffset).toBe(0);
  });
});
