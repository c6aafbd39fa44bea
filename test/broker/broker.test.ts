// The broker's handlers on the memory storage: produce with and without
// idempotence (the two generals: a retry after a lost acknowledgement), fetch,
// list offsets, committed offsets, and what survives a restart.

import { describe, expect, it } from "vitest";
import {
  Broker, decodeBatches, encodeBatch, InvalidProducerEpochError, InvalidRequiredAcksError, ManualScheduler, MemoryStorage,
  OffsetMetadataTooLargeError, OffsetOutOfRangeError, OutOfOrderSequenceError, SeededRandom, UnknownTopicOrPartitionError,
} from "../../src/index.ts";
import type { Acks } from "../../src/index.ts";

const clock = new ManualScheduler(1_700_000_000_000);
const open = (storage = new MemoryStorage(), config: Record<string, string> = {}) =>
  Broker.open({ storage, scheduler: clock, random: new SeededRandom(3), config });
const batchOf = (values: string[], producer?: { producerId: number; producerEpoch: number; baseSequence: number }) =>
  encodeBatch({ baseTimestamp: clock.nowMs(), records: values.map((value) => ({ value })), ...producer });
const produce = (broker: Broker, topic: string, records: Uint8Array, acks: Acks = -1, partition = 0) =>
  broker.produce({ acks, partitions: [{ topic, partition, records }] }).then((r) => r.partitions[0]!);

async function values(broker: Broker, topic: string, partition = 0): Promise<string[]> {
  const { partitions } = await broker.fetch({ partitions: [{ topic, partition, fetchOffset: 0 }] });
  return decodeBatches(partitions[0]!.records).flatMap((b) => b.records.map((r) => new TextDecoder().decode(r.value!)));
}

