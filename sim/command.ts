// The simulator's command line, `NAME|all --seed N [--schedule FILE] [--trace FILE]`,
// shared by `npm run sim` and `loglab sim`: runs a scenario (or all of them),
// prints each run's verdict and what the checker found, and returns the exit
// code: 0 when every promised guarantee held, 1 when one broke, 2 for a usage
// or schedule error.

import { closeSync, openSync, readFileSync, writeFileSync, writeSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { atLeastOnce, atMostOnce, exactlyOnce, noDuplicates, noLostWrites, onePartitionOwner, partitionOrder, readCommitted } from "./checks.ts";
import { parseSchedule, type Schedule, ScheduleError } from "./schedule.ts";
import { type RunResult, SCENARIOS } from "./scenarios/index.ts";
import { type FastCheckModule, replayJson, SimulationFailure, simulationProperty } from "./search.ts";
import { type Check, type Replay, simulate, type SimulateOptions, SimulateOptionsError, type SimulationResult } from "./simulate.ts";
import { timeline, type TimelineDetail } from "./timeline.ts";

/** Where the command writes: stdout and stderr lines, replaceable in tests. */
export interface CommandOutput {
  line(text: string): void;
  error(text: string): void;
}

const consoleOutput: CommandOutput = { line: (text) => console.log(text), error: (text) => console.error(text) };

class UsageProblem extends Error {}

/** A usage problem found once the run began (--search without fast-check): exit code 2 too. */
class UsageProblemOutsideParse extends Error {}

/** A run that cannot start or finish for a reason outside the scenario (an unwritable --trace): exit code 1. */
class RunProblem extends Error {}

/**
 * The largest seed: the simulator's PRNG keeps 32 bits of state, so larger
 * seeds would replay smaller ones (and above 2^53 not even print as given).
 */
export const SEED_MAX = 2 ** 32 - 1;

interface CommandOptions {
  readonly requested: string;
  readonly names: string[];
  readonly seed: number;
  readonly schedule: Schedule;
  readonly scheduleFile?: string;
  readonly traceFile?: string;
  readonly timeline: TimelineDetail | "none";
}

const TIMELINE_CHOICES = ["faults", "all", "none"] as const;

function parse(argv: readonly string[]): CommandOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv], allowPositionals: true,
      options: {
        seed: { type: "string", default: "1" }, trace: { type: "string" }, schedule: { type: "string" }, timeline: { type: "string", default: "faults" },
      },
    });
  } catch (error) {
    throw new UsageProblem((error as Error).message);
  }
  const { values, positionals } = parsed;
  const [requested, ...extra] = positionals;
  if (requested === undefined) throw new UsageProblem("which scenario?");
  if (extra.length > 0) throw new UsageProblem(`unexpected argument ${extra.map((e) => JSON.stringify(e)).join(" ")} (one scenario NAME or all)`);
  if (requested !== "all" && !Object.hasOwn(SCENARIOS, requested)) throw new UsageProblem(`unknown scenario "${requested}"`);
  const seed = /^\d+$/.test(values.seed!) ? Number(values.seed) : Number.NaN;
  if (!(seed <= SEED_MAX)) throw new UsageProblem(`--seed must be an integer from 0 to ${SEED_MAX}, got "${values.seed}"`);
  const timelineChoice = TIMELINE_CHOICES.find((choice) => choice === values.timeline);
  if (timelineChoice === undefined) throw new UsageProblem(`--timeline must be one of ${TIMELINE_CHOICES.join(", ")}, got "${values.timeline}"`);
  let schedule: Schedule = {};
  if (values.schedule !== undefined) {
    let text: string;
    try {
      text = readFileSync(values.schedule, "utf8");
    } catch (error) {
      throw new ScheduleError(`cannot read the schedule file ${values.schedule}: ${(error as Error).message}`);
    }
    schedule = parseSchedule(text);
  }
  const names = requested === "all" ? Object.keys(SCENARIOS) : [requested];
  checkLinkClients(schedule, names);
  return {
    requested,
    names,
    seed,
    schedule,
    timeline: timelineChoice,
    ...(values.schedule === undefined ? {} : { scheduleFile: values.schedule }),
    ...(values.trace === undefined ? {} : { traceFile: values.trace }),
  };
}

