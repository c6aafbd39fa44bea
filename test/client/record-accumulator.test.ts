// The record accumulator on its own: records in, closed batches and linger
// deadlines out, driven by hand with no scheduler and no broker.

import { describe, expect, it } from "vitest";
import { RecordAccumulator } from "../../src/client/record-accumulator.ts";

const accumulator = (batchSizeBytes = 100, lingerMs = 5) => new RecordAccumulator<string>({ batchSizeBytes, lingerMs });

describe("the record accumulator", () => {
  it("gathers a partition's records into one batch until its linger deadline, then closes it", () => {
    const acc = accumulator();
    const first = acc.handleAppend("t", 0, "a", 10, 1_000);
    const second = acc.handleAppend("t", 0, "b", 10, 1_003);
    expect(first).toMatchObject({ created: true, closed: false });
    expect(second).toMatchObject({ created: false, closed: false });
    expect(second.batch).toBe(first.batch);
    expect(acc.nextDeadlineMs()).toBe(1_005);
    expect(acc.pollReady(1_004)).toEqual([]);
    expect(acc.pollReady(1_005).map((b) => b.records)).toEqual([["a", "b"]]);
    expect(acc.nextDeadlineMs()).toBeNull();
  });

  it("keeps one open batch per partition, each with its own deadline", () => {
    const acc = accumulator();
    acc.handleAppend("t", 0, "a", 10, 1_000);
    acc.handleAppend("t", 1, "b", 10, 1_002);
    expect(acc.nextDeadlineMs()).toBe(1_005);
    expect(acc.pollReady(1_005).map((b) => [b.partition, b.records])).toEqual([[0, ["a"]]]);
    expect(acc.nextDeadlineMs()).toBe(1_007);
  });

  it("closes a batch as soon as it reaches batch.size, and opens a new one for the next record", () => {
    const acc = accumulator(30);
    acc.handleAppend("t", 0, "a", 20, 1_000);
    const full = acc.handleAppend("t", 0, "b", 10, 1_001);
    expect(full.closed).toBe(true);
    expect(full.batch.bytes).toBe(30);
    const next = acc.handleAppend("t", 0, "c", 10, 1_002);
    expect(next).toMatchObject({ created: true, closed: false });
    expect(next.batch.deadlineMs).toBe(1_007);
  });

  it("sends one batch per partition at a time, in the order they closed", () => {
    const acc = accumulator(10);
    acc.handleAppend("t", 0, "a", 10, 1_000);
    acc.handleAppend("t", 0, "b", 10, 1_000);
    acc.handleAppend("t", 1, "c", 10, 1_000);
    const first = acc.pollSend("t", 0);
    expect(first?.records).toEqual(["a"]);
    expect(acc.pollSend("t", 0)).toBeUndefined(); // "a" is in flight
    expect(acc.pollSend("t", 1)?.records).toEqual(["c"]); // another partition is not held up
    acc.handleSent("t", 0);
    expect(acc.pollSend("t", 0)?.records).toEqual(["b"]);
    acc.handleSent("t", 0);
    expect(acc.pollSend("t", 0)).toBeUndefined();
  });

  it("does not close a batch twice (its linger deadline after batch.size closed it)", () => {
    const acc = accumulator(10);
    const { batch } = acc.handleAppend("t", 0, "a", 10, 1_000);
    expect(acc.close(batch)).toBe(false);
    expect(acc.pollSend("t", 0)?.records).toEqual(["a"]);
    acc.handleSent("t", 0);
    expect(acc.pollSend("t", 0)).toBeUndefined();
  });

  it("forgets the sticky partition when that partition's batch closes", () => {
    const acc = accumulator();
    acc.stick("t", 2);
    const { batch } = acc.handleAppend("t", 2, "a", 10, 1_000);
    acc.handleAppend("t", 1, "b", 10, 1_000);
    expect(acc.stickyPartition("t")).toBe(2);
    acc.close(acc.openBatches().find((b) => b.partition === 1)!);
    expect(acc.stickyPartition("t")).toBe(2);
    acc.close(batch);
    expect(acc.stickyPartition("t")).toBeUndefined();
  });

  it("a flush closes every open batch, oldest first", () => {
    const acc = accumulator();
    acc.handleAppend("u", 0, "a", 10, 1_000);
    acc.handleAppend("t", 3, "b", 10, 1_001);
    const open = acc.openBatches();
    expect(open.map((b) => b.topic)).toEqual(["u", "t"]);
    for (const batch of open) expect(acc.close(batch)).toBe(true);
    expect(acc.openBatches()).toEqual([]);
    expect(acc.pollSend("t", 3)?.records).toEqual(["b"]);
  });
});
