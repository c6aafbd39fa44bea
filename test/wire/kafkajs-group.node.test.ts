// kafkajs 2.2.4's consumer group against `serve()` over TCP, rebalancing: one member takes every partition, a second
// joins and the group splits them (each partition owned by one member of the generation), the first member's commits
// carry over, and when the second leaves the first owns them all again. Every record is read, and none twice by the
// group once the commits are in.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Consumer, Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NodeFsStorage } from "../../src/storage/node-fs.ts";
import { serve, type WireServer } from "../../src/wire/node-server.ts";
import { until } from "../support/cli.ts";

const TOPIC = "group-orders";
const GROUP = "billing";
const PARTITIONS = 4;

let dir: string;
let server: WireServer;
let kafka: Kafka;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "loglab-kafkajs-group-"));
  server = await serve({ storage: new NodeFsStorage(dir), port: 0, config: { "group.initial.rebalance.delay.ms": "0" } });
  kafka = new Kafka({ clientId: "loglab-group-test", brokers: [server.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5 } });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }] });
  await admin.disconnect();
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function produce(from: number, count: number): Promise<void> {
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  // Round robin by explicit partition: every partition gets records.
  await producer.send({ topic: TOPIC, messages: Array.from({ length: count }, (_, i) => ({ value: `order-${from + i}`, partition: (from + i) % PARTITIONS })) });
  await producer.disconnect();
}

interface Member {
  readonly consumer: Consumer;
  readonly read: string[];
  /** The partitions of TOPIC each rebalance assigned this member, in order. */
  readonly assignments: number[][];
}

async function startMember(name: string): Promise<Member> {
  const consumer = kafka.consumer({ groupId: GROUP, sessionTimeout: 10_000, heartbeatInterval: 300, rebalanceTimeout: 10_000, maxWaitTimeInMs: 100 });
  const member: Member = { consumer, read: [], assignments: [] };
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => void member.assignments.push([...(payload.memberAssignment[TOPIC] ?? [])].sort()));
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  await consumer.run({ autoCommitInterval: 100, eachMessage: async ({ message }) => void member.read.push(`${name}:${message.value!.toString()}`) });
  return member;
}

const values = (...members: Member[]) => members.flatMap((m) => m.read.map((entry) => entry.slice(entry.indexOf(":") + 1))).sort();
const expected = (count: number) => Array.from({ length: count }, (_, i) => `order-${i}`).sort();
const latest = (member: Member) => member.assignments.at(-1) ?? [];

describe("a kafkajs consumer group against loglab serve", () => {
  it("splits the partitions when a second member joins, and gives them back when it leaves", async () => {
    await produce(0, 40);
    const first = await startMember("first");
    await until(() => first.read.length >= 40, "the first member to read every record");
    expect(latest(first)).toEqual([0, 1, 2, 3]);
    // Its auto-commit (every 100 ms) has stored where it is before the group changes.
    await new Promise((resolve) => setTimeout(resolve, 500));

    const second = await startMember("second");
    await until(() => latest(second).length > 0 && latest(first).length < PARTITIONS, "the group to rebalance");
    const [mine, theirs] = [latest(first), latest(second)];
    expect([...mine, ...theirs].sort()).toEqual([0, 1, 2, 3]);
    expect(mine.filter((p) => theirs.includes(p))).toEqual([]);

    await produce(40, 40);
    await until(() => values(first, second).length >= 80, "the group to read the new records");
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Each record once: the second member started at the first one's commits, not at the beginning.
    expect(values(first, second)).toEqual(expected(80));
    // Each new record was read by the member that owns its partition now.
    for (const entry of second.read) expect(theirs).toContain(Number(entry.split("-")[1]) % PARTITIONS);

    await second.consumer.disconnect();
    await until(() => latest(first).length === PARTITIONS, "the first member to own every partition again");
    await produce(80, 8);
    await until(() => values(first, second).length >= 88, "the last records");
    await first.consumer.disconnect();
    expect(values(first, second)).toEqual(expected(88));
  }, 120_000);
});
