// The simulator's command line, `NAME|all --seed N [--schedule FILE] [--trace FILE]`,
// shared by `npm run sim` and `loglab sim`: runs a scenario (or all of them),
// prints each run's verdict and what the checker found, and returns the exit
// code: 0 when every promised guarantee held, 1 when one broke, 2 for a usage
// or schedule error.

import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import { parseArgs } from "node:util";
import { parseSchedule, type Schedule, ScheduleError } from "./schedule.ts";
import { type RunResult, SCENARIOS } from "./scenarios/index.ts";
import { timeline, type TimelineDetail } from "./timeline.ts";

/** Where the command writes: stdout and stderr lines, replaceable in tests. */
export interface CommandOutput {
  line(text: string): void;
  error(text: string): void;
}

const consoleOutput: CommandOutput = { line: (text) => console.log(text), error: (text) => console.error(text) };

class UsageProblem extends Error {}

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
  return `Usage: ${invokedAs} NAME|all --seed N [--schedule FILE] [--trace FILE] [--timeline faults|all|none]\nScenarios:\n` +
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
