// The crash lab of crash-lab.ts against a real Kafka cluster (or `loglab serve`) over the wire: the talk's loops on
// the talk's group and topic (or a run's own topic), crashed after their n-th step, then a new consumer taking over
// from what the group committed. Each run starts clean: the group's offset is set to the partition's end, then the
// records are written. A crash drops the consumer's connections at once, so nothing it had not sent yet reaches the
// cluster. Runs under different names (topic, output topic, transactional.id) share one cluster at once: that is how
// clusterCrashEveryStep and clusterExactlyOnceEveryStep crash a loop after every step in the time of a few runs.

import {
  Consumer, type ConsumerConfig, type ConsumerRecord, type BrokerTransport, mapTransport, Producer, SeededRandom, sleep, systemScheduler,
} from "../src/index.ts";
import { EXACTLY_ONCE_CONSUMER_CONFIG, exactlyOnceLoop, TALK_GROUP, TALK_TOPIC } from "../src/examples/index.ts";
import type { CrashLabResult } from "./crash-lab.ts";
import type { ConsumerLoop, LoopStep } from "./scenarios/delivery.ts";

/** A transport to the cluster, and how to drop it (a crash) or close it. */
export type ClusterConnect = () => BrokerTransport & { close(): void };

/**
 * The names a run reads and writes under. The group is the loop's own (the talk's): a group keeps its offsets per
 * partition, and the loops assign their partition instead of joining, so runs on different topics share it unmet.
 */
export interface ClusterLabNames {
  /** The input topic: the loops read its partition 0, as the talk's consumeStart does. */
  readonly topic: string;
  /** Where the exactly-once loop writes its upper-cased copies. */
  readonly outputTopic: string;
  readonly transactionalId: string;
}

/** The talk's topic, and the exactly-once loop's output topic and transactional.id. */
export const TALK_NAMES: ClusterLabNames = { topic: TALK_TOPIC, outputTopic: "test-upper", transactionalId: "talk-exactly-once" };

export interface ClusterLabOptions {
  readonly connect: ClusterConnect;
  readonly records?: number;
  readonly processMs?: number;
  readonly polls?: number;
  /** TALK_NAMES when absent. */
  readonly names?: ClusterLabNames;
}

const runtime = { scheduler: systemScheduler, random: new SeededRandom(9) };
const text = (bytes: Uint8Array | null): string => new TextDecoder().decode(bytes ?? new Uint8Array(0));

class Crash extends Error {}

/** The latest offset of each partition of `topic` (created if need be). */
async function endOffsets(transport: BrokerTransport, topic: string, isolationLevel: "read_committed" | "read_uncommitted" = "read_uncommitted"): Promise<number[]> {
  const [metadata] = (await transport.metadata([topic])).topics;
  if (metadata!.error !== null) throw metadata!.error;
  const partitions = Array.from({ length: metadata!.partitions }, (_, partition) => ({ topic, partition, timestamp: "latest" as const }));
  return (await transport.listOffsets({ isolationLevel, partitions })).partitions.map((end) => {
    if (end.error !== null) throw end.error;
    return end.offset;
  });
}

/** Points `group` at the end of partition 0 of `topic` and writes `records` new ones there; returns the first one's offset. */
async function freshRun(connect: ClusterConnect, topic: string, group: string, records: number): Promise<number> {
  const admin = connect();
  try {
    const base = (await endOffsets(admin, topic))[0]!;
    const [committed] = (await admin.offsetCommit({ groupId: group, offsets: [{ topic, partition: 0, offset: base }] })).partitions;
    if (committed!.error !== null) throw committed!.error;
    const producer = new Producer(admin, runtime, { "linger.ms": 0 });
    await producer.send({ topic, messages: Array.from({ length: records }, (_, i) => ({ value: `record ${i}`, partition: 0 })) });
    await producer.close();
    return base;
  } finally {
    admin.close();
  }
}

/** A step function counting the steps, recording them (offsets relative to `base`) and crashing after step `crashAt`. */
function stepper(base: number, crashAt: number | null, seen: LoopStep[]) {
  return async (name: string, record: ConsumerRecord | null): Promise<void> => {
    seen.push({ name, offset: record === null ? null : record.offset - base });
    if (seen.length === crashAt) throw new Crash(`crash after step ${crashAt}`);
  };
}

