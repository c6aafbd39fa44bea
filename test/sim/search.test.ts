// Fault search: fast-check draws crash points and restart delays for a
// user's programs, and shrinks a schedule that breaks a check to a small
// replay that simulate({ replay }) runs again byte for byte.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { atLeastOnce, faultSchedules, replayJson, simulate, SimulationFailure, simulationProperty } from "../../sim/index.ts";
import commitFirst from "./examples/commit-first.mjs";
import billing from "./examples/my-loop.mjs";

const orders = billing.inputs.map((input) => input.value);
const checks = { "at-least-once": atLeastOnce(orders) };
const bounds = { steps: ["processed", "committed"], crashesMax: 2, occurrenceMax: 6 };

it("finds no schedule that makes the process-then-commit loop lose an order", async () => {
  await fc.assert(simulationProperty(fc, { ...billing, checks }, bounds), { seed: 11, numRuns: 12 });
});

describe("fault search", () => {
  it("shrinks a lost order of the commit-first loop to one crash, and the replay runs again byte for byte", async () => {
    const found = await fc.check(simulationProperty(fc, { ...commitFirst, checks }, bounds), { seed: 11, numRuns: 40 });
    expect(found.failed).toBe(true);
    const [replay] = found.counterexample!;
    expect(replay.seed).toBe(0);
    expect(replay.faults.crashes).toEqual([{ process: "billing", step: "committed", occurrence: expect.any(Number) }]);
    expect(replay.faults.restartAfterMs).toEqual([0, 0]);
    expect(found.errorInstance).toBeInstanceOf(SimulationFailure);
    expect((found.errorInstance as Error).message).toContain(`replay: ${replayJson(replay)}`);

    const again = JSON.parse(replayJson(replay)) as typeof replay;
    const [first, second] = [await simulate({ ...commitFirst, replay: again, checks }), await simulate({ ...commitFirst, replay: again, checks })];
    expect(first.verdict.valid).toBe(false);
    expect(second.traceText()).toBe(first.traceText());
    expect(JSON.stringify(second.history)).toBe(JSON.stringify(first.history));
    expect(first.replay).toEqual(again);
    expect(first.stepsReached["billing"]!["committed"]).toBeGreaterThanOrEqual((replay.faults.crashes![0] as { occurrence: number }).occurrence);
  });

  it("draws lossy links within its bounds, healing at half the run", () => {
    const drawn = fc.sample(faultSchedules(fc, ["billing"], { ...bounds, lossMax: 0.2 }, 20_000), { seed: 3, numRuns: 30 });
    const links = drawn.flatMap((replay) => Object.values(replay.faults.links ?? {}));
    expect(links.length).toBeGreaterThan(0);
    for (const link of links) {
      expect(link.loseRequest).toBeLessThanOrEqual(0.2);
      expect(link.loseAnswer).toBeLessThanOrEqual(0.2);
      expect(link.healAtMs).toBe(10_000);
    }
  });
});
