// The delivery lab's runs as the web lesson and the talk's tests take them:
// one of the talk's consumer loops over a fresh world, crashed after its
// n-th step (or not at all), a new incarnation taking over from the group's
// committed offsets, and how often each record was processed. A thin layer
// over simulate() and the delivery scenario's programs: the n-th step of a
// clean run becomes a (step, occurrence) crash point.

import type { ConsumerConfig } from "../src/index.ts";
import {
  type ConsumerLoop, crashPointAt, type DeliveryLabOptions, deliveryWorld, exactlyOnceProgram, type LoopStep, loopProgram, runDelivery,
} from "./scenarios/delivery.ts";
import type { Program } from "./simulate.ts";

export type { ConsumerLoop } from "./scenarios/delivery.ts";

/** How many records the crash lab writes, how long each takes to process, how often the loop polls, and the seed. */
export type CrashLabOptions = Pick<DeliveryLabOptions, "records" | "processMs" | "polls" | "seed">;

/** What a crash-lab run found: how often each record was processed, and the steps the first consumer took. */
export interface CrashLabResult {
  /** How often each offset was processed, across the crash and the restart. */
  readonly processed: number[];
  /** The steps the first consumer got through (all of them in a run without a crash), with the offset each concerned. */
  readonly steps: readonly LoopStep[];
}

/** The lab's world: links without delay and an immediate restart, so the loop's own timing (processing, the auto-commit tick) decides. */
const LAB_WORLD = { delayMs: [0, 0], restartAfterMs: [0, 0] } as const;

async function lab(exactly: boolean, program: (seen?: LoopStep[]) => Program, crashAt: number | null, options: CrashLabOptions): Promise<CrashLabResult> {
  const { records = 5, seed = 9 } = options;
  const world = deliveryWorld(exactly, records);
  const settings = { ...options, ...LAB_WORLD };
  const clean: LoopStep[] = [];
  const first = await runDelivery(world, program, seed, null, settings, {}, clean);
  if (crashAt !== null && !(Number.isInteger(crashAt) && crashAt >= 1)) throw new RangeError(`crashAt must be a step from 1, got ${crashAt}`);
  // A loop that never reaches step `crashAt` runs as it would without a crash.
  const crashes = crashAt !== null && crashAt <= clean.length;
  const steps: LoopStep[] = [];
  const result = crashes ? await runDelivery(world, program, seed, crashPointAt(clean, crashAt), settings, {}, steps) : first;
  const processed = world.counted.map((value) => result.history.filter((e) => e.op === world.kind && e.value === value && e.type === "ok").length);
  return { processed, steps: crashes ? steps : clean };
}

/** Runs `loop` with a crash after its step `crashAt` (from 1; null, or past its last step: no crash) and a restart, over simulate(). */
export function crashLab(loop: ConsumerLoop, config: ConsumerConfig, crashAt: number | null, options: CrashLabOptions = {}): Promise<CrashLabResult> {
  return lab(false, (seen) => loopProgram(loop, config, options, seen), crashAt, options);
}

/**
 * The exactly-once loop, crashed after step `crashAt` (null: no crash): each
 * record's count is how often its upper-cased copy is in the output as a
 * read_committed reader sees it.
 */
export function exactlyOnceLab(crashAt: number | null, options: CrashLabOptions = {}): Promise<CrashLabResult> {
  return lab(true, (seen) => exactlyOnceProgram(options, seen), crashAt, options);
}