/**
 * One process's connection to the cluster, and its crash: the connections drop, and every request the process still
 * makes, or was waiting on, fails at once (a closed transport would go on retrying for seconds, as after a lost link).
 */
function processLink(connect: ClusterConnect): { transport: BrokerTransport; crash(): void; close(): void } {
  const inner = connect();
  let crash = (): void => undefined;
  const crashed = new Promise<never>((_, reject) => {
    crash = () => reject(new Crash("the process crashed"));
  });
  crashed.catch(() => undefined);
  const transport = mapTransport(inner, (_name, call) => (...args) => Promise.race([crashed, call(...args)]));
  return {
    transport,
    crash() {
      crash();
      inner.close();
    },
    close: () => inner.close(),
  };
}

/**
 * Connects a process before its consumer starts, as a process would have: the connections, the partition's leader
 * and the group's coordinator are known, so the first poll is two requests, not six. The auto-commit timer starts
 * with the consumer, and a first poll slowed by connecting would let its first tick overtake the first record.
 */
async function connected(transport: BrokerTransport, topic: string, group: string): Promise<void> {
  await transport.metadata([topic]);
  await transport.offsetFetch(group, [{ topic, partition: 0 }]);
}

/** Runs `body` once with a crash after step `crashAt`, and again without when it crashed. */
async function incarnations(crashAt: number | null, steps: LoopStep[], body: (crashAt: number | null, seen: LoopStep[]) => Promise<void>): Promise<void> {
  try {
    await body(crashAt, steps);
  } catch (error) {
    if (!(error instanceof Crash)) throw error;
    await body(null, []);
  }
}

/** `loop` against the cluster with a crash after its step `crashAt` (null: none), then a restart. */
export async function clusterCrashLab(loop: ConsumerLoop, config: ConsumerConfig, crashAt: number | null, options: ClusterLabOptions): Promise<CrashLabResult> {
  const { connect, records = 5, processMs = 40, polls = 3, names = TALK_NAMES } = options;
  const group = config["group.id"] ?? TALK_GROUP;
  const base = await freshRun(connect, names.topic, group, records);
  const processed: number[] = Array.from({ length: records }, () => 0);
  const steps: LoopStep[] = [];
  await incarnations(crashAt, steps, async (crashPoint, seen) => {
    const link = processLink(connect);
    await connected(link.transport, names.topic, group);
    const consumer = new Consumer(link.transport, runtime, config);
    consumer.assign([{ topic: names.topic, partition: 0 }]);
    const process = async (record: ConsumerRecord): Promise<void> => {
      processed[record.offset - base]!++;
      await sleep(systemScheduler, processMs);
    };
    try {
      await loop(consumer, process, stepper(base, crashPoint, seen), polls);
      await consumer.close();
    } catch (error) {
      // A crash: the connections go first, so the consumer's close sends nothing (no commit on the way out).
      link.crash();
      await consumer.close().catch(() => undefined);
      throw error;
    } finally {
      link.close();
    }
  });
  return { processed, steps };
}

