// The isolation checker on hand-written histories, and the read-committed
// scenario end to end: read_committed sees exactly the committed values,
// read_uncommitted also sees aborted and abandoned ones, and the checker
// names each with its transaction's fate.

import { describe, expect, it } from "vitest";
import type { HistoryEntry } from "../../sim/history.ts";
import { checkIsolation } from "../../sim/isolation-checker.ts";
import { readCommitted } from "../../sim/scenarios/read-committed.ts";

const send = (value: string, transaction: string): HistoryEntry[] => [
  { process: "p", type: "invoke", op: "send", value, atMs: 0 },
  { process: "p", type: "ok", op: "send", value, atMs: 1, detail: transaction },
];
const end = (op: "commit" | "abort", transaction: string): HistoryEntry[] => [
  { process: "p", type: "invoke", op, value: transaction, atMs: 2 },
  { process: "p", type: "ok", op, value: transaction, atMs: 3 },
];
const history = [...send("a", "t1"), ...send("b", "t1"), ...end("commit", "t1"), ...send("c", "t2"), ...end("abort", "t2"), ...send("d", "t3")];

describe("checkIsolation", () => {
  it("accepts a reader that saw exactly the committed values", () => {
    expect(checkIsolation(history, ["a", "b"])).toMatchObject({ valid: true, anomalies: [], explanation: [] });
  });

  it("cannot judge a history without transactional sends", () => {
    expect(checkIsolation([], ["a"])).toMatchObject({ valid: "unknown", anomalies: [], explanation: [] });
  });

  it("names aborted and never-committed values read, committed ones missed, and values read twice", () => {
    const verdict = checkIsolation(history, ["a", "c", "d", "a"]);
    expect(verdict.valid).toBe(false);
    // history: a 0-1, b 2-3, commit t1 4-5, c 6-7, abort t2 8-9, d 10-11
    expect(verdict.anomalies).toEqual([
      { kind: "uncommitted-read", value: "c", transaction: "t2", entries: [6, 7, 8, 9] },
      { kind: "uncommitted-read", value: "d", transaction: "t3", entries: [10, 11] },
      { kind: "committed-missing", value: "b", transaction: "t1", entries: [2, 3, 4, 5] },
      { kind: "read-twice", value: "a", transaction: "t1", entries: [0, 1] },
    ]);
    expect(verdict.explanation).toEqual([
      "c was read, but its transaction t2 aborted",
      "d was read, but its transaction t3 never committed",
      "b was committed in t1 but never read",
      "a was read more than once",
    ]);
  });
});

describe("the read-committed scenario", () => {
  it("read_committed keeps its promise; read_uncommitted reads the zombie's abandoned transaction", async () => {
    for (const seed of [1, 2, 3]) {
      const [committed, uncommitted] = await readCommitted(seed);
      expect(committed!.label).toBe("read_committed");
      expect(committed!.violations).toEqual([]);
      expect(uncommitted!.promised).toBe(false);
      expect(uncommitted!.violations).toContain("zombie/value-0 was read, but its transaction writer#1/txn-1 never committed");
      // The readers are processes of one simulate() run: the zombie died at its crash point, and its successor took over.
      expect(committed!.trace).toBe(uncommitted!.trace);
      expect(committed!.trace).toContainEqual(expect.objectContaining({ kind: "crash point", from: "writer#1", detail: "transaction open (1st time)" }));
      expect(committed!.history.some((e) => e.op === "read read_committed" && e.value.startsWith("zombie/"))).toBe(false);
      expect(committed!.history.filter((e) => e.op === "read read_committed").length).toBeGreaterThan(0);
    }
  });
});
