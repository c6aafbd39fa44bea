// Consumer groups under churn (sim/scenarios/rebalance-storm.ts): real
// consumers join, poll, stop polling, leave and crash, and the group is
// forced to rebalance, in storm plans fast-check draws — each a simulate()
// run whose members are programs and whose crashes and forced rebalances are
// its faults — and in no generation does any partition belong to two
// members, whatever assignor the group uses.

import fc from "fast-check";
import { expect, it } from "vitest";
import { ASSIGNOR_NAMES } from "../../src/index.ts";
import { runRebalanceStorm, STORM_MS, type StormMember, type StormPlan } from "../../sim/scenarios/rebalance-storm.ts";

const member = fc.record(
  {
    joinAtMs: fc.integer({ min: 0, max: 25_000 }),
    stop: fc.record({ how: fc.constantFrom("leave" as const, "idle" as const, "crash" as const), afterMs: fc.integer({ min: 0, max: 15_000 }) }),
  },
  { requiredKeys: ["joinAtMs"] },
);
const plans = fc.record({
  // Two members from the start, as a group usually begins.
  members: fc.array(member, { minLength: 1, maxLength: 5 }).map((later): StormMember[] => [{ joinAtMs: 0 }, { joinAtMs: 0 }, ...later]),
  rebalancesAtMs: fc.array(fc.integer({ min: 0, max: STORM_MS / 2 }), { maxLength: 3 }),
}) as fc.Arbitrary<StormPlan>;

it("no partition has two owners in any generation", async () => {
  await fc.assert(
    fc.asyncProperty(plans, fc.constantFrom(...ASSIGNOR_NAMES), async (plan, assignor) => {
      const run = await runRebalanceStorm(3, assignor, plan);
      expect(run.violations).toEqual([]);
      // The verdict judged real assignments: the group formed generations.
      expect(run.history.some((e) => e.op === "assign")).toBe(true);
    }),
    { numRuns: 25 },
  );
});

it("a forced rebalance and a crash each start a new generation", async () => {
  const assignments = async (plan: StormPlan) => {
    const run = await runRebalanceStorm(3, "range", plan);
    expect(run.violations).toEqual([]);
    return run.history.filter((e) => e.op === "assign");
  };
  const generations = (entries: readonly { detail?: string }[]) => new Set(entries.map((e) => e.detail)).size;
  expect(generations(await assignments({ members: [{ joinAtMs: 0 }, { joinAtMs: 0 }] }))).toBe(1);
  expect(generations(await assignments({ members: [{ joinAtMs: 0 }, { joinAtMs: 0 }], rebalancesAtMs: [10_000] }))).toBe(2);
  // The crashed member's session expires and its restarted incarnation joins: a later generation hands it partitions.
  const crashed = await assignments({ members: [{ joinAtMs: 0 }, { joinAtMs: 0, stop: { how: "crash", afterMs: 5000 } }] });
  expect(generations(crashed)).toBeGreaterThan(1);
  expect(crashed.at(-1)!.detail).not.toBe("generation 1");
  expect(crashed.some((e) => e.process === "member-2#2")).toBe(true);
});
