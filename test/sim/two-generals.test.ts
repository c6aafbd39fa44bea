// The two-generals scenario: the same seed gives the same trace byte for
// byte; across seeds, lost answers make a producer without idempotence write
// duplicates, and an idempotent one never does.

import { describe, expect, it } from "vitest";
import { runTwoGenerals } from "../../sim/scenarios/two-generals.ts";

describe("two generals", () => {
  it("replays byte for byte from its seed", async () => {
    const first = await runTwoGenerals(42, false);
    const second = await runTwoGenerals(42, false);
    expect(first.world.traceText()).toBe(second.world.traceText());
    expect(JSON.stringify(first.history.entries)).toBe(JSON.stringify(second.history.entries));
    expect(first.world.trace.some((e) => e.kind === "lost")).toBe(true);
    expect((await runTwoGenerals(43, false)).world.traceText()).not.toBe(first.world.traceText());
  });

  it("without idempotence, lost answers and retries duplicate records; with it, never", async () => {
    let seedsWithDuplicates = 0;
    for (let seed = 1; seed <= 10; seed++) {
      const plain = await runTwoGenerals(seed, false);
      const idempotent = await runTwoGenerals(seed, true);
      expect(idempotent.verdict.explanation, `seed ${seed} with idempotence`).toEqual([]);
      expect(plain.verdict.lostAcknowledged, `seed ${seed}`).toEqual([]);
      if (plain.verdict.duplicated.length > 0) seedsWithDuplicates++;
    }
    expect(seedsWithDuplicates).toBeGreaterThan(5);
  });
});
