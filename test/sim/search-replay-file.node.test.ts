// A property that fails under fc.assert leaves its shrunk schedule in a replay file, and the failure message names
// the file with the `loglab sim --replay` command that runs it again — byte for byte, as the test checks. The search
// also draws the broker's crashes (power loss tearing the last write, or a halt) and failed fsyncs, within bounds.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { simCommand } from "../../sim/command.ts";
import { atLeastOnce, faultSchedules, replayJson, simulate, SimulationFailure, simulationProperty } from "../../sim/index.ts";
import commitFirst from "./examples/commit-first.mjs";
import billing from "./examples/my-loop.mjs";

const program = fileURLToPath(new URL("./examples/commit-first.mjs", import.meta.url));
const orders = commitFirst.inputs.map((input) => input.value);
const checks = { "at-least-once": atLeastOnce(orders) };
const bounds = { steps: ["processed", "committed"], crashesMax: 2, occurrenceMax: 6 };
const folder = mkdtempSync(join(tmpdir(), "loglab-replay-file-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

it("fc.assert's failure names the replay file of the shrunk schedule and the command, which replays it byte for byte", async () => {
  const replayFile = join(folder, "shrunk.json");
  const property = () => simulationProperty(fc, { ...commitFirst, checks }, bounds, { replayFile, program, checkNames: ["at-least-once"] });
  const command = `loglab sim --program ${program} --check at-least-once --replay ${replayFile}`;
  let message = "";
  try {
    await fc.assert(property(), { seed: 11, numRuns: 40 });
  } catch (error) {
    message = (error as Error).message;
  }
  expect(message).toContain(`(replay file: ${replayFile}; run it again with: ${command})`);

  // The file holds the counterexample fast-check reported: the shrunk schedule, not the first one found.
  const found = await fc.check(property(), { seed: 11, numRuns: 40 });
  const [shrunk] = found.counterexample!;
  expect(found.errorInstance).toBeInstanceOf(SimulationFailure);
  expect((found.errorInstance as SimulationFailure).replayFile).toBe(replayFile);
  expect(readFileSync(replayFile, "utf8")).toBe(`${replayJson(shrunk)}\n`);
  expect(message).toContain(`Counterexample: [${replayJson(shrunk)} (replay file: `);
  expect((found.errorInstance as Error).message).toContain(`replay file: ${replayFile}\nrun it again with: ${command}`);

  // The printed command, run twice, breaks the check with the same trace byte for byte, the trace simulate() gives.
  const traces = [join(folder, "first.json"), join(folder, "second.json")];
  for (const trace of traces) {
    const lines: string[] = [];
    const args = command.split(" ").slice(2);
    expect(await simCommand([...args, "--trace", trace], "loglab sim", { line: (text) => lines.push(text), error: (text) => lines.push(text) })).toBe(1);
    expect(lines.at(-1)).toBe(`a check broke; replay with: ${command}`);
  }
  const [first, second] = traces.map((file) => readFileSync(file, "utf8"));
  expect(second).toBe(first);
  const direct = await simulate({ ...commitFirst, checks, replay: shrunk });
  expect(JSON.stringify((JSON.parse(first!) as { trace: unknown }).trace)).toBe(JSON.stringify(direct.trace));
});

it("writes nothing when asked not to", async () => {
  const found = await fc.check(simulationProperty(fc, { ...commitFirst, checks }, bounds, false), { seed: 11, numRuns: 40 });
  expect((found.errorInstance as SimulationFailure).replayFile).toBeUndefined();
  expect((found.errorInstance as Error).message).not.toContain("replay file:");
});

describe("broker faults in the search", () => {
  const brokerBounds = { ...bounds, crashesMax: 0, brokerCrashesMax: 2, fsyncFailuresMax: 2, fsyncAtMax: 8 };

  it("draws broker crashes at the programs' steps, with and without power loss, and failed fsyncs, within the bounds", () => {
    const drawn = fc.sample(faultSchedules(fc, ["billing"], brokerBounds, 20_000), { seed: 5, numRuns: 80 });
    const crashes = drawn.flatMap((replay) => replay.faults.broker?.crashes ?? []);
    const syncs = drawn.flatMap((replay) => (replay.faults.broker?.fsync === undefined ? [] : [replay.faults.broker.fsync.atSyncs!]));
    expect(drawn.some((replay) => replay.faults.broker === undefined)).toBe(true);
    for (const replay of drawn) expect((replay.faults.broker?.crashes ?? []).length).toBeLessThanOrEqual(2);
    for (const crash of crashes) {
      expect(crash).toMatchObject({ process: "billing", step: expect.stringMatching(/^(processed|committed)$/) });
      expect((crash as { occurrence: number }).occurrence).toBeGreaterThanOrEqual(1);
      expect((crash as { occurrence: number }).occurrence).toBeLessThanOrEqual(6);
    }
    expect(new Set(crashes.map((crash) => crash.powerLoss))).toEqual(new Set([true, false]));
    expect(syncs.length).toBeGreaterThan(0);
    for (const atSyncs of syncs) {
      expect(atSyncs.length).toBeLessThanOrEqual(2);
      expect(atSyncs).toEqual([...new Set(atSyncs)].sort((a, b) => a - b));
      for (const sync of atSyncs) expect(sync >= 1 && sync <= 8).toBe(true);
    }
  });

  it("draws what it drew before when the bounds allow no broker faults", () => {
    const before = fc.sample(faultSchedules(fc, ["billing"], bounds, 20_000), { seed: 5, numRuns: 30 });
    const zero = fc.sample(faultSchedules(fc, ["billing"], { ...bounds, brokerCrashesMax: 0, fsyncFailuresMax: 0 }, 20_000), { seed: 5, numRuns: 30 });
    expect(JSON.stringify(zero)).toBe(JSON.stringify(before));
  });

  it("a drawn power loss of the broker runs, and runs again byte for byte", async () => {
    const drawn = fc.sample(faultSchedules(fc, ["billing"], brokerBounds, billing.runForMs), { seed: 5, numRuns: 80 });
    const replay = drawn.find((r) => r.faults.broker?.crashes?.some((crash) => crash.powerLoss === true))!;
    const [first, second] = [await simulate({ ...billing, checks, replay }), await simulate({ ...billing, checks, replay })];
    expect(first.trace.some((event) => event.kind === "crash" && event.from === "broker" && /^power lost \(billing#\d+ reached (processed|committed)/.test(event.detail ?? ""))).toBe(true);
    expect(second.traceText()).toBe(first.traceText());
  });
});

describe("forced rebalances in the replay file", () => {
  it("the shrunk schedule carries its rebalance, and `loglab sim --replay` breaks the check with it byte for byte", async () => {
    const { default: commitOnRevoke } = await import("./examples/commit-on-revoke.mjs");
    const revokeProgram = fileURLToPath(new URL("./examples/commit-on-revoke.mjs", import.meta.url));
    const replayFile = join(folder, "rebalance.json");
    const rebalanceBounds = { ...bounds, rebalancesMax: 2 };
    const found = await fc.check(
      simulationProperty(fc, { ...commitOnRevoke, checks }, rebalanceBounds, { replayFile, program: revokeProgram, checkNames: ["at-least-once"] }),
      { seed: 11, numRuns: 40 },
    );
    const [shrunk] = found.counterexample!;
    const saved = JSON.parse(readFileSync(replayFile, "utf8")) as typeof shrunk;
    expect(saved.faults.rebalances).toEqual([{ process: "pipeline", step: "processed", occurrence: 1 }]);
    expect(readFileSync(replayFile, "utf8")).toBe(`${replayJson(shrunk)}\n`);

    const traces = [join(folder, "rebalance-first.json"), join(folder, "rebalance-second.json")];
    for (const trace of traces) {
      const lines: string[] = [];
      const code = await simCommand(["--program", revokeProgram, "--check", "at-least-once", "--replay", replayFile, "--trace", trace], "loglab sim",
        { line: (text) => lines.push(text), error: (text) => lines.push(text) });
      expect(code).toBe(1);
      expect(lines.join("\n")).toMatch(/rebalance forced in billing \(pipeline#1 reached processed \(1st time\)\)/);
    }
    const [first, second] = traces.map((file) => readFileSync(file, "utf8"));
    expect(second).toBe(first);
    const direct = await simulate({ ...commitOnRevoke, checks, replay: saved });
    expect(JSON.stringify((JSON.parse(first!) as { trace: unknown }).trace)).toBe(JSON.stringify(direct.trace));
  });
});
