// Read-ahead on in-memory storage (handed a background read by the suite's wrapper, so it runs in every runtime),
// and the byte budget every partition's windows share.

import { describe, expect, it } from "vitest";
import { MemoryStorage, ReadAheadBudget, type ReadAheadHolder, returnServedBytes, WindowPool } from "../../src/index.ts";
import { readAheadCases } from "./read-ahead-cases.ts";

readAheadCases("memory", () => new MemoryStorage());

describe("a read-ahead budget", () => {
  const holder = (dropped: string[], name: string): ReadAheadHolder => ({ dropReadAhead: () => dropped.push(name) });

  it("makes room by dropping the windows held longest, and counts a holder's window once", () => {
    const dropped: string[] = [];
    const budget = new ReadAheadBudget(100);
    const [a, b, c] = [holder(dropped, "a"), holder(dropped, "b"), holder(dropped, "c")];
    expect(budget.admit(a, 40)).toBe(true);
    expect(budget.admit(b, 40)).toBe(true);
    expect(budget.admit(a, 30)).toBe(true); // a's new window replaces its old one, and a is now the newest
    expect(budget.bytes).toBe(70);
    expect(budget.admit(c, 50)).toBe(true);
    expect(dropped).toEqual(["b"]);
    expect(budget.bytes).toBe(80);
    budget.release(a);
    budget.release(a);
    expect(budget.bytes).toBe(50);
  });

  it("refuses a window larger than the whole budget without dropping any other", () => {
    const dropped: string[] = [];
    const budget = new ReadAheadBudget(100);
    budget.admit(holder(dropped, "a"), 60);
    expect(budget.admit(holder(dropped, "big"), 101)).toBe(false);
    expect(dropped).toEqual([]);
    expect(budget.bytes).toBe(60);
  });

  it("is a byte count", () => {
    expect(() => new ReadAheadBudget(-1)).toThrow(RangeError);
    expect(() => new ReadAheadBudget(1.5)).toThrow(RangeError);
  });
});

describe("a window pool", () => {
  it("hands a buffer out again only after it came back, sized in steps so that near sizes share", () => {
    const pool = new WindowPool(1 << 20);
    const first = pool.take(100_000);
    expect(first.buffer.byteLength).toBe(131_072);
    first.release();
    expect(pool.freeBytes).toBe(131_072);
    expect(pool.take(70_000).buffer).toBe(first.buffer); // same step
    expect(pool.freeBytes).toBe(0);
    expect(pool.take(70_000).buffer).not.toBe(first.buffer); // out: a new one
  });

  it("gives a lent buffer back only when the view lent returns, once, and never on a release meanwhile", () => {
    const pool = new WindowPool(1 << 20);
    const pooled = pool.take(1000);
    const view = pooled.bytes.subarray(10, 20);
    pooled.lend(view);
    pooled.release(); // the window lets go, but the view is still out
    expect(pool.freeBytes).toBe(0);
    returnServedBytes(view.subarray(0)); // another view of the same bytes is not the one lent
    expect(pool.freeBytes).toBe(0);
    returnServedBytes(view);
    returnServedBytes(view);
    expect(pool.freeBytes).toBe(65_536);
    expect(() => pooled.lend(pooled.bytes.subarray(0, 1))).toThrow(/no longer held/);
  });

  it("never keeps a buffer twice, nor more free bytes than its limit", () => {
    const pool = new WindowPool(65_536);
    const a = pool.take(10);
    const b = pool.take(10);
    pool.give(a.buffer);
    pool.give(a.buffer);
    pool.give(b.buffer); // over the limit: left to the garbage collector
    expect(pool.freeBytes).toBe(65_536);
    expect(pool.take(10).buffer).toBe(a.buffer);
    expect(pool.take(10).buffer).not.toBe(a.buffer);
  });
});
