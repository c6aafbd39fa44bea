// The simulator's command: a schedule file that is not right ends with exit
// code 2 and a message naming the problem and the valid keys; a good one is
// applied, and "all" keeps every promised guarantee.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { simCommand } from "../../sim/command.ts";

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const lines: string[] = [];
  const errors: string[] = [];
  const code = await simCommand(argv, "loglab sim", { line: (t) => lines.push(t), error: (t) => errors.push(t) });
  return { code, out: lines.join("\n"), err: errors.join("\n") };
}

const scheduleFile = (text: string) => {
  const file = join(mkdtempSync(join(tmpdir(), "loglab-schedule-")), "schedule.json");
  writeFileSync(file, text);
  return file;
};

describe("sim --schedule", () => {
  it("exits 2 on a malformed schedule, naming the key and listing the valid ones", async () => {
    const { code, err } = await run(["two-generals", "--seed", "1", "--schedule", scheduleFile(`{"links": {"producer": {"loseAnswer": 2}}}`)]);
    expect(code).toBe(2);
    expect(err).toMatch(/^schedule error: schedule\.links\.producer\.loseAnswer: expected a probability from 0 to 1, got 2/);
    expect(err).toMatch(/fsync: \{…\} — fsync failures of the broker's disk/);
  });

  it("exits 2 when the file is not JSON or cannot be read", async () => {
    expect((await run(["two-generals", "--schedule", scheduleFile("not json")])).err).toMatch(/not valid JSON/);
    const missing = await run(["two-generals", "--schedule", "/nonexistent/schedule.json"]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/cannot read the schedule file \/nonexistent\/schedule\.json/);
  });

  it("applies a good schedule and says which of its sections a scenario ignores", async () => {
    const file = scheduleFile(`{"fsync": {"atSyncs": [4]}, "consumer": {"crashAtMs": 500}}`);
    const { code, out } = await run(["fsync-failure", "--seed", "3", "--schedule", file]);
    expect(code).toBe(0);
    expect(out).toMatch(/fsync-failure: the schedule's consumer do\(es\) not apply/);
    expect(out).toMatch(/1 fsync\(s\) failed/);
  });

  it("prints each run's faults as a timeline, every event with --timeline all, none with --timeline none", async () => {
    const faults = await run(["two-generals", "--seed", "1"]);
    // Lost answers are what the scenario is about: the default timeline lists them and counts the routine traffic.
    expect(faults.out).toMatch(/^\s+\d+ ms  broker → producer#1\s+lost produce#\d+ answer$/m);
    expect(faults.out).toMatch(/\(\d+ routine sends and arrivals not shown\)/);
    expect(faults.out).not.toMatch(/ send produce#/);
    const all = await run(["two-generals", "--seed", "1", "--timeline", "all"]);
    expect(all.out).toMatch(/^\s+0 ms  producer#1 → broker\s+send metadata#1$/m);
    const none = await run(["two-generals", "--seed", "1", "--timeline", "none"]);
    expect(none.out).not.toMatch(/ ms  /);
    const bad = await run(["two-generals", "--timeline", "some"]);
    expect([bad.code, bad.err.split("\n")[0]]).toEqual([2, `--timeline must be one of faults, all, none, got "some"`]);
  });

  it("exits 2 when links name a client no scenario run has, listing the valid clients", async () => {
    const typo = scheduleFile(`{"links": {"consumer-9": {"loseAnswer": 0.5}}}`);
    const one = await run(["consumer-crash", "--seed", "1", "--schedule", typo]);
    expect([one.code, one.err.split("\n")[0]]).toEqual([2, "schedule error: schedule.links.consumer-9: unknown client (valid clients: consumer-1, consumer-2)"]);
    const all = await run(["all", "--seed", "1", "--schedule", typo]);
    expect(all.err.split("\n")[0]).toMatch(/^schedule error: schedule\.links\.consumer-9: unknown client \(valid clients: producer, consumer-1, .*writer\)$/);
    // A scenario that reads no links says it ignores them, as it does any section it does not use.
    const unused = await run(["at-most-once", "--seed", "1", "--schedule", typo, "--timeline", "none"]);
    expect(unused.code).toBe(0);
    expect(unused.out).toMatch(/at-most-once: the schedule's links do\(es\) not apply/);
  });

  it("exits 1 with one line when the --trace file cannot be written, before running", async () => {
    const { code, out, err } = await run(["two-generals", "--seed", "1", "--trace", "/nonexistent/x.json"]);
    expect([code, out, err]).toEqual([1, "", "error: cannot write the trace file /nonexistent/x.json: no such directory"]);
  });

  it("exits 2 on an unknown scenario and lists the scenarios", async () => {
    const { code, err } = await run(["no-such"]);
    expect(code).toBe(2);
    expect(err).toMatch(/unknown scenario "no-such"[\s\S]*Usage: loglab sim NAME\|all[\s\S]*fsync-failure/);
  });

  it("--help prints the usage and every scenario with what it shows, and exits 0", async () => {
    const { code, out, err } = await run(["--help"]);
    expect([code, err]).toEqual([0, ""]);
    expect(out).toMatch(/^Usage: loglab sim NAME\|all --seed N/);
    expect(out).toMatch(/^  fsync-failure +after a failed fsync the log goes offline/m);
  });
});

describe("npm scripts", () => {
  it("has one sim:NAME script per scenario, each running that scenario", async () => {
    const { readFileSync } = await import("node:fs");
    const { SCENARIOS } = await import("../../sim/scenarios/index.ts");
    const scripts: Record<string, string> = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")).scripts;
    const perScenario = Object.entries(scripts).filter(([name]) => name.startsWith("sim:"));
    expect(perScenario.map(([name]) => name.slice(4)).sort()).toEqual(Object.keys(SCENARIOS).sort());
    for (const [name, command] of perScenario) expect(command).toBe(`npm run sim --silent -- ${name.slice(4)}`);
  });
});