/** A schedule's links must name clients the scenarios have: a typo would silently change nothing. */
function checkLinkClients(schedule: Schedule, names: readonly string[]): void {
  // Scenarios that read no links say that they ignore the section instead.
  const linked = names.filter((name) => SCENARIOS[name]!.uses.includes("links"));
  if (linked.length === 0) return;
  const clients = new Set(linked.flatMap((name) => SCENARIOS[name]!.linkClients));
  for (const client of Object.keys(schedule.links ?? {})) {
    if (!clients.has(client)) throw new ScheduleError(`schedule.links.${client}: unknown client (valid clients: ${[...clients].join(", ")})`);
  }
}

/** Opens the --trace file before the run, so a path that cannot be written fails at once. */
function openTrace(traceFile: string): number {
  try {
    return openSync(traceFile, "w");
  } catch (error) {
    const reason = (error as { code?: string }).code === "ENOENT" ? "no such directory" : (error as Error).message;
    throw new RunProblem(`cannot write the trace file ${traceFile}: ${reason}`);
  }
}

const HELP_FLAGS: readonly string[] = ["help", "--help", "-h"];

function usage(invokedAs: string): string {
  return `Usage: ${invokedAs} NAME|all --seed N [--schedule FILE] [--trace FILE] [--timeline faults|all|none]\n` +
    `       ${invokedAs} --program FILE --check NAME [--check NAME …] [--seed N | --replay FILE] [--search N [--save FILE]] [--trace FILE] [--timeline faults|all|none]\n` +
    `Checks for --program: ${Object.keys(PROGRAM_CHECKS).join(", ")}\nScenarios:\n` +
    Object.entries(SCENARIOS).map(([name, s]) => `  ${name.padEnd(20)} ${s.teaches}`).join("\n");
}

/** One line: did the run keep what its configuration promises? */
function verdict(run: RunResult): string {
  const found = run.violations.length === 0 ? "no violation" : `${run.violations.length} violation(s)`;
  if (!run.promised) return `${found} — this configuration promises nothing here`;
  return run.violations.length === 0 ? `guarantee held (${found})` : `GUARANTEE BROKEN (${found})`;
}

/** Runs the command; `invokedAs` is how the user called it, for the usage text and the replay line. */
export async function simCommand(argv: readonly string[], invokedAs = "npm run sim --", out: CommandOutput = consoleOutput): Promise<number> {
  if (argv.length === 1 && HELP_FLAGS.includes(argv[0]!)) {
    out.line(usage(invokedAs));
    return 0;
  }
  if (argv.some((arg) => arg === "--program" || arg.startsWith("--program="))) return programCommand(argv, invokedAs, out);
  let options: ReturnType<typeof parse>;
  try {
    options = parse(argv);
  } catch (error) {
    if (error instanceof ScheduleError) {
      out.error(`schedule error: ${error.message}`);
      return 2;
    }
    if (error instanceof UsageProblem) {
      out.error(`${error.message}\n\n${usage(invokedAs)}`);
      return 2;
    }
    throw error;
  }
  try {
    return await runScenarios(options, invokedAs, out);
  } catch (error) {
    // One line, as the rest of the command line does; LOGLAB_DEBUG=1 adds the stack.
    const message = error instanceof Error ? error.message : String(error);
    out.error(`error: ${message.split("\n").map((part) => part.trim()).filter(Boolean).join(" ")}`);
    if (process.env["LOGLAB_DEBUG"] === "1" && error instanceof Error && error.stack !== undefined) out.error(error.stack);
    return 1;
  }
}

