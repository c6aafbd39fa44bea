// kafkajs 2.2.4's transactional producer against `serve()` over TCP: records on two partitions and a consumer group's
// offsets (sendOffsets: AddOffsetsToTxn then TxnOffsetCommit) commit together at EndTxn; an aborted transaction's
// records stay invisible to a read_committed consumer and its offsets are never committed.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Admin, Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NodeFsStorage } from "../../src/storage/node-fs.ts";
import { serve, type WireServer } from "../../src/wire/node-server.ts";
import { until } from "../support/cli.ts";

const TOPIC = "tx-orders";
const SOURCE = "tx-source";
const GROUP = "tx-processor";

let dir: string;
let server: WireServer;
let kafka: Kafka;
let admin: Admin;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "loglab-kafkajs-tx-"));
  server = await serve({ storage: new NodeFsStorage(dir), port: 0, config: { "group.initial.rebalance.delay.ms": "0" } });
  kafka = new Kafka({ clientId: "loglab-tx-test", brokers: [server.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 2 }, { topic: SOURCE, numPartitions: 1 }] });
});

afterAll(async () => {
  await admin?.disconnect();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function committedOffset(): Promise<string> {
  const [topic] = await admin.fetchOffsets({ groupId: GROUP, topics: [SOURCE] });
  return topic!.partitions.find((p) => p.partition === 0)!.offset;
}

/** Every value a fresh consumer of `isolation` reads from TOPIC, once it has read `expected` of them. */
async function readAll(readUncommitted: boolean, expected: number): Promise<string[]> {
  const consumer = kafka.consumer({ groupId: `reader-${readUncommitted ? "uncommitted" : "committed"}`, readUncommitted, maxWaitTimeInMs: 100 });
  const seen: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
  try {
    await until(() => seen.length >= expected, `a consumer to read ${expected} records`);
    // Anything that should not be there has had time to arrive.
    await new Promise((resolve) => setTimeout(resolve, 500));
  } finally {
    await consumer.disconnect();
  }
  return seen.sort();
}

describe("kafkajs transactions against loglab serve", () => {
  it("commits records on two partitions with the group's offsets; an aborted transaction leaves no trace for read_committed", async () => {
    const producer = kafka.producer({ transactionalId: "tx-app", idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      const committed = await producer.transaction();
      await committed.send({ topic: TOPIC, messages: [{ partition: 0, value: "a" }, { partition: 1, value: "b" }] });
      await committed.sendOffsets({ consumerGroupId: GROUP, topics: [{ topic: SOURCE, partitions: [{ partition: 0, offset: "5" }] }] });
      expect(await committedOffset()).toBe("-1");
      await committed.commit();
      expect(await committedOffset()).toBe("5");

      const aborted = await producer.transaction();
      await aborted.send({ topic: TOPIC, messages: [{ partition: 0, value: "x" }, { partition: 1, value: "y" }] });
      await aborted.sendOffsets({ consumerGroupId: GROUP, topics: [{ topic: SOURCE, partitions: [{ partition: 0, offset: "9" }] }] });
      await aborted.abort();
      expect(await committedOffset()).toBe("5");

      const last = await producer.transaction();
      await last.send({ topic: TOPIC, messages: [{ partition: 0, value: "c" }] });
      await last.commit();
    } finally {
      await producer.disconnect();
    }
    expect(await readAll(false, 3)).toEqual(["a", "b", "c"]);
    // The aborted records are in the log: read_uncommitted sees them.
    expect(await readAll(true, 5)).toEqual(["a", "b", "c", "x", "y"]);
  });
});
