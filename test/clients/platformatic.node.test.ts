// @platformatic/kafka 1.35.0 (which speaks only the flexible versions of
// Kafka's APIs) against `loglab serve`: an idempotent producer with acks=all
// writes keyed records; its message stream reads them back as a group member
// (Fetch v13+, topics named by the ids Metadata hands out); a consumer commits
// offsets as its member and reads them back.

import { Consumer, MessagesStreamModes, Producer, ProduceAcks, stringDeserializers, stringSerializers } from "@platformatic/kafka";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run, startServe } from "./harness.ts";

const PARTITIONS = 3;
const COUNT = 30;
const TOPIC = "platformatic-keyed";
const GROUP = "platformatic-group";
const TIMEOUT_MS = 60_000;

let server: Awaited<ReturnType<typeof startServe>>;

beforeAll(async () => {
  server = await startServe({ "num.partitions": String(PARTITIONS) });
});

afterAll(async () => {
  await server?.close();
});

type Row = { key: string; value: string; partition: number; offset: number };
const byPosition = (a: Row, b: Row) => a.partition - b.partition || a.offset - b.offset;
const produced: Row[] = [];

function consumer() {
  return new Consumer({
    clientId: "loglab-test", groupId: GROUP, bootstrapBrokers: [server.bootstrap], deserializers: stringDeserializers,
    sessionTimeout: 10_000, heartbeatInterval: 500, maxWaitTime: 200, retries: 2,
  });
}

describe("@platformatic/kafka against loglab serve", () => {
  it("produces keyed records idempotently with acks=all; kcat reads the same records back", async () => {
    const producer = new Producer({
      clientId: "loglab-test", bootstrapBrokers: [server.bootstrap], serializers: stringSerializers,
      idempotent: true, acks: ProduceAcks.ALL, retries: 2, autocreateTopics: true,
    });
    try {
      for (let i = 0; i < COUNT; i++) {
        const key = `key-${i % 10}`;
        const { offsets } = await producer.send({ messages: [{ topic: TOPIC, key, value: `value-${i}` }] });
        expect(offsets).toHaveLength(1);
        produced.push({ key, value: `value-${i}`, partition: offsets![0]!.partition, offset: Number(offsets![0]!.offset) });
      }
    } finally {
      await producer.close();
    }
    // One key, one partition; each partition's offsets run 0, 1, 2 … in send order.
    for (const key of new Set(produced.map((row) => row.key))) {
      expect(new Set(produced.filter((row) => row.key === key).map((row) => row.partition)).size).toBe(1);
    }
    expect(new Set(produced.map((row) => row.partition)).size).toBeGreaterThan(1);
    for (let p = 0; p < PARTITIONS; p++) {
      const offsets = produced.filter((row) => row.partition === p).map((row) => row.offset);
      expect(offsets).toEqual(offsets.map((_, i) => i));
    }
    const out = await run("kcat", ["-b", server.bootstrap, "-C", "-t", TOPIC, "-e", "-o", "beginning", "-f", "%k %s %p %o\n"]);
    const read = out.trim().split("\n").map((line) => line.split(" ")).map(([key, value, p, o]) => ({ key: key!, value: value!, partition: Number(p), offset: Number(o) }));
    expect(read.sort(byPosition)).toEqual([...produced].sort(byPosition));
  }, TIMEOUT_MS);

  it("lists each partition's end offset, and its message stream reads every record back as a group member", async () => {
    const client = consumer();
    try {
      const ends = await client.listOffsets({ topics: [TOPIC] });
      const expected = Array.from({ length: PARTITIONS }, (_, p) => BigInt(produced.filter((row) => row.partition === p).length));
      expect(ends.get(TOPIC)).toEqual(expected);
      // Its stream fetches with the newest Fetch both sides speak, naming topics by the ids Metadata gave.
      const stream = await client.consume({ topics: [TOPIC], mode: MessagesStreamModes.EARLIEST, autocommit: false });
      const rows: Row[] = [];
      for await (const message of stream) {
        rows.push({ key: message.key, value: message.value, partition: message.partition, offset: Number(message.offset) });
        if (rows.length === COUNT) break;
      }
      await stream.close();
      expect(rows.sort(byPosition)).toEqual([...produced].sort(byPosition));
    } finally {
      await client.close(true);
    }
  }, TIMEOUT_MS);

  it("joins a group, commits offsets as its member, and reads them back; a later client sees them too", async () => {
    const member = consumer();
    const offsets = Array.from({ length: PARTITIONS }, (_, partition) => ({
      topic: TOPIC, partition, offset: BigInt(produced.filter((row) => row.partition === partition).length), leaderEpoch: -1,
    }));
    try {
      const memberId = await member.joinGroup({});
      expect(memberId).not.toBe("");
      await member.commit({ offsets });
      const committed = await member.listCommittedOffsets({ topics: [{ topic: TOPIC, partitions: [0, 1, 2] }] });
      expect(committed.get(TOPIC)).toEqual(offsets.map((o) => o.offset));
      await member.leaveGroup();
    } finally {
      await member.close(true);
    }
    const later = consumer();
    try {
      const committed = await later.listCommittedOffsets({ topics: [{ topic: TOPIC, partitions: [0, 1, 2] }] });
      expect(committed.get(TOPIC)).toEqual(offsets.map((o) => o.offset));
    } finally {
      await later.close(true);
    }
  }, TIMEOUT_MS);
});
