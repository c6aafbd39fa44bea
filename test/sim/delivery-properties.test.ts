// The talk's delivery guarantees as properties over crash schedules (when
// the first consumer process dies, when its successor starts, the world's
// seed), both directions: fast-check cannot break what a loop promises, and
// it does break what it does not promise, shrinking the failure to a small
// schedule that replays.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { atLeastOnce, atMostOnce, type HistoryEntry } from "../../sim/index.ts";
import { CONSUMER_CRASH_RECORDS, LOOPS, runConsumerCrash } from "../../sim/scenarios/consumer-crash.ts";
import { exactlyOnceLab } from "../../sim/crash-lab.ts";

const crashSchedules = fc.record({
  seed: fc.nat({ max: 1000 }),
  crashAtMs: fc.integer({ min: 0, max: 1500 }),
  restartAfterMs: fc.integer({ min: 0, max: 3000 }),
});
type CrashSchedule = typeof crashSchedules extends fc.Arbitrary<infer T> ? T : never;

const loop = (guarantee: string) => LOOPS.find((l) => l.guarantee === guarantee)!;

type History = readonly HistoryEntry[];

async function processing(guarantee: string, { seed, crashAtMs, restartAfterMs }: CrashSchedule): Promise<History> {
  return (await runConsumerCrash(seed, loop(guarantee), { consumer: { crashAtMs, restartAfterMs } })).history;
}

/** The public processing checks' findings: records never processed, and records processed more than once. */
const lost = (history: History) => atLeastOnce(CONSUMER_CRASH_RECORDS)(history).explanation;
const repeated = (history: History) => atMostOnce(CONSUMER_CRASH_RECORDS)(history).explanation;

const never = (guarantee: string, what: (history: History) => readonly string[]) =>
  fc.asyncProperty(crashSchedules, async (schedule) => {
    expect(what(await processing(guarantee, schedule))).toEqual([]);
  });

/** fast-check's search for a counterexample, and proof that the shrunk one replays. */
async function findAndReplay(guarantee: string, what: (history: History) => readonly string[]): Promise<CrashSchedule> {
  const details = await fc.check(never(guarantee, what), { numRuns: 100, seed: 4242 });
  expect(details.failed).toBe(true);
  const [minimal] = details.counterexample!;
  expect(what(await processing(guarantee, minimal!)).length).toBeGreaterThan(0);
  const again = await fc.check(never(guarantee, what), { seed: details.seed, path: details.counterexamplePath!, endOnFailure: true });
  expect(again.counterexample).toEqual(details.counterexample);
  return minimal!;
}

describe("consumer crashes, over random crash schedules", () => {
  it("at-least-once (process, then store) never loses a record", async () => {
    await fc.assert(never("at-least-once", lost), { numRuns: 25, seed: 7 });
  });

  it("at-most-once (store, then process) never processes a record twice", async () => {
    await fc.assert(never("at-most-once", repeated), { numRuns: 25, seed: 7 });
  });

  it("at-least-once does repeat: fast-check finds a schedule that processes a record twice, and it replays", async () => {
    await findAndReplay("at-least-once", repeated);
  });

  it("at-most-once does lose: fast-check finds a schedule that never finishes processing a record, and it replays", async () => {
    await findAndReplay("at-most-once", lost);
  });

  it("the auto-committing basic loop promises neither: fast-check finds a loss", async () => {
    await findAndReplay("none", lost);
  });
});

describe("consumer crashes over lossy links", () => {
  /**
   * A crash schedule plus lost requests and answers on every consumer
   * process's link until the network heals at 10 s: losses are judged under
   * the faults, and the run has the rest of its time to finish the work.
   */
  const lossySchedules = fc.record({
    seed: fc.nat({ max: 1000 }),
    crashAtMs: fc.integer({ min: 0, max: 1500 }),
    lossPercent: fc.integer({ min: 0, max: 20 }),
  });
  const lossyRun = async (guarantee: string, { seed, crashAtMs, lossPercent }: { seed: number; crashAtMs: number; lossPercent: number }) => {
    const faults = { loseRequest: lossPercent / 100, loseAnswer: lossPercent / 100, delayMs: [5, 30] as [number, number], healAtMs: 10_000 };
    const run = await runConsumerCrash(seed, loop(guarantee), {
      consumer: { crashAtMs, restartAfterMs: 500 },
      links: { "consumer-1": faults, "consumer-2": faults },
    });
    return run.history;
  };

  it("at-least-once still never loses a record when fetches, joins, heartbeats and commits go unanswered", async () => {
    await fc.assert(fc.asyncProperty(lossySchedules, async (schedule) => {
      expect(lost(await lossyRun("at-least-once", schedule))).toEqual([]);
    }), { numRuns: 20, seed: 11 });
  });

  it("at-most-once still never processes a record twice when requests and answers are lost", async () => {
    await fc.assert(fc.asyncProperty(lossySchedules, async (schedule) => {
      expect(repeated(await lossyRun("at-most-once", schedule))).toEqual([]);
    }), { numRuns: 20, seed: 11 });
  });
});

describe("exactly once, over random crash points", () => {
  it("every input record appears once in the read_committed output, whatever step the process dies after", async () => {
    await fc.assert(fc.asyncProperty(fc.nat({ max: 1000 }), fc.integer({ min: 1, max: 30 }), async (seed, crashAt) => {
      const { processed } = await exactlyOnceLab(crashAt, { seed });
      expect(processed).toEqual(processed.map(() => 1));
    }), { numRuns: 40, seed: 7 });
  });
});