async function runScenarios(options: CommandOptions, invokedAs: string, out: CommandOutput): Promise<number> {
  const { requested, names, seed, schedule, scheduleFile, traceFile } = options;
  const timelineDetail = options.timeline;
  const trace = traceFile === undefined ? undefined : openTrace(traceFile);
  const runs: RunResult[] = [];
  let broken = false;
  try {
    for (const name of names) {
      const scenario = SCENARIOS[name]!;
      const ignored = Object.keys(schedule).filter((section) => !(scenario.uses as readonly string[]).includes(section));
      if (ignored.length > 0) out.line(`${name}: the schedule's ${ignored.join(", ")} do(es) not apply to this scenario and is ignored`);
      const found = await scenario.run(seed, schedule);
      runs.push(...found);
      for (const run of found) {
        out.line(`${name} (seed ${seed}), ${run.label}: ${verdict(run)}`);
        for (const line of run.violations.slice(0, 10)) out.line(`  ${line}`);
        for (const line of run.notes.slice(0, 10)) out.line(`  (allowed) ${line}`);
        if (timelineDetail !== "none") for (const line of timeline(run.trace, timelineDetail)) out.line(`  ${line}`);
        if (run.promised && run.violations.length > 0) broken = true;
      }
    }
    if (trace !== undefined) {
      writeSync(trace, JSON.stringify(runs, null, 2));
      out.line(`trace written to ${traceFile}`);
    }
  } finally {
    if (trace !== undefined) closeSync(trace);
  }
  if (broken) {
    const replay = `${invokedAs} ${requested} --seed ${seed}${scheduleFile === undefined ? "" : ` --schedule ${scheduleFile}`}`;
    out.line(`a promised guarantee was broken; replay with: ${replay}`);
    return 1;
  }
  return 0;
}

/** The checks `--check` names, each made from the program's input values. */
const PROGRAM_CHECKS: Readonly<Record<string, (inputs: readonly string[]) => Check>> = {
  "at-least-once": (inputs) => atLeastOnce(inputs),
  "at-most-once": (inputs) => atMostOnce(inputs),
  "exactly-once": (inputs) => exactlyOnce(inputs),
  "no-lost-writes": () => noLostWrites,
  "no-duplicates": () => noDuplicates,
  "partition-order": () => partitionOrder,
  "read-committed": () => readCommitted,
  "one-partition-owner": () => onePartitionOwner,
};

/** A program module's options, checked enough that simulate() can say the rest. */
async function loadProgram(file: string): Promise<Omit<SimulateOptions, "seed">> {
  let module: Record<string, unknown>;
  try {
    module = await import(pathToFileURL(resolve(file)).href) as Record<string, unknown>;
  } catch (error) {
    throw new UsageProblem(`cannot load the program ${file}: ${(error as Error).message.split("\n")[0]}`);
  }
  const options = module["default"] ?? module["options"];
  if (typeof options !== "object" || options === null) {
    throw new UsageProblem(`${file} must export its options as \`export default { topics, inputs, processes, runForMs }\` (or a named \`options\`), found ${options === undefined ? "neither" : typeof options}`);
  }
  const { processes } = options as { processes?: unknown };
  if (typeof processes !== "object" || processes === null) throw new UsageProblem(`${file}: processes must be an object of async functions, by name`);
  for (const [name, program] of Object.entries(processes)) {
    if (typeof program !== "function") throw new UsageProblem(`${file}: processes.${name} must be an async function, got ${typeof program}`);
  }
  return options as Omit<SimulateOptions, "seed">;
}

