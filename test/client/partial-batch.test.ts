// A Fetch answer that ends in part of a batch, as Kafka sends one when its log slice of the bytes asked for cuts a
// batch: the consumer reads the whole batches before it and gets the cut one whole from the next fetch. A partial
// batch alone, or a broken length field, is still corruption.

import { describe, expect, it } from "vitest";
import {
  Broker, Consumer, CorruptRecordError, decodeBatches, encodeBatch, InProcessTransport, ManualScheduler, MemoryStorage, SeededRandom,
  wholeBatchesOf,
} from "../../src/index.ts";
import { mapTransport } from "../../src/client/map-transport.ts";

const batchOf = (values: string[], baseOffset = 0) =>
  encodeBatch({ baseOffset, records: values.map((value, i) => ({ key: null, value: new TextEncoder().encode(value), timestamp: 1 + i })) });

const joined = (...parts: Uint8Array[]): Uint8Array => {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    all.set(part, at);
    at += part.length;
  }
  return all;
};

describe("wholeBatchesOf", () => {
  it("drops a partial batch at the end, wherever the cut falls, and keeps whole answers as they are", () => {
    const first = batchOf(["a", "b"]);
    const second = batchOf(["c"], 2);
    const both = joined(first, second);
    expect(wholeBatchesOf(both)).toBe(both);
    for (const cut of [1, 11, 12, 30, second.length - 1]) {
      expect(wholeBatchesOf(both.subarray(0, first.length + cut))).toEqual(first);
    }
  });

  it("leaves a lone partial batch and a broken length field to decodeBatches, which reports them", () => {
    const only = batchOf(["a"]);
    const cut = only.subarray(0, only.length - 3);
    expect(wholeBatchesOf(cut)).toBe(cut);
    expect(() => decodeBatches(cut)).toThrow(CorruptRecordError);
    const broken = joined(only, batchOf(["b"], 1));
    new DataView(broken.buffer).setInt32(only.length + 8, 5); // a batchLength no batch has
    expect(wholeBatchesOf(broken)).toBe(broken);
    expect(() => decodeBatches(broken)).toThrow(CorruptRecordError);
  });
});

describe("a consumer fed answers that end in part of a batch", () => {
  it.each([
    ["inside the cut batch's header", (_length: number) => 20],
    ["inside its records", (length: number) => length - 5],
  ])("reads every record once, the cut batch from the next fetch (cut %s)", async (_where, cut) => {
    const scheduler = new ManualScheduler(1_700_000_000_000);
    const random = new SeededRandom(3);
    const broker = await Broker.open({ storage: new MemoryStorage(), scheduler, random });
    await broker.logs.createTopic("t", 1);
    const values = Array.from({ length: 6 }, (_, i) => `record-${i}`);
    for (let i = 0; i < values.length; i += 2) {
      await broker.produce({ acks: 1, partitions: [{ topic: "t", partition: 0, records: batchOf(values.slice(i, i + 2)) }] });
    }
    // Like Kafka: each answer carries the batch at the fetch offset, then the next one cut short.
    let cuts = 0;
    const cutting = mapTransport(new InProcessTransport(broker), (name, call) => (...args) => call(...args).then(async (answer) => {
      if (name !== "fetch") return answer;
      const fetched = answer as Awaited<ReturnType<InProcessTransport["fetch"]>>;
      return {
        partitions: await Promise.all(fetched.partitions.map(async (p) => {
          const [batch] = decodeBatches(p.records);
          if (batch === undefined) return p;
          const after = await broker.fetch({ partitions: [{ topic: p.topic, partition: p.partition, fetchOffset: batch.lastOffset + 1 }] });
          const [next] = decodeBatches(after.partitions[0]!.records);
          if (next === undefined) return p;
          cuts++;
          return { ...p, records: joined(batch.bytes, next.bytes.subarray(0, cut(next.bytes.length))) };
        })),
      };
    }));
    const consumer = new Consumer(cutting, { scheduler, random }, { "auto.offset.reset": "earliest" });
    consumer.assign([{ topic: "t", partition: 0 }]);
    const read: string[] = [];
    for (let polls = 0; polls < 10 && read.length < values.length; polls++) {
      for (const record of await scheduler.runUntilSettled(consumer.poll(0))) read.push(new TextDecoder().decode(record.value!));
    }
    expect(read).toEqual(values);
    expect(cuts).toBeGreaterThan(0);
    await scheduler.runUntilSettled(consumer.close());
    await broker.close();
  });
});
