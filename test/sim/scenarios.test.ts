// Every scenario's verdict matches kafka-facts.md: configurations that
// promise a guarantee keep it; the weaker ones show the failure they allow.

import { describe, expect, it } from "vitest";
import { SCENARIOS } from "../../sim/scenarios/index.ts";

describe("scenario verdicts", () => {
  it("no promised guarantee is broken, in any scenario", async () => {
    for (const [name, scenario] of Object.entries(SCENARIOS)) {
      for (const run of await scenario.run(5)) {
        if (run.promised) expect(run.violations, `${name}: ${run.label}`).toEqual([]);
      }
    }
  });

  it("the weaker loops show what they allow: losses, repeats, or both", async () => {
    const notes = async (name: string) => (await SCENARIOS[name]!.run(5))[0]!.notes.join("\n");
    expect(await notes("at-most-once")).toMatch(/processed never/);
    expect(await notes("at-most-once")).not.toMatch(/processed \d+ times/);
    expect(await notes("at-least-once")).toMatch(/processed 2 times/);
    expect(await notes("at-least-once")).not.toMatch(/processed never/);
    expect(await notes("auto-commit-neither")).toMatch(/processed never/);
    expect(await notes("auto-commit-neither")).toMatch(/processed 2 times/);
  });
});

describe("crash-unsynced-tail", () => {
  it("loses acknowledged writes under Kafka's default on one broker, and never with flush.messages=1", async () => {
    const { runCrashUnsyncedTail } = await import("../../sim/scenarios/crash-unsynced-tail.ts");
    let seedsWithLoss = 0;
    for (let seed = 1; seed <= 8; seed++) {
      expect((await runCrashUnsyncedTail(seed, true)).violations, `seed ${seed}`).toEqual([]);
      if ((await runCrashUnsyncedTail(seed, false)).violations.length > 0) seedsWithLoss++;
    }
    expect(seedsWithLoss).toBeGreaterThan(4);
  });
});
