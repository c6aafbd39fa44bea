// A consumer process dies inside the simulated world: two processes of one
// group run one of the talk's loops over simulated links; at a virtual time
// the first dies (timers dropped, no leave-group), its session expires, and
// a new incarnation of it starts and joins the group. Written on simulate():
// each process is a program that records `processed` for each record it
// has processed, and the public processing checks say which records were
// processed twice or never, against what the loop's configuration promises.

import { type ConsumerConfig, LoglabError, SeededRandom } from "../../src/index.ts";
import {
  atLeastOnceLoop, atMostOnceLoop, BASIC_CONSUMER_CONFIG, basicConsumerLoop, MANUAL_STORE_CONFIG, TALK_TOPIC,
} from "../../src/examples/index.ts";
import { atLeastOnce, atMostOnce } from "../checks.ts";
import { linkFaults, type Schedule } from "../schedule.ts";
import { type Program, recordAddress, simulate } from "../simulate.ts";
import type { ConsumerLoop, Guarantee } from "./delivery.ts";
import type { RunResult } from "./run-result.ts";

const PARTITIONS = 2;
const RECORDS_PER_PARTITION = 10;
/** Virtual ms each record takes to process. */
const PROCESS_MS = 50;
/** The processes stop polling this long after the run began: long enough for the group to settle after the crash. */
const RUN_MS = 30_000;
/** Settings that make a dead member's session expire, and a lost request be given up, within seconds. */
const GROUP_TIMING: ConsumerConfig = {
  "session.timeout.ms": 6000, "heartbeat.interval.ms": 1000, "max.poll.interval.ms": 10_000, "request.timeout.ms": 2000,
};
/** A loop that failed waits this long before polling again. */
const ERROR_BACKOFF_MS = 100;

export interface LoopUnderTest {
  readonly label: string;
  readonly guarantee: Guarantee;
  readonly loop: ConsumerLoop;
  readonly config: ConsumerConfig;
}

export const LOOPS: readonly LoopUnderTest[] = [
  { label: "at-most-once (store, then process)", guarantee: "at-most-once", loop: atMostOnceLoop, config: MANUAL_STORE_CONFIG },
  { label: "at-least-once (process, then store)", guarantee: "at-least-once", loop: atLeastOnceLoop, config: MANUAL_STORE_CONFIG },
  { label: "basic consumer (auto-commit every 100 ms)", guarantee: "none", loop: basicConsumerLoop, config: BASIC_CONSUMER_CONFIG },
];

/** Every record the scenario writes, by where it is (topic-partition@offset): what the processing checks count. */
export const CONSUMER_CRASH_RECORDS: readonly string[] = Array.from(
  { length: PARTITIONS * RECORDS_PER_PARTITION },
  (_, i) => recordAddress({ topic: TALK_TOPIC, partition: Math.floor(i / RECORDS_PER_PARTITION), offset: i % RECORDS_PER_PARTITION }),
);

/**
 * A group member running `underTest`'s loop one poll at a time until the
 * run's time is up. Processing a record takes PROCESS_MS, and its effect
 * (`record("processed", …)`) lands halfway: a crash in the second half
 * leaves a record processed whose processing had not finished.
 */
export const groupMember = (underTest: LoopUnderTest): Program => async ({ consumer, record, sleep, signal }) => {
  const member = consumer({ ...underTest.config, ...GROUP_TIMING });
  member.subscribe([TALK_TOPIC]);
  const handle = async (received: { topic: string; partition: number; offset: number }) => {
    await sleep(PROCESS_MS / 2);
    record("processed", recordAddress(received));
    await sleep(PROCESS_MS / 2);
  };
  while (!signal.aborted) {
    try {
      await underTest.loop(member, handle, async () => {}, 1);
    } catch (error) {
      // A commit refused in a rebalance ends this round of the loop; the process polls again, as a real one would.
      if (!(error instanceof LoglabError)) throw error;
      record("error", error.message);
      await sleep(ERROR_BACKOFF_MS);
    }
  }
  await member.close();
};

export async function runConsumerCrash(seed: number, underTest: LoopUnderTest, schedule: Schedule = {}): Promise<RunResult> {
  // By default the crash falls while the records are being processed (they take about a second).
  const random = new SeededRandom(seed);
  const crashAtMs = schedule.consumer?.crashAtMs ?? 200 + random.nextInt(1001);
  const restartAfterMs = schedule.consumer?.restartAfterMs ?? 100 + random.nextInt(2901);
  const program = groupMember(underTest);
  const result = await simulate({
    seed,
    topics: [{ name: TALK_TOPIC, partitions: PARTITIONS }],
    inputs: Array.from({ length: PARTITIONS * RECORDS_PER_PARTITION }, (_, i) => ({
      topic: TALK_TOPIC, value: `record ${i % RECORDS_PER_PARTITION}`, partition: Math.floor(i / RECORDS_PER_PARTITION),
    })),
    processes: { "consumer-1": program, "consumer-2": program },
    runForMs: RUN_MS,
    faults: {
      links: Object.fromEntries(["consumer-1", "consumer-2"].map((name) => [name, linkFaults(schedule, name, { delayMs: [5, 30] })])),
      crashes: [{ process: "consumer-1", atMs: crashAtMs }],
      restartAfterMs: [restartAfterMs, restartAfterMs],
    },
    checks: { "at-most-once": atMostOnce(CONSUMER_CRASH_RECORDS), "at-least-once": atLeastOnce(CONSUMER_CRASH_RECORDS) },
  });
  // At-most-once promises no record is processed twice; at-least-once, that every record is processed.
  const { guarantee } = underTest;
  const repeats = result.checks["at-most-once"]!.explanation;
  const losses = result.checks["at-least-once"]!.explanation;
  const violations = [...(guarantee === "at-most-once" ? repeats : []), ...(guarantee === "at-least-once" ? losses : [])];
  const notes = [
    `consumer-1 crashed at ${crashAtMs} ms; consumer-1#2 started ${restartAfterMs} ms later`,
    ...(guarantee === "at-most-once" ? [] : repeats),
    ...(guarantee === "at-least-once" ? [] : losses),
  ];
  return { label: underTest.label, promised: guarantee !== "none", violations, notes, trace: result.trace, history: result.history };
}

export async function consumerCrash(seed: number, schedule: Schedule = {}): Promise<RunResult[]> {
  const runs: RunResult[] = [];
  for (const underTest of LOOPS) runs.push(await runConsumerCrash(seed, underTest, schedule));
  return runs;
}
