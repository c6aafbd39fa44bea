// Fault search: fast-check draws fault schedules (crash points, restart
// delays, lossy links) for a user's programs, runs each under simulate(),
// and shrinks a schedule that breaks a check to a small one. A schedule is
// plain JSON — a seed and the faults — that simulate({ replay }) and
// `loglab sim --replay FILE` run again, byte for byte. The caller passes its
// own fast-check, so the simulator itself depends on nothing.

import type * as FastCheck from "fast-check";
import type { LinkFaults } from "./network.ts";
import { type Replay, type SimulateOptions, type SimulationResult, simulate } from "./simulate.ts";

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
  return fc.record({
    seed: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
    crashes: fc.array(crash, { maxLength: bounds.crashesMax ?? 2 }),
    restartMs: fc.integer({ min: 0, max: bounds.restartAfterMsMax ?? 3000 }),
    links,
  }).map(({ seed, crashes, restartMs, links: faultyLinks }) => ({
    seed,
    faults: {
      crashes, restartAfterMs: [restartMs, restartMs] as const,
      ...(Object.keys(faultyLinks).length === 0 ? {} : { links: faultyLinks }),
    },
  }));
}

/** A schedule under which a check broke: the message says what broke and holds the replay JSON. */
export class SimulationFailure extends Error {
  constructor(readonly replay: Replay, readonly result: SimulationResult) {
    super(`${result.verdict.explanation.join("\n")}\nreplay: ${replayJson(replay)}\n${result.timeline()}`);
    this.name = "SimulationFailure";
  }
}

/** A replay as the JSON file `loglab sim --replay FILE` reads. */
export function replayJson(replay: Replay): string {
  return JSON.stringify(replay);
}

/**
 * The property that `options.checks` hold under every schedule the search
 * draws: pass it to `fc.assert`. A counterexample is shrunk, and the thrown
 * SimulationFailure carries its replay.
 */
export function simulationProperty(
  fc: FastCheckModule, options: Omit<SimulateOptions, "seed" | "faults" | "replay">, bounds: FaultSearchBounds,
): FastCheck.IAsyncPropertyWithHooks<[Replay]> {
  return fc.asyncProperty(faultSchedules(fc, Object.keys(options.processes), bounds, options.runForMs), async (replay) => {
    const result = await simulate({ ...options, replay });
    if (result.verdict.valid === false) throw new SimulationFailure(replay, result);
  });
}
