// The talk's delivery guarantees as scenarios: a consumer loop crashed after
// each of its steps in turn, a successor taking over from the group's stored
// offsets, and each record counted as processed 0, 1 or more times. Each
// configuration is checked against the guarantee it promises.

import { crashLab, type CrashLabResult, exactlyOnceLab } from "../crash-lab.ts";
import {
  atLeastOnceLoop, atMostOnceLoop, BASIC_CONSUMER_CONFIG, basicConsumerLoop, MANUAL_STORE_CONFIG,
} from "../../src/examples/index.ts";
import type { RunResult } from "./run-result.ts";

export type Guarantee = "at-most-once" | "at-least-once" | "exactly-once" | "none";

function breaks(guarantee: Guarantee, times: number): boolean {
  if (guarantee === "at-most-once") return times > 1;
  if (guarantee === "at-least-once") return times === 0;
  if (guarantee === "exactly-once") return times !== 1;
  return false;
}

/** Crashes the loop after every step (the seed varies its random choices) and checks `guarantee` on each outcome. */
export async function crashEveryStep(
  label: string, guarantee: Guarantee, lab: (crashAt: number | null) => Promise<CrashLabResult>,
): Promise<RunResult> {
  const { steps } = await lab(null);
  const violations: string[] = [];
  const notes: string[] = [];
  for (let crashAt = 1; crashAt <= steps.length; crashAt++) {
    const { processed } = await lab(crashAt);
    const step = steps[crashAt - 1]!;
    const where = `crash after ${step.name}${step.offset === null ? "" : ` #${step.offset}`}`;
    processed.forEach((times, offset) => {
      if (times === 1) return;
      const what = `${where}: record ${offset} processed ${times === 0 ? "never" : `${times} times`}`;
      (breaks(guarantee, times) ? violations : notes).push(what);
    });
  }
  return { label, promised: guarantee !== "none", violations, notes, trace: [], history: [] };
}

export const atMostOnce = (seed: number) =>
  crashEveryStep("at-most-once (store, then process)", "at-most-once", (c) => crashLab(atMostOnceLoop, MANUAL_STORE_CONFIG, c, { seed }));
export const atLeastOnce = (seed: number) =>
  crashEveryStep("at-least-once (process, then store)", "at-least-once", (c) => crashLab(atLeastOnceLoop, MANUAL_STORE_CONFIG, c, { seed }));
export const autoCommitNeither = (seed: number) =>
  crashEveryStep("basic consumer (auto-commit every 100 ms)", "none", (c) => crashLab(basicConsumerLoop, BASIC_CONSUMER_CONFIG, c, { seed }));
export const exactlyOnce = (seed: number) =>
  crashEveryStep("exactly-once (transactions, read_committed)", "exactly-once", (c) => exactlyOnceLab(c, { seed }));
