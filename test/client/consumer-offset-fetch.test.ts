// The consumer's start position when the group coordinator answers a partition's committed offset with an error.
// Kafka's consumer never takes such an answer for "nothing committed": UNSTABLE_OFFSET_COMMIT (a transaction holds
// newer offsets for the group) and other retriable errors are asked again after a backoff, and the partition waits
// unfetched meanwhile; any other error fails poll(). Resetting by auto.offset.reset instead would silently skip or
// replay records.

import { describe, expect, it } from "vitest";
import {
  Broker, Consumer, encodeBatch, InProcessTransport, LoglabError, ManualScheduler, mapTransport, MemoryStorage, type OffsetFetchResponse,
  resolveConsumerConfig, SeededRandom, UnknownTopicOrPartitionError,
} from "../../src/index.ts";
import { errorCodeOf, errorFromCode } from "../../src/wire/index.ts";

const tp = { topic: "t", partition: 0 };

/** A broker with records 0..9 in t-0 and group g's committed offset at 5, and a transport whose OffsetFetch `answer` may rewrite. */
async function setup(answer: (fetched: OffsetFetchResponse, call: number) => OffsetFetchResponse) {
  const scheduler = new ManualScheduler();
  const random = new SeededRandom(4);
  const broker = await Broker.open({ storage: new MemoryStorage(), scheduler, random });
  await broker.logs.createTopic("t", 2);
  await broker.produce({ acks: -1, partitions: [{ ...tp, records: encodeBatch({ baseTimestamp: 0, records: Array.from({ length: 10 }, (_, i) => ({ value: `r${i}` })) }) }] });
  await broker.offsetCommit({ groupId: "g", offsets: [{ ...tp, offset: 5 }, { topic: "t", partition: 1, offset: 0 }] });
  const calls: { request: string; atMs: number }[] = [];
  let offsetFetches = 0;
  const transport = mapTransport(new InProcessTransport(broker), (name, call) => async (...args) => {
    calls.push({ request: name, atMs: scheduler.nowMs() });
    const answered = await call(...args);
    return name === "offsetFetch" ? answer(answered as OffsetFetchResponse, offsetFetches++) : answered;
  });
  const consumer = new Consumer(transport, { scheduler, random }, { "group.id": "g", "enable.auto.commit": false, "auto.offset.reset": "earliest" });
  return { broker, scheduler, consumer, calls, run: <T>(promise: Promise<T>) => scheduler.runUntilSettled(promise, 60_000) };
}

/** The answer KafkaTransport gives for a partition whose offsets a transaction holds, once its own retries ran out. */
const unstable = () => errorFromCode(errorCodeOf("UNSTABLE_OFFSET_COMMIT"), "group g offset of t-0")!;
const withError = (fetched: OffsetFetchResponse, error: LoglabError, partition = 0): OffsetFetchResponse => ({
  partitions: fetched.partitions.map((p) => (p.partition === partition ? { ...p, error, offset: -1 } : p)),
});