/** `--program FILE --check NAME …`: runs a user's program module under the simulator and judges it. */
async function programCommand(argv: readonly string[], invokedAs: string, out: CommandOutput): Promise<number> {
  let run: {
    file: string; checks: string[]; seed: number; replay: Replay | undefined; replayFile: string | undefined; search: number; save: string;
    traceFile: string | undefined; timeline: TimelineDetail | "none"; options: Omit<SimulateOptions, "seed">;
  };
  try {
    let parsed;
    try {
      parsed = parseArgs({
        args: [...argv], allowPositionals: false,
        options: {
          program: { type: "string" }, check: { type: "string", multiple: true }, seed: { type: "string", default: "1" }, trace: { type: "string" },
          timeline: { type: "string", default: "faults" }, replay: { type: "string" }, search: { type: "string" },
          save: { type: "string", default: "loglab-replay.json" },
        },
      });
    } catch (error) {
      throw new UsageProblem((error as Error).message);
    }
    const { values } = parsed;
    if (values.replay !== undefined && argv.some((arg) => arg === "--seed" || arg.startsWith("--seed="))) throw new UsageProblem("--seed and --replay both give the seed: use one");
    if (values.replay !== undefined && values.search !== undefined) throw new UsageProblem("--search draws its own schedules: it does not take --replay");
    const search = values.search === undefined ? 0 : /^\d+$/.test(values.search) && Number(values.search) >= 1 && Number(values.search) <= 1_000_000 ? Number(values.search) : Number.NaN;
    if (Number.isNaN(search)) throw new UsageProblem(`--search must be an integer from 1 to 1000000 (the schedules to try), got "${values.search}"`);
    const checks = values.check ?? [];
    if (checks.length === 0) throw new UsageProblem(`which check? --check NAME (valid: ${Object.keys(PROGRAM_CHECKS).join(", ")})`);
    for (const name of checks) {
      if (!Object.hasOwn(PROGRAM_CHECKS, name)) throw new UsageProblem(`unknown check "${name}" (valid: ${Object.keys(PROGRAM_CHECKS).join(", ")})`);
    }
    const seed = /^\d+$/.test(values.seed!) ? Number(values.seed) : Number.NaN;
    if (!(seed <= SEED_MAX)) throw new UsageProblem(`--seed must be an integer from 0 to ${SEED_MAX}, got "${values.seed}"`);
    const timelineChoice = TIMELINE_CHOICES.find((choice) => choice === values.timeline);
    if (timelineChoice === undefined) throw new UsageProblem(`--timeline must be one of ${TIMELINE_CHOICES.join(", ")}, got "${values.timeline}"`);
    const file = values.program!;
    const replay = values.replay === undefined ? undefined : readReplay(values.replay);
    run = {
      file, checks, seed: replay?.seed ?? seed, replay, replayFile: values.replay, search, save: values.save!,
      traceFile: values.trace, timeline: timelineChoice, options: await loadProgram(file),
    };
  } catch (error) {
    if (!(error instanceof UsageProblem)) throw error;
    out.error(`${error.message}\n\n${usage(invokedAs)}`);
    return 2;
  }
  const { file, traceFile, options } = run;
  let { seed } = run;
  const inputs = (options.inputs ?? []).map((input) => input.value);
  const checks = { ...options.checks, ...Object.fromEntries(run.checks.map((name) => [name, PROGRAM_CHECKS[name]!(inputs)])) };
  try {
    const trace = traceFile === undefined ? undefined : openTrace(traceFile);
    let result: SimulationResult;
    let replayFile = run.replayFile;
    try {
      result = await simulate({ ...options, seed, checks, ...(run.replay === undefined ? {} : { replay: run.replay }) });
      if (result.verdict.valid !== false && run.search > 0) {
        const found = await search(run.search, seed, { ...options, checks }, result, out);
        if (found !== null) {
          writeFileSync(run.save, `${replayJson(found.replay)}\n`);
          out.line(`the search found a schedule that breaks a check, shrunk to ${JSON.stringify(found.replay.faults)}; written to ${run.save}`);
          ({ result } = found);
          seed = found.replay.seed;
          replayFile = run.save;
        }
      }
      if (trace !== undefined) writeSync(trace, JSON.stringify({ program: file, replay: result.replay, checks: run.checks, verdict: result.verdict, history: result.history, trace: result.trace }, null, 2));
    } finally {
      if (trace !== undefined) closeSync(trace);
    }
    for (const [name, verdict] of Object.entries(result.checks)) {
      out.line(`${file} (seed ${seed}), ${name}: ${verdict.valid === true ? "held" : verdict.valid === false ? "BROKEN" : "nothing to judge"}`);
      for (const line of verdict.explanation.slice(0, 10)) out.line(`  ${line}`);
    }
    if (run.timeline !== "none") for (const line of timeline(result.trace, run.timeline, 40)) out.line(`  ${line}`);
    if (traceFile !== undefined) out.line(`trace written to ${traceFile}`);
    if (result.verdict.valid === false) {
      const replay = `${invokedAs} --program ${file} ${run.checks.map((name) => `--check ${name}`).join(" ")} ${replayFile === undefined ? `--seed ${seed}` : `--replay ${replayFile}`}`;
      out.line(`a check broke; replay with: ${replay}`);
      return 1;
    }
    return 0;
  } catch (error) {
    if (error instanceof SimulateOptionsError) {
      out.error(`${file}: ${error.message}`);
      return 2;
    }
    if (error instanceof UsageProblemOutsideParse) {
      out.error(error.message);
      return 2;
    }
    const message = error instanceof Error ? error.message : String(error);
    out.error(`error: ${message.split("\n").map((part) => part.trim()).filter(Boolean).join(" ")}`);
    return 1;
  }
}

