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
    expect(await notes("at-most-once")).toMatch(/never processed/);
    expect(await notes("at-most-once")).not.toMatch(/processed \d+ times/);
    expect(await notes("at-least-once")).toMatch(/processed 2 times/);
    expect(await notes("at-least-once")).not.toMatch(/never processed/);
    expect(await notes("auto-commit-neither")).toMatch(/never processed/);
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

describe("fsync-failure", () => {
  it("shows the failed fsync in the trace and never loses an acknowledged write; retries without idempotence may repeat one", async () => {
    const { runFsyncFailure } = await import("../../sim/scenarios/fsync-failure.ts");
    let seedsWithRepeats = 0;
    for (let seed = 1; seed <= 6; seed++) {
      for (const idempotent of [false, true]) {
        const run = await runFsyncFailure(seed, idempotent);
        expect(run.violations, `seed ${seed}, ${run.label}`).toEqual([]);
        expect(run.trace.filter((e) => e.kind === "fsync failed"), `seed ${seed}`).toHaveLength(1);
        expect(run.trace.some((e) => e.kind === "crash" && e.from === "broker" && /after a failed fsync/.test(e.detail ?? "")), `seed ${seed}`).toBe(true);
        expect(run.trace.some((e) => e.kind === "restart" && e.from === "broker"), `seed ${seed}`).toBe(true);
        if (!idempotent && run.notes.some((n) => /in the log 2 times/.test(n))) seedsWithRepeats++;
      }
    }
    expect(seedsWithRepeats).toBeGreaterThan(0);
  });

  it("after a power loss the bytes the failed fsync covered are gone, and the retry puts the value back", async () => {
    const { runFsyncFailure } = await import("../../sim/scenarios/fsync-failure.ts");
    const run = await runFsyncFailure(2, true, { fsync: { atSyncs: [5] }, broker: { powerLoss: true, restartAfterMs: 300 } });
    expect(run.violations).toEqual([]);
    expect(run.trace.some((e) => e.kind === "disk" && /after the failed fsync are gone/.test(e.detail ?? ""))).toBe(true);
    expect(run.history.filter((e) => e.op === "send" && e.type === "ok")).toHaveLength(20);
  });
});

describe("consumer-crash", () => {
  it("keeps what each loop promises while a group member dies and a new one rejoins, and shows what it allows", async () => {
    const { LOOPS, runConsumerCrash } = await import("../../sim/scenarios/consumer-crash.ts");
    const allowed = new Map<string, string>();
    for (let seed = 1; seed <= 6; seed++) {
      for (const loop of LOOPS) {
        const run = await runConsumerCrash(seed, loop);
        if (run.promised) expect(run.violations, `seed ${seed}, ${run.label}`).toEqual([]);
        expect(run.trace.some((e) => e.kind === "crash" && e.from === "consumer-1#1")).toBe(true);
        expect(run.trace.some((e) => e.kind === "start" && e.from === "consumer-1#2")).toBe(true);
        allowed.set(loop.guarantee, `${allowed.get(loop.guarantee) ?? ""}\n${run.notes.join("\n")}`);
      }
    }
    expect(allowed.get("at-most-once")).toMatch(/was never processed/);
    expect(allowed.get("at-most-once")).not.toMatch(/was processed \d+ times/);
    expect(allowed.get("at-least-once")).toMatch(/was processed 2 times/);
    expect(allowed.get("at-least-once")).not.toMatch(/was never processed/);
  });
});

describe("partition-heal", () => {
  it("duplicates records through a healed partition without idempotence, and never with it", async () => {
    const [plain, idempotent] = await SCENARIOS["partition-heal"]!.run(1);
    expect(idempotent!.violations).toEqual([]);
    expect(plain!.violations.join("\n")).toMatch(/is in the log \d+ times/);
    expect(plain!.trace.map((e) => e.kind)).toEqual(expect.arrayContaining(["partitioned", "healed", "held back"]));
  });
});

describe("rebalance-storm", () => {
  it("records every assignment in its history: each of the six partitions owned once per generation, over several generations", async () => {
    const { checkOwnership } = await import("../../sim/ownership-checker.ts");
    for (const run of await SCENARIOS["rebalance-storm"]!.run(3)) {
      const assignments = run.history.filter((e) => e.op === "assign");
      const verdict = checkOwnership(run.history);
      expect(verdict.generations, run.label).toBeGreaterThan(2);
      expect(verdict.sharedOwners, run.label).toEqual([]);
      // The last generation handed out all six partitions among its members.
      const latest = `generation ${Math.max(...assignments.map((e) => Number(e.detail!.split(" ")[1])))}`;
      expect(new Set(assignments.filter((e) => e.detail === latest).map((e) => e.value)).size, run.label).toBe(6);
    }
  });
});
