// Fault search: fast-check draws fault schedules (crash points, restart
// delays, lossy links, broker crashes, failed fsyncs, forced rebalances) for a user's programs, runs each under simulate(),
// and shrinks a schedule that breaks a check to a small one. A schedule is
// plain JSON — a seed and the faults — that simulate({ replay }) and
// `loglab sim --replay FILE` run again, byte for byte; in Node and Deno the
// property writes a failing schedule to a replay file, so the shrunk one is
// there when fc.assert reports it. The caller passes its own fast-check, so
// the simulator itself depends on nothing.

import type * as FastCheck from "fast-check";
import type { LinkFaults } from "./network.ts";
import { type BrokerFaults, type RebalancePoint, type Replay, type SimulateOptions, type SimulationResult, simulate } from "./simulate.ts";

/** The fast-check module, as `import fc from "fast-check"` gives it. */
export type FastCheckModule = Omit<typeof FastCheck, "default">;

/** What the search may draw. */
export interface FaultSearchBounds {
  /** The processes that may crash (default: every process). */
  readonly processes?: readonly string[];
  /** The step names the programs mark with `step(name)`. */
  readonly steps: readonly string[];
  /** At most this many crash points a schedule (default 2). */
  readonly crashesMax?: number;
  /** A crash point's occurrence is drawn from 1 to this (default 10). */
  readonly occurrenceMax?: number;
  /** The largest restart delay drawn, in virtual ms (default 3000). */
  readonly restartAfterMsMax?: number;
  /** The largest probability of a lost request and of a lost answer on a process's link (default 0: no network faults). */
  readonly lossMax?: number;
  /** When the links' random faults stop, so the run can finish its work (default: half of runForMs). */
  readonly healAtMs?: number;
  /**
   * At most this many broker crashes a schedule (default 0: none), each when a process reaches a step, with the
   * power lost (the unsynced tail of each file cut, the last write torn) or only the process halted.
   */
  readonly brokerCrashesMax?: number;
  /** At most this many failed fsyncs of the broker's segment files a schedule (default 0: none)… */
  readonly fsyncFailuresMax?: number;
  /** …among its first this many fsyncs, counting from 1 (default 20). */
  readonly fsyncAtMax?: number;
  /**
   * At most this many forced rebalances a schedule (default 0: none), each when a process reaches a step
   * (`faults.rebalances`): every group's members give up their partitions and rejoin.
   */
  readonly rebalancesMax?: number;
}

/** The fast-check arbitrary of fault schedules within `bounds`, for `processes`; it shrinks toward fewer, earlier crashes and seed 0. */
export function faultSchedules(fc: FastCheckModule, processes: readonly string[], bounds: FaultSearchBounds, runForMs: number): FastCheck.Arbitrary<Replay> {
  const crashable = bounds.processes ?? processes;
  if (crashable.length === 0 || bounds.steps.length === 0) throw new Error("fault search needs at least one process and one step");
  const lossMax = bounds.lossMax ?? 0;
  const crash = fc.record({
    process: fc.constantFrom(...crashable), step: fc.constantFrom(...bounds.steps), occurrence: fc.integer({ min: 1, max: bounds.occurrenceMax ?? 10 }),
  });
  // Probabilities in hundredths of lossMax: integers shrink to 0, and print exactly.
  const loss = fc.integer({ min: 0, max: 100 }).map((hundredths) => Math.round(lossMax * hundredths) / 100);
  const link = fc.record({ loseRequest: loss, loseAnswer: loss });
  const links = lossMax === 0 ? fc.constant({}) : fc.tuple(...processes.map(() => link)).map((drawn) => {
    const faulty: Record<string, LinkFaults> = {};
    drawn.forEach((faults, i) => {
      if (faults.loseRequest > 0 || faults.loseAnswer > 0) faulty[processes[i]!] = { ...faults, healAtMs: bounds.healAtMs ?? Math.floor(runForMs / 2) };
    });
    return faulty;
  });
  const schedules = fc.record({
    seed: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
    crashes: fc.array(crash, { maxLength: bounds.crashesMax ?? 2 }),
    restartMs: fc.integer({ min: 0, max: bounds.restartAfterMsMax ?? 3000 }),
    links,
  }).map(({ seed, crashes, restartMs, links: faultyLinks }): Replay => ({
    seed,
    faults: {
      crashes, restartAfterMs: [restartMs, restartMs] as const,
      ...(Object.keys(faultyLinks).length === 0 ? {} : { links: faultyLinks }),
    },
  }));
  const broker = brokerFaults(fc, crashable, bounds);
  // Without broker faults or rebalances the draws stay what they were, so earlier seeds find the same schedules.
  const withBroker = broker === null ? schedules : fc.tuple(schedules, broker).map(([replay, faults]) => ({
    seed: replay.seed,
    faults: { ...replay.faults, ...(faults.crashes === undefined && faults.fsync === undefined ? {} : { broker: faults }) },
  }));
  const rebalances = forcedRebalances(fc, crashable, bounds);
  if (rebalances === null) return withBroker;
  return fc.tuple(withBroker, rebalances).map(([replay, points]) => ({
    seed: replay.seed,
    faults: { ...replay.faults, ...(points.length === 0 ? {} : { rebalances: points }) },
  }));
}

