// The processing checker on hand-made histories of consumer steps: records
// delivered twice to the processing step, never delivered, or delivered and
// cut short, each found and explained.

import { describe, expect, it } from "vitest";
import type { HistoryEntry } from "../../sim/history.ts";
import { checkProcessing } from "../../sim/processing-checker.ts";

const step = (process: string, value: string, completed: boolean): HistoryEntry[] => [
  { process, type: "invoke", op: "process", value, atMs: 0 },
  ...(completed ? [{ process, type: "ok" as const, op: "process" as const, value, atMs: 1 }] : []),
];

describe("checkProcessing", () => {
  it("accepts every record processed once", () => {
    const verdict = checkProcessing([...step("c1", "r0", true), ...step("c1", "r1", true)], ["r0", "r1"]);
    expect(verdict).toMatchObject({ valid: true, anomalies: [], explanation: [] });
    expect([...verdict.completions.values()]).toEqual([1, 1]);
  });

  it("finds a record delivered twice to the processing step, even if the first time was cut short", () => {
    const verdict = checkProcessing([...step("c1", "r0", false), ...step("c2", "r0", true)], ["r0"]);
    expect(verdict.deliveredTwice).toEqual([{ value: "r0", times: 2 }]);
    expect(verdict.neverCompleted).toEqual([]);
    expect(verdict.valid).toBe(false);
    expect(verdict.anomalies).toEqual([{ kind: "delivered-twice", value: "r0", entries: [0, 1, 2] }]);
    expect(verdict.explanation).toEqual(["r0 was delivered to the processing step 2 times"]);
  });

  it("finds records never delivered, and delivered but never completed", () => {
    const verdict = checkProcessing([...step("c1", "r0", false)], ["r0", "r1"]);
    expect(verdict.neverDelivered).toEqual(["r1"]);
    expect(verdict.neverCompleted).toEqual(["r0"]);
    expect(verdict.anomalies).toEqual([
      { kind: "never-delivered", value: "r1", entries: [] },
      { kind: "never-completed", value: "r0", entries: [0] },
    ]);
    expect(verdict.explanation).toEqual([
      "r1 was never delivered to the processing step",
      "r0 was delivered, but its processing never completed",
    ]);
  });

  it("ignores the history's send operations", () => {
    const sends: HistoryEntry[] = [{ process: "p", type: "invoke", op: "send", value: "r0", atMs: 0 }];
    expect(checkProcessing(sends, ["r0"]).neverDelivered).toEqual(["r0"]);
  });
});