describe("committed offsets the coordinator answers with an error", () => {
  it("asks again after UNSTABLE_OFFSET_COMMIT with a doubling backoff, then starts at the committed offset, never resetting", async () => {
    const { consumer, calls, run } = await setup((fetched, call) => (call < 3 ? withError(fetched, unstable()) : fetched));
    consumer.assign([tp]);
    // A poll that must not wait: nothing yet, and no position guessed.
    expect(await run(consumer.poll(0))).toEqual([]);
    expect(consumer.position(tp)).toBeUndefined();
    const records = await run(consumer.poll(5_000));
    expect(records.map((r) => r.offset)).toEqual([5, 6, 7, 8, 9]);
    // retry.backoff.ms 100, doubled per attempt (100, 200, 400): asked at 0, 100, 300 and 700 ms.
    expect(calls.filter((c) => c.request === "offsetFetch").map((c) => c.atMs)).toEqual([0, 100, 300, 700]);
    expect(calls.some((c) => c.request === "listOffsets")).toBe(false);
  });

  it("keeps fetching the partitions whose offsets are known while another waits for a stable one", async () => {
    const { consumer, calls, run } = await setup((fetched, call) => (call < 2 ? withError(fetched, unstable(), 1) : fetched));
    consumer.assign([tp, { topic: "t", partition: 1 }]);
    const first = await run(consumer.poll(0));
    expect(first.map((r) => `${r.partition}:${r.offset}`)).toEqual(["0:5", "0:6", "0:7", "0:8", "0:9"]);
    expect(consumer.position({ topic: "t", partition: 1 })).toBeUndefined();
    // Asked again only for the waiting partition, once its backoff has passed.
    await run(consumer.poll(1_000));
    expect(consumer.position({ topic: "t", partition: 1 })).toBe(0);
    expect(calls.filter((c) => c.request === "offsetFetch").map((c) => c.atMs)).toEqual([0, 100, 300]);
  });

  it("takes a partition the coordinator does not know (UNKNOWN_TOPIC_OR_PARTITION) for one with nothing committed: auto.offset.reset decides", async () => {
    const { consumer, calls, run } = await setup((fetched) => withError(fetched, new UnknownTopicOrPartitionError("t", 0)));
    consumer.assign([tp]);
    expect((await run(consumer.poll(0))).map((r) => r.offset)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(calls.filter((c) => c.request === "listOffsets")).toHaveLength(1);
    expect(await run(consumer.committed([tp]))).toEqual([{ ...tp, offset: -1 }]);
  });

  it("fails poll() with a partition's non-retriable error before any position moves, and committed() throws it too", async () => {
    const denied = new LoglabError("GROUP_AUTHORIZATION_FAILED", "group g is not authorized");
    const { consumer, calls, run } = await setup((fetched) => withError(fetched, denied, 1));
    consumer.assign([tp, { topic: "t", partition: 1 }]);
    await expect(run(consumer.poll(1_000))).rejects.toBe(denied);
    expect(consumer.position(tp)).toBeUndefined();
    expect(calls.some((c) => c.request === "listOffsets" || c.request === "fetch")).toBe(false);
    await expect(consumer.committed([tp, { topic: "t", partition: 1 }])).rejects.toBe(denied);
  });
});

describe("a consumer in process, while a transaction holds its group's offsets", () => {
  it("waits for the transaction to end and starts at the offsets it committed, not at the older ones", async () => {
    const { broker, scheduler, consumer, calls, run } = await setup((fetched) => fetched);
    const { producerId, producerEpoch } = await broker.initProducerId("tx");
    const txn = { transactionalId: "tx", producerId, producerEpoch };
    await broker.addOffsetsGroupToTxn({ ...txn, groupId: "g" });
    await broker.txnOffsetCommit({ ...txn, offsets: { groupId: "g", offsets: [{ ...tp, offset: 8 }] } });
    consumer.assign([tp]);
    // Offset 5 is committed, 8 pending: starting at 5 would process 5..7 again once the transaction commits.
    expect(await run(consumer.poll(500))).toEqual([]);
    expect(consumer.position(tp)).toBeUndefined();
    await broker.endTxn({ ...txn, commit: true });
    const records = await run(consumer.poll(5_000));
    expect(records.map((r) => r.offset)).toEqual([8, 9]);
    expect(calls.filter((c) => c.request === "offsetFetch").length).toBeGreaterThan(2);
    expect(scheduler.nowMs()).toBeGreaterThan(500);
  });
});

describe("retry.backoff.ms and retry.backoff.max.ms", () => {
  it("default to Java's 100 and 1000 ms, and refuse a maximum below the start", () => {
    expect(resolveConsumerConfig({})).toMatchObject({ retryBackoffMs: 100, retryBackoffMaxMs: 1_000 });
    expect(resolveConsumerConfig({ "retry.backoff.ms": 2_000 })).toMatchObject({ retryBackoffMs: 2_000, retryBackoffMaxMs: 2_000 });
    expect(() => resolveConsumerConfig({ "retry.backoff.ms": 500, "retry.backoff.max.ms": 200 })).toThrow(/retry\.backoff\.max\.ms.*at least retry\.backoff\.ms=500, got 200/);
  });
});