/** Forced rebalances at the programs' steps within `bounds`, or null when the bounds allow none; shrinks toward none, earlier. */
function forcedRebalances(fc: FastCheckModule, processes: readonly string[], bounds: FaultSearchBounds): FastCheck.Arbitrary<RebalancePoint[]> | null {
  const rebalancesMax = bounds.rebalancesMax ?? 0;
  if (rebalancesMax === 0) return null;
  const point = fc.record({
    process: fc.constantFrom(...processes), step: fc.constantFrom(...bounds.steps), occurrence: fc.integer({ min: 1, max: bounds.occurrenceMax ?? 10 }),
  });
  return fc.array(point, { maxLength: rebalancesMax });
}

/** The broker's crashes and failed fsyncs within `bounds`, or null when the bounds allow none; shrinks toward none, without power loss. */
function brokerFaults(fc: FastCheckModule, processes: readonly string[], bounds: FaultSearchBounds): FastCheck.Arbitrary<BrokerFaults> | null {
  const crashesMax = bounds.brokerCrashesMax ?? 0;
  const fsyncMax = bounds.fsyncFailuresMax ?? 0;
  if (crashesMax === 0 && fsyncMax === 0) return null;
  const crash = fc.record({
    process: fc.constantFrom(...processes), step: fc.constantFrom(...bounds.steps), occurrence: fc.integer({ min: 1, max: bounds.occurrenceMax ?? 10 }),
    restartAfterMs: fc.integer({ min: 0, max: bounds.restartAfterMsMax ?? 3000 }), powerLoss: fc.boolean(),
  });
  const atSyncs = fc.uniqueArray(fc.integer({ min: 1, max: bounds.fsyncAtMax ?? 20 }), { maxLength: fsyncMax }).map((syncs) => [...syncs].sort((a, b) => a - b));
  return fc.record({ crashes: fc.array(crash, { maxLength: crashesMax }), atSyncs }).map(({ crashes, atSyncs: syncs }) => ({
    ...(crashes.length === 0 ? {} : { crashes }),
    ...(syncs.length === 0 ? {} : { fsync: { atSyncs: syncs } }),
  }));
}

/** Where simulationProperty writes a failing schedule, and what the printed `loglab sim` command names. */
export interface ReplaySaving {
  /** The replay file (default loglab-replay-PID.json in the system's temporary folder); each failing schedule overwrites it, so it ends holding the shrunk one. */
  readonly replayFile?: string;
  /** The program module, for the command (default: a placeholder to fill in). */
  readonly program?: string;
  /** The `--check` names of `loglab sim` the checks correspond to (default: a placeholder). */
  readonly checkNames?: readonly string[];
}

