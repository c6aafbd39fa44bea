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
    expect(checkLog([...send("a", "ok"), ...send("b", "ok")], ["a", "b"])).toMatchObject({ valid: true, explanation: [] });
  });

  it("finds an acknowledged write the log lost", () => {
    const verdict = checkLog([...send("a", "ok"), ...send("b", "ok")], ["a"]);
    expect(verdict.lostAcknowledged).toEqual(["b"]);
    expect(verdict.explanation).toEqual(["b was acknowledged but is not in the log"]);
  });

  it("finds duplicates, values never sent, and values whose send failed", () => {
    const verdict = checkLog([...send("a", "ok"), ...send("f", "fail")], ["a", "a", "ghost", "f"]);
    expect(verdict.duplicated).toEqual([{ value: "a", count: 2 }]);
    expect(verdict.unexpected).toEqual(["ghost", "f"]);
    expect(verdict.valid).toBe(false);
  });

  it("finds one process's acknowledged writes out of order", () => {
    expect(checkLog([...send("a", "ok"), ...send("b", "ok")], ["b", "a"]).reordered).toEqual([["a", "b"]]);
  });

  it("allows a send of unknown outcome to be in the log or not", () => {
    for (const log of [["a"], []]) {
      const verdict = checkLog(send("a", "info"), log);
      expect(verdict.valid).toBe(true);
      expect(verdict.indeterminate).toEqual([{ value: "a", inLog: log.length > 0 }]);
    }
  });
});
