// The ownership checker on hand-made assignment histories: two members of
// one generation holding one partition is found and explained; one member
// per partition per generation, or the same partition in two generations,
// is not a violation.

import { describe, expect, it } from "vitest";
import type { HistoryEntry } from "../../sim/history.ts";
import { checkOwnership } from "../../sim/ownership-checker.ts";

const assigned = (member: string, generation: number, ...partitions: string[]): HistoryEntry[] =>
  partitions.map((value) => ({ process: member, type: "ok", op: "assign", value, atMs: generation, detail: `generation ${generation}` }));

describe("checkOwnership", () => {
  it("accepts a partition moving from one member to another between generations", () => {
    const verdict = checkOwnership([...assigned("a", 1, "t-0", "t-1"), ...assigned("a", 2, "t-0"), ...assigned("b", 2, "t-1")]);
    expect(verdict).toMatchObject({ valid: true, anomalies: [], explanation: [] });
    expect(verdict.generations).toBe(2);
  });

  it("finds two members of one generation holding one partition", () => {
    const verdict = checkOwnership([...assigned("a", 3, "t-0", "t-1"), ...assigned("b", 3, "t-1", "t-2")]);
    expect(verdict.sharedOwners).toEqual([{ generation: "generation 3", partition: "t-1", members: ["a", "b"] }]);
    expect(verdict.valid).toBe(false);
    expect(verdict.anomalies).toEqual([{ kind: "shared-owner", generation: "generation 3", partition: "t-1", members: ["a", "b"], entries: [1, 2] }]);
    expect(verdict.explanation).toEqual(["generation 3: t-1 owned by a and b"]);
  });

  it("ignores other operations in the history", () => {
    const sends: HistoryEntry[] = [
      { process: "a", type: "ok", op: "send", value: "t-0", atMs: 0, detail: "generation 1" },
      { process: "b", type: "ok", op: "send", value: "t-0", atMs: 0, detail: "generation 1" },
    ];
    expect(checkOwnership(sends)).toEqual({ valid: "unknown", anomalies: [], generations: 0, sharedOwners: [], explanation: [] });
  });
});
