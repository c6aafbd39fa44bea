// Runs one of the talk's consumer loops over a fresh broker, crashes its
// process after a chosen step, lets a new consumer of the same group take
// over, and counts how often each record was processed. A crash is a severed
// transport: after it nothing the dead process sends arrives, and no answer
// reaches it.

import {
  Broker, type BrokerTransport, Consumer, type ConsumerConfig, encodeBatch, InProcessTransport, ManualScheduler, mapTransport,
  MemoryStorage, Producer, SeededRandom, sleep,
} from "../src/index.ts";
import { consumeStart, EXACTLY_ONCE_CONSUMER_CONFIG, exactlyOnceLoop, type Process, type Step, TALK_TOPIC } from "../src/examples/index.ts";

/** One of the talk's consumer loops, as the crash lab runs it: `polls` rounds of poll, process, store, with a `step` after each. */
export type ConsumerLoop = (consumer: Consumer, process: Process, step: Step, polls: number) => Promise<void>;

/** How many records the crash lab writes, how long each takes to process, how often the loop polls, and the seed. */
export interface CrashLabOptions {
  readonly records?: number;
  /** Virtual milliseconds each record takes to process. */
  readonly processMs?: number;
  readonly polls?: number;
  readonly seed?: number;
}

/** What a crash-lab run found: how often each record was processed, and the steps the first consumer took. */
export interface CrashLabResult {
  /** How often each offset was processed, across the crash and the restart. */
  readonly processed: number[];
  /** The steps the first consumer got through, with the offset each concerned. */
  readonly steps: readonly { readonly name: string; readonly offset: number | null }[];
}

/** Thrown at the crash point to end the first consumer's loop. */
export class Crash extends Error {
  constructor(readonly atStep: number) {
    super(`crashed after step ${atStep}`);
  }
}

/**
 * A transport that can die: after crash(), calls never arrive and answers
 * never come back. It wraps any BrokerTransport (the simulator's links too).
 */
export function crashable(inner: BrokerTransport): BrokerTransport & { crash(): void } {
  let dead = false;
  const never = new Promise<never>(() => {});
  const severed = mapTransport(inner, (_name, call) => (...args) => {
    if (dead) return never;
    return call(...args).then((answer) => (dead ? never : answer));
  });
  return Object.assign(severed, { crash: () => { dead = true; } });
}

/** Runs `loop` with a crash after step `crashAt` (null: no crash) and a restart. */
export async function crashLab(loop: ConsumerLoop, config: ConsumerConfig, crashAt: number | null, options: CrashLabOptions = {}): Promise<CrashLabResult> {
  const { records = 5, processMs = 40, polls = 3, seed = 9 } = options;
  const scheduler = new ManualScheduler(1_700_000_000_000);
  const random = new SeededRandom(seed);
  const broker = await Broker.open({ storage: new MemoryStorage(), scheduler, random });
  await broker.logs.createTopic(TALK_TOPIC, 2);
  const batch = encodeBatch({ baseTimestamp: scheduler.nowMs(), records: Array.from({ length: records }, (_, i) => ({ value: `record ${i}` })) });
  await broker.produce({ acks: -1, partitions: [{ topic: TALK_TOPIC, partition: 0, records: batch }] });

  const processed = new Array<number>(records).fill(0);
  const steps: { name: string; offset: number | null }[] = [];
  const process: Process = async (record) => {
    await sleep(scheduler, processMs);
    processed[record.offset]!++;
  };
  const transport = crashable(new InProcessTransport(broker));
  const first = new Consumer(transport, { scheduler, random }, config);
  consumeStart(first);
  const step: Step = async (name, record) => {
    steps.push({ name, offset: record?.offset ?? null });
    if (steps.length === crashAt) {
      transport.crash();
      throw new Crash(crashAt);
    }
  };
  try {
    await scheduler.runUntilSettled(loop(first, process, step, polls));
  } catch (error) {
    if (!(error instanceof Crash)) throw error;
  }
  const second = new Consumer(new InProcessTransport(broker), { scheduler, random }, config);
  consumeStart(second);
  await scheduler.runUntilSettled(loop(second, process, async () => {}, polls));
  await scheduler.runUntilSettled(second.close());
  return { processed, steps };
}

/**
 * The exactly-once loop over a fresh broker: records in TALK_TOPIC's
 * partition 0 are upper-cased into "output"; the process crashes after step
 * `crashAt`, a new one (same group, same transactional.id) takes over, and
 * the result counts how often each input offset appears in the output as a
 * read_committed consumer sees it.
 */
export async function exactlyOnceLab(crashAt: number | null, options: CrashLabOptions = {}): Promise<CrashLabResult> {
  const { records = 5, polls = 3, seed = 9 } = options;
  const scheduler = new ManualScheduler(1_700_000_000_000);
  const random = new SeededRandom(seed);
  const broker = await Broker.open({ storage: new MemoryStorage(), scheduler, random });
  await broker.logs.createTopic(TALK_TOPIC, 1);
  await broker.logs.createTopic("output", 1);
  const batch = encodeBatch({ baseTimestamp: scheduler.nowMs(), records: Array.from({ length: records }, (_, i) => ({ value: `record ${i}` })) });
  await broker.produce({ acks: -1, partitions: [{ topic: TALK_TOPIC, partition: 0, records: batch }] });
  const upper = (value: Uint8Array | null) => (value === null ? null : new TextEncoder().encode(new TextDecoder().decode(value).toUpperCase()));

  const steps: { name: string; offset: number | null }[] = [];
  const startProcess = (transport: BrokerTransport) => {
    const consumer = new Consumer(transport, { scheduler, random }, EXACTLY_ONCE_CONSUMER_CONFIG);
    consumeStart(consumer);
    const producer = new Producer(transport, { scheduler, random }, { "transactional.id": "talk-transformer" });
    return { consumer, producer };
  };
  const transport = crashable(new InProcessTransport(broker));
  const first = startProcess(transport);
  try {
    await scheduler.runUntilSettled(exactlyOnceLoop(first.consumer, first.producer, "output", upper, async (name, record) => {
      steps.push({ name, offset: record?.offset ?? null });
      if (steps.length === crashAt) {
        transport.crash();
        throw new Crash(crashAt);
      }
    }, polls));
  } catch (error) {
    if (!(error instanceof Crash)) throw error;
  }
  const second = startProcess(new InProcessTransport(broker));
  await scheduler.runUntilSettled(exactlyOnceLoop(second.consumer, second.producer, "output", upper, async () => {}, polls));

  // What a read_committed reader of the output sees.
  const reader = new Consumer(new InProcessTransport(broker), { scheduler, random }, { "auto.offset.reset": "earliest", "isolation.level": "read_committed" });
  reader.assign([{ topic: "output", partition: 0 }]);
  const processed = new Array<number>(records).fill(0);
  for (let i = 0; i < 3; i++) {
    for (const record of await scheduler.runUntilSettled(reader.poll(0))) {
      const source = record.headers.find((h) => h.key === "source-offset")!;
      processed[Number(new TextDecoder().decode(source.value!))]!++;
    }
  }
  return { processed, steps };
}
