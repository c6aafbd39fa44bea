// The producer against a broker in the same process, on virtual time:
// partitioning, batching by linger.ms and batch.size, acks, retries, and the
// two generals — with and without idempotence — when a request or its answer
// is lost.

import { describe, expect, it } from "vitest";
import {
  Broker, decodeBatches, InvalidConfigError, ManualScheduler, MemoryStorage, murmur2Partition, RecordTooLargeError,
  SeededRandom,
} from "../../src/index.ts";
import { DeliveryTimeoutError } from "../../src/client/errors.ts";
import { Producer } from "../../src/client/producer.ts";
import type { ProducerConfig } from "../../src/client/producer-config.ts";
import { LossyTransport } from "../support/lossy-transport.ts";

async function setup(config: ProducerConfig = {}, partitions = 4) {
  const scheduler = new ManualScheduler(1_700_000_000_000);
  const random = new SeededRandom(11);
  const broker = await Broker.open({ storage: new MemoryStorage(), scheduler, random, config: { "num.partitions": String(partitions) } });
  const transport = new LossyTransport(broker);
  const producer = new Producer(transport, { scheduler, random }, { "request.timeout.ms": 1000, "delivery.timeout.ms": 10_000, ...config });
  const run = <T>(promise: Promise<T>) => scheduler.runUntilSettled(promise);
  /** The log of a partition: its batches' record counts and the values. */
  const log = async (topic: string, partition: number) => {
    const { partitions: [fetched] } = await broker.fetch({ partitions: [{ topic, partition, fetchOffset: 0 }] });
    const batches = decodeBatches(fetched!.records);
    return { batchSizes: batches.map((b) => b.records.length), values: batches.flatMap((b) => b.records.map((r) => new TextDecoder().decode(r.value!))) };
  };
  return { scheduler, broker, transport, producer, run, log };
}

describe("partitioning", () => {
  it("sends keyed records where Java's murmur2 puts them, and an explicit partition where it says", async () => {
    const { producer, run } = await setup();
    const sent = await run(producer.send({
      topic: "test",
      messages: [
        { key: "user-1", value: "Yay consistent hashing" },
        { key: "user-2", value: "Yay consistent hashing" },
        { value: "This will always be sent to partition 1", partition: 1 },
      ],
    }));
    expect(sent[0]!.partition).toBe(murmur2Partition(new TextEncoder().encode("user-1"), 4));
    expect(sent[1]!.partition).toBe(murmur2Partition(new TextEncoder().encode("user-2"), 4));
    expect(sent[2]).toMatchObject({ topic: "test", partition: 1 });
  });

  it("keeps unkeyed records on one partition per batch (the sticky partitioner)", async () => {
    const { producer, run } = await setup();
    const sent = await run(producer.send({ topic: "test", messages: Array.from({ length: 10 }, (_, i) => ({ value: `unassigned ${i}` })) }));
    expect(new Set(sent.map((m) => m.partition)).size).toBe(1);
    expect(sent.map((m) => m.offset)).toEqual(Array.from({ length: 10 }, (_, i) => i));
  });
});

describe("batching", () => {
  it("gathers records sent within linger.ms into one batch", async () => {
    const { producer, run, scheduler, log } = await setup({ "linger.ms": 20 });
    const first = producer.send({ topic: "t", messages: [{ value: "a", partition: 0 }] });
    await scheduler.advance(10);
    const second = producer.send({ topic: "t", messages: [{ value: "b", partition: 0 }] });
    await run(Promise.all([first, second]));
    expect(await log("t", 0)).toEqual({ batchSizes: [2], values: ["a", "b"] });
  });

  it("closes a batch early when it reaches batch.size", async () => {
    const { producer, run, log } = await setup({ "batch.size": 100, "linger.ms": 1000 });
    await run(producer.send({ topic: "t", messages: Array.from({ length: 6 }, (_, i) => ({ value: "x".repeat(30) + i, partition: 0 })) }));
    expect((await log("t", 0)).batchSizes).toEqual([3, 3]);
  });
});

