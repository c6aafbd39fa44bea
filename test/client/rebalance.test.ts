// Consumer groups under churn (sim/scenarios/rebalance-storm.ts): real
// consumers join, poll, stop polling and leave in plans fast-check draws, and
// in no generation does any partition belong to two members — whatever
// assignor the group uses.

import fc from "fast-check";
import { expect, it } from "vitest";
import { ASSIGNOR_NAMES } from "../../src/index.ts";
import { runRebalanceStorm, type StormAction } from "../../sim/scenarios/rebalance-storm.ts";

const plans = fc.array(
  fc.oneof(
    fc.constant<StormAction>({ kind: "join" }),
    fc.nat(9).map<StormAction>((pick) => ({ kind: "leave", pick })),
    fc.nat(9).map<StormAction>((pick) => ({ kind: "idle", pick })),
    fc.integer({ min: 1, max: 6 }).map<StormAction>((count) => ({ kind: "rounds", count })),
  ),
  { minLength: 4, maxLength: 14, size: "max" },
).map((plan): StormAction[] => [{ kind: "join" }, { kind: "join" }, ...plan]);

it("no partition has two owners in any generation", async () => {
  await fc.assert(
    fc.asyncProperty(plans, fc.constantFrom(...ASSIGNOR_NAMES), async (plan, assignor) => {
      const run = await runRebalanceStorm(3, assignor, plan);
      expect(run.violations).toEqual([]);
    }),
    { numRuns: 25 },
  );
});
