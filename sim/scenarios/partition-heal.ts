// A network partition that heals, on a link that also holds messages back so
// later ones overtake them: the two generals' producer keeps retrying
// through the cut. Held-back requests that arrive after their retry did
// write a value twice, or after the next value, out of order, unless the
// producer is idempotent and the broker checks its sequence numbers. The
// two generals' producer program, run by simulate() over such a link.

import type { LinkFaults } from "../network.ts";
import type { Schedule } from "../schedule.ts";
import type { RunResult } from "./run-result.ts";
import { reportTwoGenerals, runTwoGenerals } from "./two-generals.ts";

/** The link's default faults: cut from 200 ms to 1.2 s, and one message in four held back by up to 300 ms. */
export const PARTITION_HEAL_FAULTS: LinkFaults = {
  loseAnswer: 0,
  reorder: 0.25,
  reorderDelayMs: [50, 300],
  partitions: [{ startMs: 200, endMs: 1200 }],
};

export async function partitionHeal(seed: number, schedule: Schedule = {}): Promise<RunResult[]> {
  // The schedule's producer faults override these defaults key by key.
  const merged: Schedule = { ...schedule, links: { ...schedule.links, producer: { ...PARTITION_HEAL_FAULTS, ...schedule.links?.producer } } };
  return [
    reportTwoGenerals(await runTwoGenerals(seed, false, 20, 0, merged)),
    reportTwoGenerals(await runTwoGenerals(seed, true, 20, 0, merged)),
  ];
}