describe("produce", () => {
  it("appends, auto-creating the topic with num.partitions, and answers with the base offset", async () => {
    const broker = await open(new MemoryStorage(), { "num.partitions": "3" });
    expect(await produce(broker, "test", batchOf(["a", "b"]))).toMatchObject({ error: null, baseOffset: 0, logStartOffset: 0, logAppendTime: -1 });
    expect(await produce(broker, "test", batchOf(["c"]), 1)).toMatchObject({ baseOffset: 2 });
    expect(broker.logs.describeTopic("test").partitions).toBe(3);
    expect(await values(broker, "test")).toEqual(["a", "b", "c"]);
  });

  it("answers per partition: an unknown partition, a bad acks value, a topic that may not be created", async () => {
    const broker = await open(new MemoryStorage(), { "auto.create.topics.enable": "false" });
    await broker.logs.createTopic("test", 1);
    const response = await broker.produce({
      acks: 1,
      partitions: [
        { topic: "test", partition: 0, records: batchOf(["ok"]) },
        { topic: "test", partition: 5, records: batchOf(["no such partition"]) },
        { topic: "nope", partition: 0, records: batchOf(["no such topic"]) },
      ],
    });
    expect(response.partitions.map((p) => p.error?.code ?? null)).toEqual([null, "UNKNOWN_TOPIC_OR_PARTITION", "UNKNOWN_TOPIC_OR_PARTITION"]);
    const badAcks = await broker.produce({ acks: 2 as Acks, partitions: [{ topic: "test", partition: 0, records: batchOf(["x"]) }] });
    expect(badAcks.partitions[0]!.error).toBeInstanceOf(InvalidRequiredAcksError);
    expect(await values(broker, "test")).toEqual(["ok"]);
  });

  it("the two generals without idempotence: retrying after a lost acknowledgement writes the record twice", async () => {
    const broker = await open();
    const request = batchOf(["pay 10 EUR"]);
    await produce(broker, "payments", request); // appended; pretend the acknowledgement was lost
    await produce(broker, "payments", request); // the producer retries
    expect(await values(broker, "payments")).toEqual(["pay 10 EUR", "pay 10 EUR"]);
  });

  it("the two generals with idempotence: the retry is answered with the original offset and nothing is written twice", async () => {
    const broker = await open();
    const { producerId, producerEpoch } = await broker.initProducerId();
    await produce(broker, "payments", batchOf(["first"], { producerId, producerEpoch, baseSequence: 0 }));
    const request = batchOf(["pay 10 EUR"], { producerId, producerEpoch, baseSequence: 1 });
    const original = await produce(broker, "payments", request);
    const retry = await produce(broker, "payments", request);
    expect(retry).toEqual(original);
    expect(retry.baseOffset).toBe(1);
    expect(await values(broker, "payments")).toEqual(["first", "pay 10 EUR"]);
  });

  it("refuses a sequence gap and a fenced epoch, writing nothing", async () => {
    const broker = await open();
    const { producerId } = await broker.initProducerId();
    await produce(broker, "t", batchOf(["a"], { producerId, producerEpoch: 1, baseSequence: 0 }));
    const gap = await produce(broker, "t", batchOf(["c"], { producerId, producerEpoch: 1, baseSequence: 2 }));
    expect(gap.error).toBeInstanceOf(OutOfOrderSequenceError);
    const fenced = await produce(broker, "t", batchOf(["zombie"], { producerId, producerEpoch: 0, baseSequence: 1 }));
    expect(fenced.error).toBeInstanceOf(InvalidProducerEpochError);
    expect(await values(broker, "t")).toEqual(["a"]);
  });

  it("hands out distinct producer ids to concurrent callers", async () => {
    const broker = await open();
    const ids = await Promise.all(Array.from({ length: 5 }, () => broker.initProducerId()));
    expect(new Set(ids.map((r) => r.producerId)).size).toBe(5);
  });

  it("hands out distinct producer ids, also after a restart", async () => {
    const storage = new MemoryStorage();
    const broker = await open(storage);
    const first = [await broker.initProducerId(), await broker.initProducerId()].map((r) => r.producerId);
    await broker.close();
    const again = await open(storage);
    const second = (await again.initProducerId()).producerId;
    expect(new Set([...first, second]).size).toBe(3);
  });

  it("remembers producer sequences across a crash: a retry of a flushed batch is still a duplicate", async () => {
    const storage = new MemoryStorage();
    const broker = await open(storage);
    const { producerId, producerEpoch } = await broker.initProducerId();
    const request = batchOf(["once"], { producerId, producerEpoch, baseSequence: 0 });
    await produce(broker, "t", request);
    await broker.logs.flush();
    storage.crash();
    const restarted = await open(storage);
    expect((await produce(restarted, "t", request)).baseOffset).toBe(0);
    expect(await values(restarted, "t")).toEqual(["once"]);
    expect((await produce(restarted, "t", batchOf(["next"], { producerId, producerEpoch, baseSequence: 1 }))).baseOffset).toBe(1);
  });
});

describe("fetch and list offsets", () => {
  it("fetches from an offset and reports out-of-range offsets and unknown partitions per partition", async () => {
    const broker = await open();
    await produce(broker, "t", batchOf(["a", "b", "c"]));
    const { partitions } = await broker.fetch({
      partitions: [
        { topic: "t", partition: 0, fetchOffset: 3 },
        { topic: "t", partition: 0, fetchOffset: 4 },
        { topic: "missing", partition: 0, fetchOffset: 0 },
      ],
    });
    expect(partitions[0]).toMatchObject({ error: null, highWatermark: 3, lastStableOffset: 3, logStartOffset: 0 });
    expect(partitions[0]!.records.length).toBe(0);
    expect(partitions[1]!.error).toBeInstanceOf(OffsetOutOfRangeError);
    expect(partitions[1]!.highWatermark).toBe(3);
    expect(partitions[2]!.error).toBeInstanceOf(UnknownTopicOrPartitionError);
  });

  it("lists the earliest and latest offsets and the first offset at a timestamp", async () => {
    const broker = await open();
    await broker.logs.createTopic("t", 1);
    for (let i = 0; i < 5; i++) {
      await produce(broker, "t", encodeBatch({ baseTimestamp: 1000 + i * 100, records: [{ value: `v${i}` }] }));
    }
    const { partitions } = await broker.listOffsets({
      partitions: [
        { topic: "t", partition: 0, timestamp: "earliest" },
        { topic: "t", partition: 0, timestamp: "latest" },
        { topic: "t", partition: 0, timestamp: 1250 },
        { topic: "t", partition: 0, timestamp: 9999 },
      ],
    });
    expect(partitions.map((p) => [p.offset, p.timestamp])).toEqual([[0, -1], [5, -1], [3, 1300], [-1, -1]]);
  });
});

