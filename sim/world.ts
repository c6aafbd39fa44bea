// The simulated world: one seed derives every random choice, one virtual
// clock and event queue drive every timer and async step, and everything
// that happens is written to a trace. Same seed, same trace, byte for byte.

import { ManualScheduler, SeededRandom } from "../src/index.ts";

/** One line of a run's trace: what happened, when, between whom. */
export interface TraceEvent {
  readonly atMs: number;
  readonly kind: string;
  readonly from?: string;
  readonly to?: string;
  readonly detail?: string;
}

/** Virtual time starts here (a fixed date, so timestamps in records are reproducible too). */
export const SIMULATION_EPOCH_MS = 1_700_000_000_000;

/** A simulated world: a seeded random source, a virtual clock with its event queue, and the trace of what happened. */
export class World {
  readonly scheduler: ManualScheduler;
  readonly random: SeededRandom;
  readonly trace: TraceEvent[] = [];

  constructor(readonly seed: number) {
    this.scheduler = new ManualScheduler(SIMULATION_EPOCH_MS);
    this.random = new SeededRandom(seed);
  }

  get nowMs(): number {
    return this.scheduler.nowMs();
  }

  /** Virtual ms since the run began: the trace's time, and the time schedules speak in. */
  get elapsedMs(): number {
    return this.scheduler.nowMs() - SIMULATION_EPOCH_MS;
  }

  record(event: Omit<TraceEvent, "atMs">): void {
    this.trace.push({ atMs: this.elapsedMs, ...event });
  }

  /** A random boolean that is true with `probability`. */
  chance(probability: number): boolean {
    return probability > 0 && this.random.nextInt(1_000_000) < probability * 1_000_000;
  }

  /** A random integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.random.nextInt(max - min + 1);
  }

  /** The trace as text, one event a line: what the determinism check compares. */
  traceText(): string {
    return this.trace.map((e) => JSON.stringify(e)).join("\n");
  }
}
