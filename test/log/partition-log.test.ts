// PartitionLog on the memory storage: offsets, reads, rolls, the indexes,
// time lookups, size limits and LogAppendTime.

import { describe, expect, it } from "vitest";
import {
  decodeBatches, encodeBatch, InvalidRecordError, OffsetOutOfRangeError, RecordTooLargeError, validateBatches,
} from "../../src/index.ts";
import { openLog, readAll, records } from "./helpers.ts";

describe("PartitionLog append and read", () => {
  it("assigns consecutive offsets across appends and reads them back", async () => {
    const { log } = await openLog();
    const first = await log.appendRecords(records("a", "b", "c"));
    const second = await log.appendRecords(records("d"));
    expect(first).toMatchObject({ firstOffset: 0, lastOffset: 2, recordCount: 3, batchCount: 1, logAppendTime: -1 });
    expect(second).toMatchObject({ firstOffset: 3, lastOffset: 3 });
    expect(log.logEndOffset).toBe(4);
    expect(await readAll(log)).toEqual([[0, "k-a", "a"], [1, "k-b", "b"], [2, "k-c", "c"], [3, "k-d", "d"]]);
    expect(await readAll(log, 2)).toEqual([[2, "k-c", "c"], [3, "k-d", "d"]]);
  });

  it("overwrites the producer's base offset, never the caller's buffer", async () => {
    const { log } = await openLog();
    await log.appendRecords(records("x"));
    const batch = encodeBatch({ baseOffset: 999, baseTimestamp: 1, records: records("y", "z") });
    const copy = batch.slice();
    const info = await log.append(batch);
    expect(info.firstOffset).toBe(1);
    expect(batch).toEqual(copy);
    const [stored] = decodeBatches((await log.read(1)).records);
    expect(stored!.baseOffset).toBe(1);
  });

  it("appends several batches in one call", async () => {
    const { log } = await openLog();
    const a = encodeBatch({ baseTimestamp: 1, records: records("a", "b") });
    const b = encodeBatch({ baseTimestamp: 2, records: records("c") });
    const both = new Uint8Array(a.length + b.length);
    both.set(a);
    both.set(b, a.length);
    expect(await log.append(both)).toMatchObject({ firstOffset: 0, lastOffset: 2, batchCount: 2 });
    expect((await readAll(log)).map(([offset]) => offset)).toEqual([0, 1, 2]);
  });

  it("returns nothing at the log end and refuses offsets outside the log, naming the range", async () => {
    const { log } = await openLog();
    await log.appendRecords(records("a", "b"));
    expect((await log.read(2)).records.length).toBe(0);
    await expect(log.read(3)).rejects.toBeInstanceOf(OffsetOutOfRangeError);
    await expect(log.read(3)).rejects.toThrow("offset 3 is out of range for orders-0: valid offsets are 0 to 2");
    await expect(log.read(-1)).rejects.toBeInstanceOf(OffsetOutOfRangeError);
  });

  it("refuses a batch over max.message.bytes and writes nothing", async () => {
    const { log } = await openLog({ "max.message.bytes": "200" });
    await log.appendRecords(records("small"));
    const big = encodeBatch({ baseTimestamp: 1, records: [{ value: new Uint8Array(300) }] });
    await expect(log.append(big)).rejects.toBeInstanceOf(RecordTooLargeError);
    await expect(log.append(big)).rejects.toThrow(/exceeds max\.message\.bytes=200/);
    expect(log.logEndOffset).toBe(1);
    expect(log.sizeInBytes).toBe((await log.read(0)).records.length);
  });

  it("refuses corrupt bytes, and batches whose offset deltas are not 0..count-1, writing nothing", async () => {
    const { log } = await openLog();
    const batch = encodeBatch({ baseTimestamp: 1, records: records("a", "b") });
    batch[70]! ^= 0xff;
    await expect(log.append(batch)).rejects.toMatchObject({ code: "CORRUPT_MESSAGE" });
    const gappy = encodeBatch({ baseTimestamp: 1, lastOffsetDelta: 5, records: records("a", "b") });
    await expect(log.append(gappy)).rejects.toBeInstanceOf(InvalidRecordError);
    expect(log.logEndOffset).toBe(0);
    expect(log.sizeInBytes).toBe(0);
  });

  it("stamps the broker's time under message.timestamp.type=LogAppendTime, with a valid CRC", async () => {
    const { log, clock } = await openLog({ "message.timestamp.type": "LogAppendTime" });
    const info = await log.appendRecords([{ value: "a", timestamp: 5 }]);
    expect(info.logAppendTime).toBe(clock.nowMs());
    const bytes = (await log.read(0)).records;
    expect(validateBatches(bytes).error).toBeNull();
    const [batch] = decodeBatches(bytes);
    expect(batch!.timestampType).toBe("log-append-time");
    expect(batch!.records[0]!.timestamp).toBe(clock.nowMs());
  });
});

