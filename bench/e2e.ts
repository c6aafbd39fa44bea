// End to end: a producer and a consumer through the in-process transport, on
// the real clock, acks=1 and acks=all with idempotence. Latency is from the
// record's timestamp to the consumer handing it out. The peer figure is
// kafkajs's own cost to encode and decode the same records (no broker at all).

import { createRequire } from "node:module";
import {
  Broker, type BrokerTransport, Consumer, InProcessTransport, MemoryStorage, Producer, SeededRandom, systemScheduler,
} from "../src/index.ts";
import type { Report } from "./harness.ts";

const require = createRequire(import.meta.url);
const { RecordBatch } = require("kafkajs/src/protocol/recordBatch/v0") as { RecordBatch: (o: object) => Promise<{ buffer: Buffer }> };
const Record = require("kafkajs/src/protocol/recordBatch/record/v0") as (o: object) => unknown;
const Decoder = require("kafkajs/src/protocol/decoder") as new (b: Buffer) => unknown;
const decodeBatch = require("kafkajs/src/protocol/recordBatch/v0/decoder") as (d: unknown) => Promise<{ records: unknown[] }>;

const RECORDS = 300_000;
const CHUNK = 1000;
const SENDS_IN_FLIGHT = 8;
const VALUE = new Uint8Array(100).fill(7);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

/** How the clients reach a broker holding topic "bench" (one partition), and how it is closed after the run. */
export interface BrokerPath {
  readonly transport: BrokerTransport;
  close(): Promise<void>;
}

/** A broker in this process, reached by method calls. */
export async function inProcessPath(): Promise<BrokerPath> {
  const broker = await Broker.open({ storage: new MemoryStorage(), scheduler: systemScheduler, random: new SeededRandom(2) });
  await broker.logs.createTopic("bench", 1);
  return { transport: new InProcessTransport(broker), close: () => broker.close() };
}

/** Runs RECORDS records through a producer and a consumer over `path`; records/s, and latency from timestamp to poll. */
export async function endToEnd(acks: "1" | "all", path: BrokerPath): Promise<{ rate: number; p50: number; p99: number }> {
  const random = new SeededRandom(1);
  const { transport } = path;
  const producer = new Producer(transport, { scheduler: systemScheduler, random }, { acks, "batch.size": 256 * 1024, "linger.ms": 1 });
  const consumer = new Consumer(transport, { scheduler: systemScheduler, random }, { "auto.offset.reset": "earliest", "max.poll.records": 10_000 });
  consumer.assign([{ topic: "bench", partition: 0 }]);
  const latencies: number[] = [];
  const start = performance.now();
  const consuming = (async () => {
    while (latencies.length < RECORDS) {
      const now = Date.now();
      for (const record of await consumer.poll(0)) latencies.push(now - record.timestamp);
      if (latencies.length < RECORDS) await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  // At most SENDS_IN_FLIGHT sends outstanding: backpressure, as buffer.memory gives a Kafka producer.
  const inFlight = new Set<Promise<unknown>>();
  for (let sent = 0; sent < RECORDS; sent += CHUNK) {
    const send = producer.send({ topic: "bench", messages: Array.from({ length: CHUNK }, (_, i) => ({ key: `key-${i % 64}`, value: VALUE })) });
    inFlight.add(send);
    void send.finally(() => inFlight.delete(send));
    if (inFlight.size >= SENDS_IN_FLIGHT) await Promise.race(inFlight);
    // In one process everything runs on microtasks: yield so the consumer gets its turn.
    await new Promise((resolve) => setImmediate(resolve));
  }
  await Promise.all(inFlight);
  await consuming;
  const seconds = (performance.now() - start) / 1000;
  await producer.close();
  await consumer.close();
  await path.close();
  latencies.sort((a, b) => a - b);
  return { rate: RECORDS / seconds, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
}

/** kafkajs encoding and decoding the same records in batches of CHUNK: its floor for an end-to-end run. */
async function kafkajsEncodeDecode(): Promise<number> {
  const start = performance.now();
  const value = Buffer.from(VALUE);
  const rounds = 50;
  for (let round = 0; round < rounds; round++) {
    const records = Array.from({ length: CHUNK }, (_, i) => Record({ offsetDelta: i, key: Buffer.from(`key-${i % 64}`), value }));
    const { buffer } = await RecordBatch({ records, lastOffsetDelta: CHUNK - 1 });
    await decodeBatch(new Decoder(buffer));
  }
  return (rounds * CHUNK) / ((performance.now() - start) / 1000);
}

export async function benchEndToEnd(report: Report): Promise<void> {
  for (const acks of ["1", "all"] as const) {
    const { rate, p50, p99 } = await endToEnd(acks, await inProcessPath());
    report.add(`e2e-acks-${acks}`, "loglab", rate, "records/s");
    report.add(`e2e-acks-${acks}`, "kafkajs", await kafkajsEncodeDecode(), "records/s");
    report.add(`e2e-acks-${acks}-latency-p50`, "loglab", p50, "ms");
    report.add(`e2e-acks-${acks}-latency-p99`, "loglab", p99, "ms");
  }
}
