// Forced rebalances (faults.rebalances): the group's members give up their
// partitions and rejoin, at a virtual time or when a process reaches a step.
// A loop whose rebalance listener commits what it fetched rather than what
// it processed loses records only through a rebalance: crashes alone never
// break it, and the search that draws rebalances finds the loss, shrinks it
// to one rebalance and replays it byte for byte.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { atLeastOnce, faultSchedules, onePartitionOwner, replayJson, simulate, SimulateOptionsError, SimulationFailure, simulationProperty } from "../../sim/index.ts";
import commitOnRevoke from "./examples/commit-on-revoke.mjs";
import billing from "./examples/my-loop.mjs";

const orders = commitOnRevoke.inputs.map((input) => input.value);
const checks = { "at-least-once": atLeastOnce(orders) };
const steps = ["processed", "committed"];

describe("a forced rebalance", () => {
  it("makes the group's member give up its partitions and rejoin in the next generation, and a correct loop loses nothing", async () => {
    const result = await simulate({
      ...billing, seed: 4, faults: { rebalances: [{ process: "billing", step: "processed", occurrence: 1 }] },
      checks: { ...checks, "one owner": onePartitionOwner },
    });
    expect(result.verdict.explanation).toEqual([]);
    expect(result.trace).toContainEqual(expect.objectContaining({ kind: "rebalance", from: "broker", detail: "forced in billing (billing#1 reached processed (1st time))" }));
    const generations = new Set(result.history.filter((e) => e.op === "assign").map((e) => e.detail));
    expect([...generations]).toEqual(["generation 1", "generation 2"]);
  });

  it("at a virtual time, says so when no group has members yet", async () => {
    const result = await simulate({ ...billing, seed: 4, faults: { rebalances: [{ atMs: 0 }, { atMs: 5000 }] }, checks });
    const forced = result.trace.filter((e) => e.kind === "rebalance").map((e) => e.detail);
    expect(forced).toEqual(["no group has members (at 0 ms)", "forced in billing (at 5000 ms)"]);
    expect(result.history.filter((e) => e.op === "assign").map((e) => e.detail)).toContain("generation 2");
  });

  it("refuses a malformed rebalance point, naming it", async () => {
    const run = (rebalances: unknown) => simulate({ ...billing, seed: 1, faults: { rebalances } as never });
    await expect(run([{ atMs: -1 }])).rejects.toThrow(new SimulateOptionsError(
      'faults.rebalances[0]: {"atMs":-1} is not { atMs >= 0 } or { process, step, occurrence >= 1 }'));
    await expect(run([{ process: "nobody", step: "processed", occurrence: 1 }])).rejects.toThrow(
      'faults.rebalances[0].process: no process "nobody" (processes: billing)');
    await expect(run({ atMs: 3 })).rejects.toThrow('faults.rebalances must be a list, got {"atMs":3}');
  });
});

describe("the fault search's rebalances", () => {
  it("draws rebalances at the programs' steps within the bounds, and what it drew before when the bounds allow none", () => {
    const drawn = fc.sample(faultSchedules(fc, ["pipeline"], { steps, rebalancesMax: 2, occurrenceMax: 4 }, 20_000), { seed: 5, numRuns: 60 });
    const points = drawn.flatMap((replay) => replay.faults.rebalances ?? []);
    expect(drawn.some((replay) => replay.faults.rebalances === undefined)).toBe(true);
    expect(points.length).toBeGreaterThan(0);
    for (const replay of drawn) expect((replay.faults.rebalances ?? []).length).toBeLessThanOrEqual(2);
    for (const point of points) {
      expect(point).toEqual({ process: "pipeline", step: expect.stringMatching(/^(processed|committed)$/), occurrence: expect.any(Number) });
      expect((point as { occurrence: number }).occurrence).toBeLessThanOrEqual(4);
    }
    const before = fc.sample(faultSchedules(fc, ["pipeline"], { steps }, 20_000), { seed: 5, numRuns: 30 });
    const zero = fc.sample(faultSchedules(fc, ["pipeline"], { steps, rebalancesMax: 0 }, 20_000), { seed: 5, numRuns: 30 });
    expect(JSON.stringify(zero)).toBe(JSON.stringify(before));
  });

  it("finds no lost order of the commit-on-revoke loop through crashes alone", async () => {
    await fc.assert(simulationProperty(fc, { ...commitOnRevoke, checks }, { steps, crashesMax: 2, occurrenceMax: 6 }, false), { seed: 11, numRuns: 10 });
  });

  it("finds it through a rebalance, shrunk to one rebalance and no crash, and the replay runs again byte for byte", async () => {
    const bounds = { steps, crashesMax: 2, occurrenceMax: 6, rebalancesMax: 2 };
    const found = await fc.check(simulationProperty(fc, { ...commitOnRevoke, checks }, bounds, false), { seed: 11, numRuns: 40 });
    expect(found.failed).toBe(true);
    const [replay] = found.counterexample!;
    expect(replay.seed).toBe(0);
    expect(replay.faults.crashes).toEqual([]);
    expect(replay.faults.rebalances).toEqual([{ process: "pipeline", step: expect.stringMatching(/^(processed|committed)$/), occurrence: expect.any(Number) }]);
    // What the README shows.
    expect(replayJson(replay)).toBe('{"seed":0,"faults":{"crashes":[],"restartAfterMs":[0,0],"rebalances":[{"process":"pipeline","step":"processed","occurrence":1}]}}');
    expect(found.errorInstance).toBeInstanceOf(SimulationFailure);
    expect((found.errorInstance as Error).message).toMatch(/at-least-once: order-\d was never processed/);
    expect((found.errorInstance as Error).message).toContain(`replay: ${replayJson(replay)}`);

    const again = JSON.parse(replayJson(replay)) as typeof replay;
    const [first, second] = [await simulate({ ...commitOnRevoke, replay: again, checks }), await simulate({ ...commitOnRevoke, replay: again, checks })];
    expect(first.verdict.valid).toBe(false);
    expect(first.trace.some((e) => e.kind === "rebalance" && e.detail?.startsWith("forced in billing"))).toBe(true);
    expect(second.traceText()).toBe(first.traceText());
    expect(JSON.stringify(second.history)).toBe(JSON.stringify(first.history));
    expect(first.replay).toEqual(again);
  });
});
