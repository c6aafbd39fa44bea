// The crash lab of crash-lab.ts against a real Kafka cluster (or `loglab serve`) over the wire: the talk's loops on
// the talk's topic and group, crashed after their n-th step, then a new consumer taking over from what the group
// committed. Each run starts clean: the group's offset is set to the partition's end, then the records are written.
// A crash drops the consumer's connections at once, so nothing it had not sent yet reaches the cluster.

import {
  Consumer, type ConsumerConfig, type ConsumerRecord, type BrokerTransport, Producer, SeededRandom, sleep, systemScheduler,
} from "../src/index.ts";
import { consumeStart, EXACTLY_ONCE_CONSUMER_CONFIG, exactlyOnceLoop, TALK_GROUP, TALK_TOPIC } from "../src/examples/index.ts";
import type { CrashLabResult } from "./crash-lab.ts";
import type { ConsumerLoop, LoopStep } from "./scenarios/delivery.ts";

/** A transport to the cluster, and how to drop it (a crash) or close it. */
export type ClusterConnect = () => BrokerTransport & { close(): void };

export interface ClusterLabOptions {
  readonly connect: ClusterConnect;
  readonly records?: number;
  readonly processMs?: number;
  readonly polls?: number;
}

const OUTPUT_TOPIC = "test-upper";
const TRANSACTIONAL_ID = "talk-exactly-once";
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

/** Points the group at the end of the talk's partition and writes `records` new ones there; returns the first one's offset. */
async function freshRun(connect: ClusterConnect, records: number): Promise<number> {
  const admin = connect();
  try {
    const base = (await endOffsets(admin, TALK_TOPIC))[0]!;
    const [committed] = (await admin.offsetCommit({ groupId: TALK_GROUP, offsets: [{ topic: TALK_TOPIC, partition: 0, offset: base }] })).partitions;
    if (committed!.error !== null) throw committed!.error;
    const producer = new Producer(admin, runtime, { "linger.ms": 0 });
    await producer.send({ topic: TALK_TOPIC, messages: Array.from({ length: records }, (_, i) => ({ value: `record ${i}`, partition: 0 })) });
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
  const { connect, records = 5, processMs = 40, polls = 3 } = options;
  const base = await freshRun(connect, records);
  const processed: number[] = Array.from({ length: records }, () => 0);
  const steps: LoopStep[] = [];
  await incarnations(crashAt, steps, async (crashPoint, seen) => {
    const transport = connect();
    const consumer = new Consumer(transport, runtime, config);
    consumeStart(consumer);
    const process = async (record: ConsumerRecord): Promise<void> => {
      processed[record.offset - base]!++;
      await sleep(systemScheduler, processMs);
    };
    try {
      await loop(consumer, process, stepper(base, crashPoint, seen), polls);
      await consumer.close();
    } catch (error) {
      // A crash: the connections go first, so the consumer's close sends nothing (no commit on the way out).
      transport.close();
      await consumer.close().catch(() => undefined);
      throw error;
    } finally {
      transport.close();
    }
  });
  return { processed, steps };
}

/** The exactly-once loop against the cluster: each count is how often a record's upper-cased copy is committed in the output. */
export async function clusterExactlyOnceLab(crashAt: number | null, options: ClusterLabOptions): Promise<CrashLabResult> {
  const { connect, records = 5, polls = 3 } = options;
  const base = await freshRun(connect, records);
  const outputBase = await (async () => {
    const admin = connect();
    try {
      return await endOffsets(admin, OUTPUT_TOPIC);
    } finally {
      admin.close();
    }
  })();
  const steps: LoopStep[] = [];
  await incarnations(crashAt, steps, async (crashPoint, seen) => {
    const transport = connect();
    const consumer = new Consumer(transport, runtime, EXACTLY_ONCE_CONSUMER_CONFIG);
    const producer = new Producer(transport, runtime, { "transactional.id": TRANSACTIONAL_ID, "linger.ms": 0 });
    consumeStart(consumer);
    const upper = (value: Uint8Array | null) => (value === null ? null : new TextEncoder().encode(text(value).toUpperCase()));
    try {
      await exactlyOnceLoop(consumer, producer, OUTPUT_TOPIC, upper, stepper(base, crashPoint, seen), polls);
      await Promise.all([consumer.close(), producer.close()]);
    } catch (error) {
      transport.close();
      await Promise.allSettled([consumer.close(), producer.close()]);
      throw error;
    } finally {
      transport.close();
    }
  });
  // What a read_committed reader of the output sees (every partition, from where this run began), by the source
  // offset each copy names.
  const reader = connect();
  const processed: number[] = Array.from({ length: records }, () => 0);
  try {
    const ends = await endOffsets(reader, OUTPUT_TOPIC, "read_committed");
    const partitions = ends.map((_, partition) => ({ topic: OUTPUT_TOPIC, partition }));
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