/** The exactly-once loop against the cluster: each count is how often a record's upper-cased copy is committed in the output. */
export async function clusterExactlyOnceLab(crashAt: number | null, options: ClusterLabOptions): Promise<CrashLabResult> {
  const { connect, records = 5, polls = 3, names = TALK_NAMES } = options;
  const base = await freshRun(connect, names.topic, EXACTLY_ONCE_CONSUMER_CONFIG["group.id"] ?? TALK_GROUP, records);
  const outputBase = await (async () => {
    const admin = connect();
    try {
      return await endOffsets(admin, names.outputTopic);
    } finally {
      admin.close();
    }
  })();
  const steps: LoopStep[] = [];
  await incarnations(crashAt, steps, async (crashPoint, seen) => {
    const link = processLink(connect);
    // A transactional process starts by fencing its predecessor (Java's initTransactions()): the transaction that one
    // left open is aborted, with the offsets it sent, before the consumer asks for the group's stable offsets.
    await link.transport.initProducerId(names.transactionalId);
    const consumer = new Consumer(link.transport, runtime, EXACTLY_ONCE_CONSUMER_CONFIG);
    const producer = new Producer(link.transport, runtime, { "transactional.id": names.transactionalId, "linger.ms": 0 });
    consumer.assign([{ topic: names.topic, partition: 0 }]);
    const upper = (value: Uint8Array | null) => (value === null ? null : new TextEncoder().encode(text(value).toUpperCase()));
    try {
      await exactlyOnceLoop(consumer, producer, names.outputTopic, upper, stepper(base, crashPoint, seen), polls);
      await Promise.all([consumer.close(), producer.close()]);
    } catch (error) {
      link.crash();
      await Promise.allSettled([consumer.close(), producer.close()]);
      throw error;
    } finally {
      link.close();
    }
  });
  // What a read_committed reader of the output sees (every partition, from where this run began), by the source
  // offset each copy names.
  const reader = connect();
  const processed: number[] = Array.from({ length: records }, () => 0);
  try {
    const ends = await endOffsets(reader, names.outputTopic, "read_committed");
    const partitions = ends.map((_, partition) => ({ topic: names.outputTopic, partition }));
    const consumer = new Consumer(reader, runtime, { "isolation.level": "read_committed", "enable.auto.commit": false });
    consumer.assign(partitions);
    for (const tp of partitions) consumer.seek(tp, outputBase[tp.partition] ?? 0);
    while (partitions.some((tp) => (consumer.position(tp) ?? 0) < ends[tp.partition]!)) {
      for (const record of await consumer.poll(500)) {
        const source = record.headers.find((h) => h.key === "source-offset");
        const offset = Number(text(source?.value ?? null)) - base;
        if (offset >= 0 && offset < records) processed[offset]!++;
      }
    }
    await consumer.close();
  } finally {
    reader.close();
  }
  return { processed, steps };
}

/** Options of a lab crashed after every step: the runs' own names start with `batch`; at most `concurrency` run at once. */
export interface EveryStepOptions extends Omit<ClusterLabOptions, "names"> {
  readonly batch: string;
  readonly concurrency: number;
}

/** A run without a crash, and one crashed after each step it took: crashed[n - 1] crashed after step n. */
export interface EveryStepResult {
  readonly clean: CrashLabResult;
  readonly crashed: readonly CrashLabResult[];
}

/** `loop` without a crash, then crashed after each of its steps in turn, the runs side by side. */
export function clusterCrashEveryStep(loop: ConsumerLoop, config: ConsumerConfig, options: EveryStepOptions): Promise<EveryStepResult> {
  return everyStep((crashAt, lab) => clusterCrashLab(loop, config, crashAt, lab), (names) => [names.topic], options);
}

/** The exactly-once loop without a crash, then crashed after each of its steps in turn, the runs side by side. */
export function clusterExactlyOnceEveryStep(options: EveryStepOptions): Promise<EveryStepResult> {
  return everyStep(clusterExactlyOnceLab, (names) => [names.topic, names.outputTopic], options);
}

/** The names of run `run` of batch `batch`. */
function runNames(batch: string, run: string): ClusterLabNames {
  return { topic: `${batch}-${run}`, outputTopic: `${batch}-${run}-upper`, transactionalId: `${batch}-${run}` };
}

async function everyStep(
  lab: (crashAt: number | null, options: ClusterLabOptions) => Promise<CrashLabResult>, topicsOf: (names: ClusterLabNames) => string[],
  options: EveryStepOptions,
): Promise<EveryStepResult> {
  const { batch, concurrency, ...shared } = options;
  const clean = await lab(null, { ...shared, names: runNames(batch, "clean") });
  const names = clean.steps.map((_, i) => runNames(batch, String(i + 1)));
  // One Metadata request auto-creates every topic of the batch: one round of topic creation, not one per run.
  const admin = shared.connect();
  try {
    for (const topic of (await admin.metadata(names.flatMap(topicsOf))).topics) if (topic.error !== null) throw topic.error;
  } finally {
    admin.close();
  }
  const crashed = await boundedMap(names, concurrency, (run, i) => lab(i + 1, { ...shared, names: run }));
  return { clean, crashed };
}

/** `work` on each item, at most `limit` at once; the results in the items' order. */
async function boundedMap<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  if (!(Number.isInteger(limit) && limit >= 1)) throw new RangeError(`concurrency must be a whole number from 1, got ${limit}`);
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = await work(items[index]!, index);
      } catch (error) {
        next = items.length; // the first failure is the answer: start no more
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
