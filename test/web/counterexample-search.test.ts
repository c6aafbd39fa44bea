// The counterexample lesson's search, without its Worker: fast-check breaks
// "no value lost or duplicated" for retries without idempotence and shrinks
// the failure to a schedule that replays to the same violation.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { noValueLostOrDuplicated, searchCounterexample, violations } from "../../web/src/engine/counterexample-search.ts";

describe("the counterexample search", () => {
  it("finds and shrinks a duplicate for retries without idempotence, and the counterexample replays to the same violation", async () => {
    const progress: number[] = [];
    const outcome = await searchCounterexample({ config: "retries", numRuns: 100, fcSeed: 42 }, (p) => progress.push(p.runs + p.shrinkTries));
    expect(outcome.found).toBe(true);
    if (!outcome.found) return;
    const { counterexample, explanation } = outcome;
    expect(explanation.some((line) => / is in the log \d+ times$/.test(line))).toBe(true);
    expect(counterexample.messages).toBeLessThanOrEqual(2);
    expect(counterexample.answerLossPercent).toBeGreaterThan(0);
    expect(outcome.shrinks).toBeGreaterThan(0);
    // Progress is heard once per schedule tried, counting up.
    expect(progress).toEqual(progress.map((_, i) => i + 1));
    // Replays: the schedule alone gives the same violation, and so do fast-check's seed and path.
    expect(await violations("retries", counterexample)).toEqual(explanation);
    const again = await fc.check(noValueLostOrDuplicated("retries"), { seed: outcome.fcSeed, path: outcome.path, endOnFailure: true });
    expect(again.counterexample).toEqual([counterexample]);
  });

  it("finds no counterexample for the idempotent producer", async () => {
    const outcome = await searchCounterexample({ config: "idempotent", numRuns: 40, fcSeed: 42 });
    expect(outcome).toEqual({ found: false, runs: 40, fcSeed: 42 });
  });
});