describe("acks and failures", () => {
  it("acks=0 does not wait for the broker and cannot know the offset", async () => {
    const { producer, run, log } = await setup({ acks: 0 });
    const [sent] = await run(producer.send({ topic: "t", messages: [{ value: "fire and forget", partition: 0 }] }));
    expect(sent!.offset).toBe(-1);
    expect((await log("t", 0)).values).toEqual(["fire and forget"]);
  });

  it("fails at once on an error retrying cannot fix", async () => {
    const { producer, run, broker } = await setup();
    await broker.logs.createTopic("small", 1, { "max.message.bytes": "200" });
    await expect(run(producer.send({ topic: "small", messages: [{ value: "x".repeat(1000) }] }))).rejects.toBeInstanceOf(RecordTooLargeError);
  });

  it("gives up after delivery.timeout.ms when no answer ever comes", async () => {
    const { producer, run, transport, scheduler } = await setup();
    transport.plan.push(...Array(100).fill("lose-request"));
    const start = scheduler.nowMs();
    await expect(run(producer.send({ topic: "t", messages: [{ value: "lost", partition: 0 }] }))).rejects.toBeInstanceOf(DeliveryTimeoutError);
    expect(scheduler.nowMs() - start).toBeLessThanOrEqual(10_000);
  });

  it("refuses idempotence with acks below all, as Kafka does", async () => {
    await expect(setup({ acks: 1, "enable.idempotence": true })).rejects.toBeInstanceOf(InvalidConfigError);
    const { producer } = await setup({ acks: 1 });
    expect(producer.config.idempotent).toBe(false);
  });
});

describe("the two generals", () => {
  for (const idempotent of [false, true]) {
    it(`a lost answer and a retry ${idempotent ? "leave one copy with idempotence" : "write the record twice without idempotence"}`, async () => {
      const { producer, run, transport, log } = await setup({ "enable.idempotence": idempotent });
      transport.plan.push("lose-answer");
      const [sent] = await run(producer.send({ topic: "payments", messages: [{ value: "pay 10 EUR", partition: 0 }] }));
      expect(transport.produced).toBe(2); // the broker got both the request and its retry
      expect((await log("payments", 0)).values).toEqual(idempotent ? ["pay 10 EUR"] : ["pay 10 EUR", "pay 10 EUR"]);
      expect(sent!.offset).toBe(idempotent ? 0 : 1);
    });
  }

  it("a lost request is retried and written once either way", async () => {
    const { producer, run, transport, log } = await setup({ "enable.idempotence": false });
    transport.plan.push("lose-request");
    await run(producer.send({ topic: "t", messages: [{ value: "once", partition: 0 }] }));
    expect((await log("t", 0)).values).toEqual(["once"]);
  });
});

describe("after a batch that never arrived (KIP-360)", () => {
  it("an idempotent producer takes a new producer id and restarts its sequences, instead of failing every later batch", async () => {
    const { producer, run, transport, log, broker } = await setup({ "enable.idempotence": true });
    await run(producer.send({ topic: "t", messages: [{ value: "first", partition: 0 }] }));
    transport.plan.push(...Array(100).fill("lose-request"));
    await expect(run(producer.send({ topic: "t", messages: [{ value: "expired", partition: 0 }] }))).rejects.toBeInstanceOf(DeliveryTimeoutError);
    transport.plan.length = 0;
    // Without the reset, "after" carries sequence 2 where the broker expects 1: OUT_OF_ORDER_SEQUENCE_NUMBER, forever.
    const [after] = await run(producer.send({ topic: "t", messages: [{ value: "after", partition: 0 }] }));
    const [again] = await run(producer.send({ topic: "t", messages: [{ value: "again", partition: 0 }] }));
    expect([after!.offset, again!.offset]).toEqual([1, 2]);
    expect((await log("t", 0)).values).toEqual(["first", "after", "again"]);
    const { partitions: [fetched] } = await broker.fetch({ partitions: [{ topic: "t", partition: 0, fetchOffset: 0 }] });
    const ids = decodeBatches(fetched!.records).map((b) => [b.producerId, b.baseSequence]);
    expect(ids[1]![0]).not.toBe(ids[0]![0]);
    expect(ids.slice(1).map(([, sequence]) => sequence)).toEqual([0, 1]);
  });

  it("a transactional producer aborts the transaction with the lost batch and commits the next one under a bumped epoch", async () => {
    const { producer, run, transport, log, broker } = await setup({ "transactional.id": "tx" });
    const first = await run(producer.transaction());
    transport.plan.push(...Array(100).fill("lose-request"));
    const lost = run(first.send({ topic: "t", messages: [{ value: "never", partition: 0 }] })).catch((e: unknown) => e);
    await expect(run(first.commit())).rejects.toBeInstanceOf(DeliveryTimeoutError);
    expect(await lost).toBeInstanceOf(DeliveryTimeoutError);
    transport.plan.length = 0;
    const second = await run(producer.transaction());
    await run(second.send({ topic: "t", messages: [{ value: "committed", partition: 0 }] }));
    await run(second.commit());
    const committed = async () => {
      const { partitions: [fetched] } = await broker.fetch({ isolationLevel: "read_committed", partitions: [{ topic: "t", partition: 0, fetchOffset: 0 }] });
      return decodeBatches(fetched!.records).filter((b) => !b.isControl).map((b) => [b.producerEpoch, new TextDecoder().decode(b.records[0]!.value!)]);
    };
    expect(await committed()).toEqual([[1, "committed"]]);
    expect((await log("t", 0)).values).toContain("committed");
  });
});
