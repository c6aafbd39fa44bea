// The checker on hand-made histories: each kind of violation is found and
// explained, and an unknown outcome is allowed either way.

import { describe, expect, it } from "vitest";
import { checkLog } from "../../sim/checker.ts";
import type { HistoryEntry, Outcome } from "../../sim/history.ts";

const send = (value: string, outcome: Outcome, process = "p"): HistoryEntry[] => [
  { process, type: "invoke", op: "send", value, atMs: 0 },
  { process, type: outcome, op: "send", value, atMs: 1 },
];

describe("checkLog", () => {
  it("accepts a log holding exactly the acknowledged values, in order", () => {
    expect(checkLog([...send("a", "ok"), ...send("b", "ok")], ["a", "b"])).toMatchObject({ valid: true, anomalies: [], explanation: [] });
  });

  it("finds an acknowledged write the log lost", () => {
    const verdict = checkLog([...send("a", "ok"), ...send("b", "ok")], ["a"]);
    expect(verdict.lostAcknowledged).toEqual(["b"]);
    expect(verdict.anomalies).toEqual([{ kind: "lost-acknowledged", values: ["b"], entries: [2, 3] }]);
    expect(verdict.explanation).toEqual(["b was acknowledged but is not in the log"]);
  });

  it("finds duplicates, values never sent, and values whose send failed", () => {
    const verdict = checkLog([...send("a", "ok"), ...send("f", "fail")], ["a", "a", "ghost", "f"]);
    expect(verdict.duplicated).toEqual([{ value: "a", count: 2 }]);
    expect(verdict.unexpected).toEqual(["ghost", "f"]);
    expect(verdict.anomalies).toEqual([
      { kind: "duplicated", values: ["a"], entries: [0, 1] },
      { kind: "unexpected", values: ["ghost"], entries: [] },
      { kind: "unexpected", values: ["f"], entries: [2, 3] },
    ]);
    expect(verdict.valid).toBe(false);
  });

  it("finds one process's acknowledged writes out of order", () => {
    const verdict = checkLog([...send("a", "ok"), ...send("b", "ok")], ["b", "a"]);
    expect(verdict.reordered).toEqual([["a", "b"]]);
    expect(verdict.anomalies).toEqual([{ kind: "reordered", values: ["a", "b"], entries: [1, 3] }]);
  });

  it("allows a send of unknown outcome to be in the log or not", () => {
    for (const log of [["a"], []]) {
      const verdict = checkLog(send("a", "info"), log);
      expect(verdict.valid).toBe(true);
      expect(verdict.anomalies).toEqual([]);
      expect(verdict.indeterminate).toEqual([{ value: "a", inLog: log.length > 0 }]);
    }
  });
});