/** Reads a replay file: `{ "seed": N, "faults": {…} }`, as a search writes it. */
function readReplay(file: string): Replay {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new UsageProblem(`cannot read the replay file ${file}: ${(error as Error).message.split("\n")[0]}`);
  }
  const { seed, faults, ...rest } = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
  if (typeof value !== "object" || value === null || Array.isArray(value) || Object.keys(rest).length > 0 ||
    !(Number.isInteger(seed) && (seed as number) >= 0 && (seed as number) <= SEED_MAX) || typeof faults !== "object" || faults === null) {
    throw new UsageProblem(`the replay file ${file} must hold { "seed": integer, "faults": {…} }, got ${JSON.stringify(value)}`);
  }
  return { seed: seed as number, faults: faults as Replay["faults"] };
}

/**
 * Searches `runs` fault schedules with fast-check (from the user's project):
 * crash points at the steps the first run reached, and forced rebalances there
 * when its consumers formed a group. Null when none broke a check.
 */
async function search(runs: number, seed: number, options: Omit<SimulateOptions, "seed" | "faults" | "replay">, first: SimulationResult, out: CommandOutput): Promise<SimulationFailure | null> {
  let fc: FastCheckModule;
  try {
    fc = (await import("fast-check")).default;
  } catch {
    throw new UsageProblemOutsideParse("--search needs fast-check: npm install --save-dev fast-check");
  }
  const reached = Object.values(first.stepsReached);
  const steps = [...new Set(reached.flatMap((counts) => Object.keys(counts)))].sort();
  if (steps.length === 0) throw new UsageProblemOutsideParse("--search needs steps to crash at: the programs never called step(name)");
  const occurrenceMax = Math.max(...reached.flatMap((counts) => Object.values(counts)));
  // A program whose consumers formed a group is searched with forced rebalances at its steps too.
  const rebalancesMax = first.history.some((entry) => entry.op === "assign") ? 1 : 0;
  out.line(`searching ${runs} schedule(s): crashes${rebalancesMax > 0 ? " and rebalances" : ""} at ${steps.join(", ")} (occurrences 1 to ${occurrenceMax}), fast-check seed ${seed}`);
  // The command writes the shrunk schedule to --save itself.
  const found = await fc.check(simulationProperty(fc, options, { steps, occurrenceMax, rebalancesMax }, false), { seed, numRuns: runs });
  if (!found.failed) {
    out.line(`no schedule of ${found.numRuns} broke a check`);
    return null;
  }
  if (found.errorInstance instanceof SimulationFailure) return found.errorInstance;
  throw found.errorInstance;
}
