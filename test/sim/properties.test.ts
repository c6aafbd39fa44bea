// Properties over fault schedules, both directions: fast-check cannot break
// what a configuration promises, and it does break what a weaker one does
// not promise — shrinking the failure to a minimal run that replays from its
// seed and path.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runTwoGenerals } from "../../sim/scenarios/two-generals.ts";

/** A fault schedule: the world's seed, how many values, how often answers are lost. */
const schedules = fc.record({
  seed: fc.nat(),
  messages: fc.integer({ min: 1, max: 12 }),
  lossPercent: fc.integer({ min: 0, max: 60 }),
});

const noDuplicatesNoLoss = (idempotent: boolean) =>
  fc.asyncProperty(schedules, async ({ seed, messages, lossPercent }) => {
    const { violations } = await runTwoGenerals(seed, idempotent, messages, lossPercent / 100);
    expect(violations).toEqual([]);
  });

describe("the two generals, over random fault schedules", () => {
  it("an idempotent producer never writes a value twice nor loses an acknowledged one", async () => {
    await fc.assert(noDuplicatesNoLoss(true), { numRuns: 60 });
  });

  it("without idempotence fast-check finds a duplicate and shrinks it to a run of a value or two, replayable from seed and path", async () => {
    const details = await fc.check(noDuplicatesNoLoss(false), { numRuns: 200, seed: 2024 });
    expect(details.failed).toBe(true);
    const [minimal] = details.counterexample!;
    expect(minimal!.messages).toBeLessThanOrEqual(2);
    expect(minimal!.lossPercent).toBeGreaterThan(0);
    // The shrunk run replays: same schedule, same duplicate.
    const replay = await runTwoGenerals(minimal!.seed, false, minimal!.messages, minimal!.lossPercent / 100);
    expect(replay.result.checks["no duplicates"]!.anomalies.length).toBeGreaterThan(0);
    const again = await fc.check(noDuplicatesNoLoss(false), { seed: details.seed, path: details.counterexamplePath!, endOnFailure: true });
    expect(again.counterexample).toEqual(details.counterexample);
  });
});