/** A schedule under which a check broke: the message says what broke, holds the replay JSON and, once saved, the replay file and its command. */
export class SimulationFailure extends Error {
  constructor(readonly replay: Replay, readonly result: SimulationResult, readonly replayFile?: string, replayCommand?: string) {
    const saved = replayFile === undefined ? "" : `\nreplay file: ${replayFile}\nrun it again with: ${replayCommand}`;
    super(`${result.verdict.explanation.join("\n")}\nreplay: ${replayJson(replay)}${saved}\n${result.timeline()}`);
    this.name = "SimulationFailure";
  }
}

interface RuntimeFiles {
  readonly write: (path: string, text: string) => void;
  readonly defaultFile: string;
}

/** The file writing of Node and Deno, found without an import so the simulator still loads in a browser (where nothing is written). */
function runtimeFiles(): RuntimeFiles | null {
  const runtime = (globalThis as { process?: { pid?: number; getBuiltinModule?: (id: string) => unknown } }).process;
  const fs = runtime?.getBuiltinModule?.("node:fs") as { writeFileSync?: (path: string, text: string) => void } | undefined;
  const os = runtime?.getBuiltinModule?.("node:os") as { tmpdir?: () => string } | undefined;
  const path = runtime?.getBuiltinModule?.("node:path") as { join?: (...parts: string[]) => string } | undefined;
  if (fs?.writeFileSync === undefined || os?.tmpdir === undefined || path?.join === undefined) return null;
  return { write: fs.writeFileSync, defaultFile: path.join(os.tmpdir(), `loglab-replay-${runtime!.pid ?? 0}.json`) };
}

/** Writes the replay file; the command that runs it again, or null where files cannot be written. */
function saveReplay(replay: Replay, saving: ReplaySaving): { file: string; command: string } | null {
  const files = runtimeFiles();
  if (files === null) return null;
  const file = saving.replayFile ?? files.defaultFile;
  files.write(file, `${replayJson(replay)}\n`);
  const checks = (saving.checkNames ?? ["NAME"]).map((name) => `--check ${name}`).join(" ");
  return { file, command: `loglab sim --program ${saving.program ?? "PROGRAM"} ${checks} --replay ${file}` };
}

/** A replay as the JSON file `loglab sim --replay FILE` reads. */
export function replayJson(replay: Replay): string {
  return JSON.stringify(replay);
}

/**
 * The property that `options.checks` hold under every schedule the search
 * draws: pass it to `fc.assert`. A counterexample is shrunk, and the thrown
 * SimulationFailure carries its replay; in Node and Deno it is also written
 * to `saving.replayFile` (pass `false` to write nothing), and the message
 * names the file and the `loglab sim --replay` command.
 */
export function simulationProperty(
  fc: FastCheckModule, options: Omit<SimulateOptions, "seed" | "faults" | "replay">, bounds: FaultSearchBounds, saving: ReplaySaving | false = {},
): FastCheck.IAsyncPropertyWithHooks<[Replay]> {
  // fast-check prints a counterexample through its toString method (not the thrown error): that is where the
  // failure message learns the replay file and the command.
  const saved = new WeakMap<Replay, { file: string; command: string }>();
  const schedules = faultSchedules(fc, Object.keys(options.processes), bounds, options.runForMs).map((drawn) => {
    const replay: Replay = { ...drawn };
    Object.defineProperty(replay, fc.toStringMethod, {
      enumerable: false,
      value: () => {
        const file = saved.get(replay);
        return file === undefined ? replayJson(replay) : `${replayJson(replay)} (replay file: ${file.file}; run it again with: ${file.command})`;
      },
    });
    return replay;
  });
  return fc.asyncProperty(schedules, async (replay) => {
    const result = await simulate({ ...options, replay });
    if (result.verdict.valid !== false) return;
    const written = saving === false ? null : saveReplay(replay, saving);
    if (written !== null) saved.set(replay, written);
    throw new SimulationFailure(replay, result, written?.file, written?.command);
  });
}