describe("committed offsets", () => {
  it("are stored per group in __consumer_offsets and survive a restart", async () => {
    const storage = new MemoryStorage();
    const broker = await open(storage);
    await broker.logs.createTopic("test", 2);
    const commit = await broker.offsetCommit({
      groupId: "myConsumerGroup",
      offsets: [{ topic: "test", partition: 0, offset: 42, metadata: "hello" }, { topic: "test", partition: 1, offset: 7 }],
    });
    expect(commit.partitions.map((p) => p.error)).toEqual([null, null]);
    await broker.offsetCommit({ groupId: "myConsumerGroup", offsets: [{ topic: "test", partition: 0, offset: 43 }] });
    await broker.close();

    const again = await open(storage);
    const fetched = await again.offsetFetch("myConsumerGroup", [{ topic: "test", partition: 0 }, { topic: "test", partition: 1 }]);
    expect(fetched.partitions.map((p) => [p.partition, p.offset, p.metadata])).toEqual([[0, 43, ""], [1, 7, ""]]);
    expect((await again.offsetFetch("otherGroup", [{ topic: "test", partition: 0 }])).partitions[0]!.offset).toBe(-1);
    expect(again.logs.describeTopic("__consumer_offsets").config.cleanupPolicy).toBe("compact");
  });

  it("refuse metadata over offset.metadata.max.bytes, negative offsets and unknown partitions", async () => {
    const broker = await open();
    await broker.logs.createTopic("test", 1);
    const { partitions } = await broker.offsetCommit({
      groupId: "g",
      offsets: [
        { topic: "test", partition: 0, offset: 1, metadata: "x".repeat(5000) },
        { topic: "test", partition: 0, offset: -3 },
        { topic: "test", partition: 9, offset: 1 },
      ],
    });
    expect(partitions[0]!.error).toBeInstanceOf(OffsetMetadataTooLargeError);
    expect(partitions[1]!.error?.code).toBe("INVALID_COMMIT_OFFSET_SIZE");
    expect(partitions[2]!.error).toBeInstanceOf(UnknownTopicOrPartitionError);
    expect((await broker.offsetFetch("g")).partitions).toEqual([]);
  });
});

describe("commits from a consumer group", () => {
  it("are accepted from the current generation and refused from an old one or a stranger", async () => {
    const broker = await open(new MemoryStorage(), { "group.initial.rebalance.delay.ms": "0" });
    await broker.logs.createTopic("test", 1);
    const joining = broker.joinGroup({
      groupId: "g", memberId: "", sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000,
      protocols: [{ name: "range", metadata: new Uint8Array(0) }],
    });
    await clock.advance(0);
    const { memberId, generationId } = await joining;
    const commit = (generation: number, member: string) =>
      broker.offsetCommit({ groupId: "g", generationId: generation, memberId: member, offsets: [{ topic: "test", partition: 0, offset: 1 }] });
    // Until the leader has synced the assignment, commits wait for the rebalance.
    expect((await commit(generationId, memberId)).partitions[0]!.error?.code).toBe("REBALANCE_IN_PROGRESS");
    await broker.syncGroup({ groupId: "g", generationId, memberId, assignments: [{ memberId, assignment: new Uint8Array(0) }] });
    expect((await commit(generationId, memberId)).partitions[0]!.error).toBeNull();
    expect((await commit(generationId - 1, memberId)).partitions[0]!.error?.code).toBe("ILLEGAL_GENERATION");
    expect((await commit(-1, "")).partitions[0]!.error?.code).toBe("UNKNOWN_MEMBER_ID");
    expect((await broker.offsetFetch("g")).partitions.map((p) => p.offset)).toEqual([1]);
  });
});
