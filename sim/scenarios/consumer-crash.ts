// A consumer process dies inside the simulated world: two processes of one
// group run one of the talk's loops over simulated links; at a random
// virtual time the first dies (timers dropped, no leave-group), its session
// expires, and a new process starts and joins the group. The processing
// steps go into a history, and the checker says which records were
// delivered to the processing step twice or never, against what the loop's
// configuration promises.

import {
  Broker, Consumer, type ConsumerConfig, encodeBatch, LoglabError, MemoryStorage, sleep,
} from "../../src/index.ts";
import type { ConsumerLoop } from "../crash-lab.ts";
import {
  atLeastOnceLoop, atMostOnceLoop, BASIC_CONSUMER_CONFIG, basicConsumerLoop, MANUAL_STORE_CONFIG, type Process, TALK_TOPIC,
} from "../../src/examples/index.ts";
import { History } from "../history.ts";
import { simulatedLink } from "../network.ts";
import { SimulatedProcess } from "../process.ts";
import { checkProcessing } from "../processing-checker.ts";
import { linkFaults, type Schedule } from "../schedule.ts";
import { World } from "../world.ts";
import type { Guarantee } from "./delivery.ts";
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

/** What a record is called in the history: its partition and offset. */
const recordName = (partition: number, offset: number) => `${TALK_TOPIC}-${partition}@${offset}`;

/** Every record the scenario writes, by its history name: what the processing checker counts. */
export const CONSUMER_CRASH_RECORDS: readonly string[] = Array.from(
  { length: PARTITIONS * RECORDS_PER_PARTITION }, (_, i) => recordName(Math.floor(i / RECORDS_PER_PARTITION), i % RECORDS_PER_PARTITION),
);

export async function runConsumerCrash(seed: number, underTest: LoopUnderTest, schedule: Schedule = {}): Promise<RunResult> {
  const world = new World(seed);
  const broker = await Broker.open({
    storage: new MemoryStorage(), scheduler: world.scheduler, random: world.random, config: { "group.initial.rebalance.delay.ms": "0" },
  });
  await broker.logs.createTopic(TALK_TOPIC, PARTITIONS);
  for (let partition = 0; partition < PARTITIONS; partition++) {
    const batch = encodeBatch({ baseTimestamp: world.nowMs, records: Array.from({ length: RECORDS_PER_PARTITION }, (_, i) => ({ value: `record ${i}` })) });
    await broker.produce({ acks: -1, partitions: [{ topic: TALK_TOPIC, partition, records: batch }] });
  }
  const history = new History(() => world.nowMs);
  // By default the crash falls while the records are being processed (they take about a second).
  const crashAtMs = schedule.consumer?.crashAtMs ?? world.between(200, 1200);
  const restartAfterMs = schedule.consumer?.restartAfterMs ?? world.between(100, 3000);

  /** Starts a consumer process running the loop until RUN_MS; resolves when it has closed (never, if it dies). */
  const start = (name: string): { process: SimulatedProcess; done: Promise<void> } => {
    const process = new SimulatedProcess(world, name);
    const link = process.connect(simulatedLink(world, broker, name, linkFaults(schedule, name, { delayMs: [5, 30] })));
    const consumer = new Consumer(link, { scheduler: process.scheduler, random: world.random }, { ...underTest.config, ...GROUP_TIMING });
    consumer.subscribe([TALK_TOPIC]);
    const handle: Process = async (record) => {
      const value = recordName(record.partition, record.offset);
      history.invoke(name, "process", value);
      await sleep(process.scheduler, PROCESS_MS);
      history.complete(name, "process", value, "ok");
    };
    const done = (async () => {
      while (world.elapsedMs < RUN_MS) {
        try {
          await underTest.loop(consumer, handle, async () => {}, 1);
        } catch (error) {
          // A commit refused in a rebalance ends this round of the loop; the process polls again, as a real one would.
          if (!(error instanceof LoglabError)) throw error;
          world.record({ kind: "error", from: name, detail: error.message });
          await sleep(process.scheduler, ERROR_BACKOFF_MS);
        }
      }
      await consumer.close();
    })();
    return { process, done };
  };

  const first = start("consumer-1");
  const second = start("consumer-2");
  world.scheduler.setTimer(crashAtMs, () => first.process.crash());
  const successor = new Promise<Promise<void>>((resolve) => {
    world.scheduler.setTimer(crashAtMs + restartAfterMs, () => {
      world.record({ kind: "restart", from: "consumer-3", detail: "a new process takes consumer-1's place in the group" });
      resolve(start("consumer-3").done);
    });
  });
  await world.scheduler.runUntilSettled(Promise.all([second.done, successor.then((done) => done)]), RUN_MS * 3);

  const verdict = checkProcessing(history.entries, CONSUMER_CRASH_RECORDS);
  // At-most-once promises no record reaches the processing step twice; at-least-once, that every record's processing completes.
  const { guarantee } = underTest;
  const repeats = verdict.deliveredTwice.map(({ value, times }) => `${value} delivered to the processing step ${times} times`);
  const losses = [
    ...verdict.neverDelivered.map((value) => `${value} never delivered to the processing step`),
    ...verdict.neverCompleted.map((value) => `${value} delivered, but the crash cut its processing short and no one redid it`),
  ];
  const violations = [...(guarantee === "at-most-once" ? repeats : []), ...(guarantee === "at-least-once" ? losses : [])];
  const notes = [
    `consumer-1 crashed at ${crashAtMs} ms; consumer-3 started ${restartAfterMs} ms later`,
    ...(guarantee === "at-most-once" ? [] : repeats),
    ...(guarantee === "at-least-once" ? [] : losses),
  ];
  return { label: underTest.label, promised: underTest.guarantee !== "none", violations, notes, trace: world.trace, history: history.entries };
}

export async function consumerCrash(seed: number, schedule: Schedule = {}): Promise<RunResult[]> {
  const runs: RunResult[] = [];
  for (const underTest of LOOPS) runs.push(await runConsumerCrash(seed, underTest, schedule));
  return runs;
}
