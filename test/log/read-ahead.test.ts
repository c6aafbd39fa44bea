// Read-ahead on in-memory storage (handed a background read by the suite's wrapper, so it runs in every runtime),
// and the byte budget every partition's windows share.

import { describe, expect, it } from "vitest";
import { MemoryStorage, ReadAheadBudget, type ReadAheadHolder } from "../../src/index.ts";
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
