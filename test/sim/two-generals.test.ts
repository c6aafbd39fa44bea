// The two-generals scenario: the same seed gives the same trace byte for
// byte; across seeds, lost answers make a producer without idempotence write
// duplicates, and an idempotent one never does.

import { describe, expect, it } from "vitest";
import { runTwoGenerals } from "../../sim/scenarios/two-generals.ts";

describe("two generals", () => {
  it("replays byte for byte from its seed", async () => {
    const first = await runTwoGenerals(42, false);
    const second = await runTwoGenerals(42, false);
    expect(first.result.traceText()).toBe(second.result.traceText());
    expect(JSON.stringify(first.result.history)).toBe(JSON.stringify(second.result.history));
    expect(first.result.trace.some((e) => e.kind === "lost")).toBe(true);
    expect((await runTwoGenerals(43, false)).result.traceText()).not.toBe(first.result.traceText());
  });

  it("without idempotence, lost answers and retries duplicate records; with it, never", async () => {
    let seedsWithDuplicates = 0;
    for (let seed = 1; seed <= 10; seed++) {
      const plain = await runTwoGenerals(seed, false);
      const idempotent = await runTwoGenerals(seed, true);
      expect(idempotent.violations, `seed ${seed} with idempotence`).toEqual([]);
      expect(plain.result.checks["no lost writes"]!.explanation, `seed ${seed}`).toEqual([]);
      if (plain.result.checks["no duplicates"]!.valid === false) seedsWithDuplicates++;
    }
    expect(seedsWithDuplicates).toBeGreaterThan(5);
  });
});