describe("PartitionLog segments and indexes", () => {
  it("rolls by segment.bytes and reads across segments through the index", async () => {
    const { log } = await openLog({ "segment.bytes": "2000", "index.interval.bytes": "100" });
    for (let i = 0; i < 60; i++) await log.appendRecords(records(`value-${i}`, `other-${i}`));
    expect(log.segmentBaseOffsets.length).toBeGreaterThan(3);
    const all = await readAll(log);
    expect(all.map(([offset]) => offset)).toEqual(Array.from({ length: 120 }, (_, i) => i));
    for (const offset of [0, 1, 37, 38, 63, 119]) {
      const [batch] = decodeBatches((await log.read(offset, { maxBytes: 1 })).records);
      expect(batch!.baseOffset).toBeLessThanOrEqual(offset);
      expect(batch!.lastOffset).toBeGreaterThanOrEqual(offset);
    }
  });

  it("rolls when segment.ms has passed since the segment's first record", async () => {
    const { log, clock } = await openLog({ "segment.ms": "1000" });
    await log.appendRecords([{ value: "a", timestamp: clock.nowMs() }]);
    clock.advance(500);
    await log.appendRecords([{ value: "b", timestamp: clock.nowMs() }]);
    expect(log.segmentBaseOffsets).toEqual([0]);
    clock.advance(600);
    await log.appendRecords([{ value: "c", timestamp: clock.nowMs() }]);
    expect(log.segmentBaseOffsets).toEqual([0, 2]);
  });

  it("returns at least one whole batch even when it exceeds maxBytes", async () => {
    const { log } = await openLog();
    await log.appendRecords([{ value: new Uint8Array(5000) }]);
    const { records: bytes } = await log.read(0, { maxBytes: 10 });
    expect(decodeBatches(bytes)[0]!.records[0]!.value!.length).toBe(5000);
  });

  it("stops before maxOffset", async () => {
    const { log } = await openLog();
    for (const value of ["a", "b", "c"]) await log.appendRecords(records(value));
    const batches = decodeBatches((await log.read(0, { maxOffset: 2 })).records);
    expect(batches.map((b) => b.baseOffset)).toEqual([0, 1]);
  });

  it("finds the first offset at or after a timestamp", async () => {
    const { log } = await openLog({ "segment.bytes": "300", "index.interval.bytes": "50" });
    for (let i = 0; i < 40; i++) await log.appendRecords([{ value: `v${i}`, timestamp: 1000 + i * 10 }]);
    expect(log.segmentBaseOffsets.length).toBeGreaterThan(2);
    expect(await log.offsetForTimestamp(0)).toEqual({ offset: 0, timestamp: 1000 });
    expect(await log.offsetForTimestamp(1205)).toEqual({ offset: 21, timestamp: 1210 });
    expect(await log.offsetForTimestamp(1390)).toEqual({ offset: 39, timestamp: 1390 });
    expect(await log.offsetForTimestamp(1391)).toBeNull();
  });
});

describe("PartitionLog.describeSegments", () => {
  it("reports each segment's offsets and the index entries pointing at its batches", async () => {
    const { log } = await openLog({ "index.interval.bytes": "1" });
    const sizes: number[] = [];
    for (const values of [["a", "b"], ["c"], ["d", "e", "f"]]) {
      const batch = encodeBatch({ baseTimestamp: 1_700_000_000_000 + sizes.length, records: records(...values) });
      sizes.push(batch.length);
      await log.append(batch);
    }
    const [segment, ...others] = log.describeSegments();
    expect(others).toEqual([]);
    expect(segment).toMatchObject({ baseOffset: 0, nextOffset: 6, sizeInBytes: sizes[0]! + sizes[1]! + sizes[2]! });
    expect(segment!.fileNames).toEqual(["orders-0/00000000000000000000.log", "orders-0/00000000000000000000.index", "orders-0/00000000000000000000.timeindex"]);
    // Like Kafka, no entry for the batch at position 0; then one per batch, keyed by its last offset.
    expect(segment!.offsetIndex).toEqual([{ relativeOffset: 2, position: sizes[0] }, { relativeOffset: 5, position: sizes[0]! + sizes[1]! }]);
    expect(segment!.timeIndex.map((e) => e.relativeOffset)).toEqual([2, 5]);
    await log.roll();
    expect(log.describeSegments().map((s) => [s.baseOffset, s.nextOffset])).toEqual([[0, 6], [6, 6]]);
  });
});
