// The property search behind the counterexample lesson: fast-check draws
// fault schedules, runs the two-generals lab for a configuration, and
// shrinks a failure to the smallest schedule that still breaks "no value
// lost or duplicated". Pure (no Worker): the worker and the tests call it.

import fc from "fast-check";
import {
  type ConfigName, labOptions, SCHEDULE_LOSS_PERCENT_MAX, SCHEDULE_MESSAGES_MAX, type Schedule, type SearchOutcome,
  type SearchProgress, type SearchRequest,
} from "./counterexample-config.ts";
import { runTwoGeneralsLab } from "./two-generals-lab.ts";

export const schedules: fc.Arbitrary<Schedule> = fc.record({
  seed: fc.nat({ max: 2 ** 31 - 1 }),
  messages: fc.integer({ min: 1, max: SCHEDULE_MESSAGES_MAX }),
  requestLossPercent: fc.integer({ min: 0, max: SCHEDULE_LOSS_PERCENT_MAX }),
  answerLossPercent: fc.integer({ min: 0, max: SCHEDULE_LOSS_PERCENT_MAX }),
});

/** The checker's verdict on one schedule: its explanation is empty when nothing was lost or duplicated. */
export async function violations(config: ConfigName, schedule: Schedule): Promise<readonly string[]> {
  return (await runTwoGeneralsLab(labOptions(config, schedule))).verdict.explanation;
}

/** "No value lost or duplicated" for `config`; `observe` hears every schedule tried and whether it held. */
export function noValueLostOrDuplicated(config: ConfigName, observe: (schedule: Schedule, held: boolean) => void = () => {}) {
  return fc.asyncProperty(schedules, async (schedule) => {
    const held = (await violations(config, schedule)).length === 0;
    observe(schedule, held);
    return held;
  });
}

export async function searchCounterexample(
  request: SearchRequest,
  onProgress: (progress: SearchProgress) => void = () => {},
): Promise<SearchOutcome> {
  let progress: SearchProgress = { runs: 0, numRuns: request.numRuns, shrinkTries: 0, shrinks: 0, smallest: null };
  // fast-check stops drawing at the first failure; every evaluation after it is a shrinking attempt.
  const observe = (schedule: Schedule, held: boolean) => {
    progress = progress.smallest === null
      ? { ...progress, runs: progress.runs + 1, smallest: held ? null : schedule }
      : { ...progress, shrinkTries: progress.shrinkTries + 1, shrinks: progress.shrinks + (held ? 0 : 1), smallest: held ? progress.smallest : schedule };
    onProgress(progress);
  };
  const fcSeed = request.fcSeed ?? (Date.now() ^ (Math.random() * 0x7fff_ffff)) | 0;
  const details = await fc.check(noValueLostOrDuplicated(request.config, observe), { numRuns: request.numRuns, seed: fcSeed });
  if (!details.failed || details.counterexample === null) return { found: false, runs: details.numRuns, fcSeed };
  const [counterexample] = details.counterexample;
  return {
    found: true, counterexample, explanation: await violations(request.config, counterexample),
    runs: details.numRuns, shrinks: details.numShrinks, fcSeed, path: details.counterexamplePath ?? "",
  };
}
