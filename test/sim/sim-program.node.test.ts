// `loglab sim --program FILE --check NAME`: a user's program module under the
// simulator, from the command line — in process for the messages and exit
// codes, and through the built command in Node and the sources in Deno.

import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { simCommand } from "../../sim/command.ts";
import { type CliRuntime, runCli } from "../support/cli.ts";

const examples = join(import.meta.dirname, "examples");
const myLoop = join(examples, "my-loop.mjs");
const commitFirst = join(examples, "commit-first.mjs");
const commitFirstFaults = { crashes: [{ process: "billing", step: "committed", occurrence: 2 }] };

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const lines: string[] = [];
  const errors: string[] = [];
  const code = await simCommand(argv, "loglab sim", { line: (t) => lines.push(t), error: (t) => errors.push(t) });
  return { code, out: lines.join("\n"), err: errors.join("\n") };
}

const moduleFile = (source: string) => {
  const file = join(mkdtempSync(join(tmpdir(), "loglab-program-")), "program.mjs");
  writeFileSync(file, source);
  return file;
};

describe("sim --program", () => {
  it("exits 0 when the check holds, and prints the verdict and the timeline", async () => {
    const { code, out } = await run(["--program", myLoop, "--check", "at-least-once", "--seed", "3"]);
    expect(code).toBe(0);
    expect(out).toMatch(/my-loop\.mjs \(seed 3\), at-least-once: held$/m);
    expect(out).toMatch(/billing#1 +crash point processed \(2nd time\)/);
  });

  it("exits 1 with the counterexample and the replay command when the check breaks, and writes the trace", async () => {
    const trace = join(mkdtempSync(join(tmpdir(), "loglab-trace-")), "trace.json");
    const { code, out } = await run(["--program", commitFirst, "--check", "at-least-once", "--check", "at-most-once", "--seed", "3", "--trace", trace]);
    expect(code).toBe(1);
    expect(out).toMatch(/at-least-once: BROKEN\n  order-\d was never processed/);
    expect(out).toMatch(/at-most-once: held/);
    expect(out.split("\n").at(-1)).toBe(`a check broke; replay with: loglab sim --program ${commitFirst} --check at-least-once --check at-most-once --seed 3`);
    const written = JSON.parse(readFileSync(trace, "utf8")) as { replay: { seed: number; faults: unknown }; verdict: { valid: boolean }; history: unknown[] };
    expect([written.replay, written.verdict.valid, written.history.length > 0]).toEqual([{ seed: 3, faults: commitFirstFaults }, false, true]);
  });

  it("exits 2 naming the problem: an unknown check, no check, a flag it does not know, a stray argument", async () => {
    const unknown = await run(["--program", myLoop, "--check", "at-least-twice"]);
    expect([unknown.code, unknown.err.split("\n")[0]]).toEqual([2, `unknown check "at-least-twice" (valid: at-least-once, at-most-once, exactly-once, no-lost-writes, no-duplicates, partition-order, read-committed, one-partition-owner)`]);
    expect((await run(["--program", myLoop])).err).toMatch(/^which check\? --check NAME/);
    expect((await run(["--program", myLoop, "--check", "at-least-once", "--schedule", "s.json"])).code).toBe(2);
    expect((await run(["--program", myLoop, "--check", "at-least-once", "extra"])).err).toMatch(/extra/);
  });

  it("exits 2 for a malformed module: no default export, a process that is not a function, bad options, a file that will not load", async () => {
    const none = await run(["--program", moduleFile("export const x = 1;"), "--check", "at-least-once"]);
    expect([none.code, none.err]).toEqual([2, expect.stringMatching(/must export its options as `export default \{ topics, inputs, processes, runForMs \}` \(or a named `options`\), found neither/)]);
    const notFunction = await run(["--program", moduleFile(`export default { topics: [], processes: { loop: "run" }, runForMs: 10 };`), "--check", "at-least-once"]);
    expect([notFunction.code, notFunction.err]).toEqual([2, expect.stringMatching(/processes\.loop must be an async function, got string/)]);
    const badOption = await run(["--program", moduleFile(`export const options = { topics: [], processes: { loop: async () => {} }, runForMs: -5 };`), "--check", "at-least-once"]);
    expect([badOption.code, badOption.err]).toEqual([2, expect.stringMatching(/runForMs must be a positive integer, got -5/)]);
    const missing = await run(["--program", "/nonexistent/loop.mjs", "--check", "at-least-once"]);
    expect([missing.code, missing.err]).toEqual([2, expect.stringMatching(/^cannot load the program \/nonexistent\/loop\.mjs/)]);
  });

  it("searches schedules with --search, writes the shrunk one, and --replay runs it again", async () => {
    const dir = mkdtempSync(join(tmpdir(), "loglab-search-"));
    const unfaulted = join(dir, "commit-first-unfaulted.mjs");
    writeFileSync(unfaulted, `import base from ${JSON.stringify(commitFirst)};\nexport default { ...base, faults: undefined };\n`);
    const save = join(dir, "replay.json");
    const found = await run(["--program", unfaulted, "--check", "at-least-once", "--search", "40", "--seed", "11", "--save", save]);
    expect(found.code).toBe(1);
    expect(found.out).toMatch(/^searching 40 schedule\(s\): crashes and rebalances at committed, processed \(occurrences 1 to \d+\), fast-check seed 11$/m);
    const replay = JSON.parse(readFileSync(save, "utf8")) as { seed: number; faults: { crashes: unknown[] } };
    expect(replay.faults.crashes).toEqual([{ process: "billing", step: "committed", occurrence: expect.any(Number) }]);
    expect(found.out.split("\n").at(-1)).toBe(`a check broke; replay with: loglab sim --program ${unfaulted} --check at-least-once --replay ${save}`);
    const broken = found.out.split("\n").find((line) => line.includes("was never processed"));
    const again = await run(["--program", unfaulted, "--check", "at-least-once", "--replay", save]);
    expect(again.code).toBe(1);
    expect(again.out.split("\n").find((line) => line.includes("was never processed"))).toBe(broken);

    const held = await run(["--program", myLoop, "--check", "at-least-once", "--search", "5"]);
    expect([held.code, held.out.split("\n").find((line) => line.startsWith("no schedule"))]).toEqual([0, "no schedule of 5 broke a check"]);
    expect((await run(["--program", myLoop, "--check", "at-least-once", "--replay", save, "--seed", "2"])).err).toMatch(/^--seed and --replay both give the seed/);
    expect((await run(["--program", myLoop, "--check", "at-least-once", "--search", "0"])).err).toMatch(/^--search must be an integer from 1 to 1000000/);
    const badReplay = join(dir, "bad.json");
    writeFileSync(badReplay, `{"seed": 1}`);
    const bad = await run(["--program", myLoop, "--check", "at-least-once", "--replay", badReplay]);
    expect([bad.code, bad.err.split("\n")[0]]).toEqual([2, `the replay file ${badReplay} must hold { "seed": integer, "faults": {…} }, got {"seed":1}`]);
  });

  it("searches forced rebalances too when the program's consumers form a group, and finds the loss only they reach", async () => {
    const save = join(mkdtempSync(join(tmpdir(), "loglab-search-")), "replay.json");
    const found = await run(["--program", join(examples, "commit-on-revoke.mjs"), "--check", "at-least-once", "--search", "40", "--seed", "11", "--save", save]);
    expect(found.code).toBe(1);
    expect(found.out).toMatch(/^searching 40 schedule\(s\): crashes and rebalances at committed, processed/m);
    const replay = JSON.parse(readFileSync(save, "utf8")) as { faults: { crashes: unknown[]; rebalances?: unknown[] } };
    expect(replay.faults).toMatchObject({ crashes: [], rebalances: [{ process: "pipeline", step: expect.any(String), occurrence: expect.any(Number) }] });
  });

  it.each<CliRuntime>(["node", "deno"])("runs through the command in %s, the same verdict and replay line", (runtime) => {
    const held = runCli(runtime, ["sim", "--program", myLoop, "--check", "at-least-once", "--seed", "3"]);
    expect([held.status, held.stdout]).toEqual([0, expect.stringMatching(/at-least-once: held/)]);
    const broken = runCli(runtime, ["sim", "--program", commitFirst, "--check", "at-least-once", "--seed", "3"]);
    expect(broken.status).toBe(1);
    expect(broken.stdout).toMatch(/a check broke; replay with: loglab sim --program .*commit-first\.mjs --check at-least-once --seed 3$/m);
  }, 120_000);
});
