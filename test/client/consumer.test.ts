// The consumer against a broker in the same process, on virtual time: reading
// at its own offsets, groups sharing partitions, the offset store and
// auto-commit the talk's PHP consumer relies on, resets and seeks.

import { describe, expect, it } from "vitest";
import { Broker, encodeBatch, ManualScheduler, MemoryStorage, SeededRandom } from "../../src/index.ts";
import { Consumer, type ConsumerRecord } from "../../src/client/consumer.ts";
import { NoOffsetForPartitionError } from "../../src/client/errors.ts";
import type { ConsumerConfig } from "../../src/client/consumer-config.ts";
import { InProcessTransport } from "../../src/client/transport.ts";

async function setup(partitions = 1) {
  const scheduler = new ManualScheduler(1_700_000_000_000);
  const random = new SeededRandom(5);
  const broker = await Broker.open({ storage: new MemoryStorage(), scheduler, random, config: { "group.initial.rebalance.delay.ms": "0" } });
  await broker.logs.createTopic("test", partitions);
  const transport = new InProcessTransport(broker);
  const consumer = (config: ConsumerConfig = {}) =>
    new Consumer(transport, { scheduler, random }, { "auto.offset.reset": "earliest", "session.timeout.ms": 10_000, ...config });
  const produce = async (partition: number, ...values: string[]) => {
    await broker.produce({ acks: -1, partitions: [{ topic: "test", partition, records: encodeBatch({ baseTimestamp: scheduler.nowMs(), records: values.map((value) => ({ value })) }) }] });
  };
  const run = <T>(promise: Promise<T>) => scheduler.runUntilSettled(promise, 60_000);
  return { scheduler, broker, consumer, produce, run };
}

const values = (records: readonly ConsumerRecord[]) => records.map((r) => new TextDecoder().decode(r.value!));

describe("reading at its own offset", () => {
  it("consumerA and consumerB read the same partition independently", async () => {
    const { consumer, produce, run } = await setup();
    await produce(0, "1", "2", "3", "4", "5");
    const a = consumer();
    const b = consumer();
    a.assign([{ topic: "test", partition: 0 }]);
    b.assign([{ topic: "test", partition: 0 }]);
    expect(values(await run(a.poll(100)))).toEqual(["1", "2", "3", "4", "5"]);
    b.seek({ topic: "test", partition: 0 }, 3);
    expect(values(await run(b.poll(100)))).toEqual(["4", "5"]);
    expect(a.position({ topic: "test", partition: 0 })).toBe(5);
  });

  it("starts at the log end with auto.offset.reset=latest, and refuses to guess with none", async () => {
    const { consumer, produce, run } = await setup();
    await produce(0, "old");
    const latest = consumer({ "auto.offset.reset": "latest" });
    latest.assign([{ topic: "test", partition: 0 }]);
    expect(await run(latest.poll(0))).toEqual([]);
    await produce(0, "new");
    expect(values(await run(latest.poll(100)))).toEqual(["new"]);
    const none = consumer({ "group.id": "g", "auto.offset.reset": "none" });
    none.assign([{ topic: "test", partition: 0 }]);
    await expect(run(none.poll(0))).rejects.toBeInstanceOf(NoOffsetForPartitionError);
  });
});

describe("the offset store and commits", () => {
  it("auto-commits what it handed out every auto.commit.interval.ms, and the group resumes there (RD_KAFKA_OFFSET_STORED)", async () => {
    const { consumer, produce, run, scheduler } = await setup();
    await produce(0, "a", "b", "c");
    const first = consumer({ "group.id": "myConsumerGroup", "auto.commit.interval.ms": 100 });
    first.assign([{ topic: "test", partition: 0 }]);
    expect(values(await run(first.poll(100)))).toEqual(["a", "b", "c"]);
    expect(await first.committed([{ topic: "test", partition: 0 }])).toEqual([{ topic: "test", partition: 0, offset: -1 }]);
    await scheduler.advance(100);
    expect(await first.committed([{ topic: "test", partition: 0 }])).toEqual([{ topic: "test", partition: 0, offset: 3 }]);
    await produce(0, "d");
    const next = consumer({ "group.id": "myConsumerGroup" });
    next.assign([{ topic: "test", partition: 0 }]);
    expect(values(await run(next.poll(100)))).toEqual(["d"]);
  });

  it("with enable.auto.offset.store=false commits only what the application stored, as offset + 1", async () => {
    const { consumer, produce, run, scheduler } = await setup();
    await produce(0, "a", "b", "c");
    const c = consumer({ "group.id": "g", "auto.commit.interval.ms": 100, "enable.auto.offset.store": false });
    c.assign([{ topic: "test", partition: 0 }]);
    const records = await run(c.poll(100));
    c.storeOffsets([records[0]!]);
    await scheduler.advance(100);
    expect((await c.committed([{ topic: "test", partition: 0 }]))[0]!.offset).toBe(1);
    await c.commit([{ topic: "test", partition: 0, offset: 3 }]);
    expect((await c.committed([{ topic: "test", partition: 0 }]))[0]!.offset).toBe(3);
  });
});

describe("consumer groups", () => {
  it("share a topic's partitions without overlap, and everything is read once", async () => {
    const { consumer, produce, run } = await setup(4);
    for (let p = 0; p < 4; p++) await produce(p, `p${p}-a`, `p${p}-b`);
    const a = consumer({ "group.id": "g", "client.id": "consumerA" });
    const b = consumer({ "group.id": "g", "client.id": "consumerB" });
    a.subscribe(["test"]);
    b.subscribe(["test"]);
    const [fromA, fromB] = await run(Promise.all([a.poll(1000), b.poll(1000)]));
    expect(a.assignment()).toHaveLength(2);
    expect(b.assignment()).toHaveLength(2);
    const owned = [...a.assignment(), ...b.assignment()].map((tp) => tp.partition).sort();
    expect(owned).toEqual([0, 1, 2, 3]);
    expect([...values(fromA!), ...values(fromB!)].sort()).toEqual(
      ["p0-a", "p0-b", "p1-a", "p1-b", "p2-a", "p2-b", "p3-a", "p3-b"],
    );
  });

  it("hands a leaving member's partitions to the others, who resume from its commits", async () => {
    const { consumer, produce, run } = await setup(2);
    await produce(0, "x0");
    await produce(1, "y0");
    const a = consumer({ "group.id": "g", "client.id": "consumerA" });
    const b = consumer({ "group.id": "g", "client.id": "consumerB" });
    a.subscribe(["test"]);
    b.subscribe(["test"]);
    await run(Promise.all([a.poll(1000), b.poll(1000)]));
    await run(a.close()); // commits what it read, then leaves
    await produce(0, "x1");
    await produce(1, "y1");
    const seen: string[] = [];
    for (let i = 0; i < 5 && seen.length < 2; i++) seen.push(...values(await run(b.poll(1000))));
    expect(b.assignment().map((tp) => tp.partition).sort()).toEqual([0, 1]);
    expect(seen.sort()).toEqual(["x1", "y1"]);
  });

  it("refuses a member's commit for a partition it was not assigned, naming it", async () => {
    const { consumer, produce, run } = await setup(2);
    await produce(0, "x");
    const a = consumer({ "group.id": "g", "client.id": "consumerA" });
    const b = consumer({ "group.id": "g", "client.id": "consumerB" });
    a.subscribe(["test"]);
    b.subscribe(["test"]);
    await run(Promise.all([a.poll(1000), b.poll(1000)]));
    const [own] = a.assignment();
    const [other] = b.assignment();
    await expect(a.commit([{ ...own!, offset: 1 }])).resolves.toBeUndefined();
    await expect(a.commit([{ ...other!, offset: 1 }])).rejects.toMatchObject({
      code: "PARTITION_NOT_ASSIGNED",
      message: expect.stringContaining(`does not own test-${other!.partition}`),
    });
  });

  it("a member that stops polling through a rebalance is removed, its commit refused, and it rejoins at its next poll", async () => {
    const { consumer, produce, run } = await setup(2);
    await produce(0, "x");
    const a = consumer({ "group.id": "g", "client.id": "consumerA", "enable.auto.commit": false });
    a.subscribe(["test"]);
    await run(a.poll(1000));
    expect(a.assignment()).toHaveLength(2);
    const b = consumer({ "group.id": "g", "client.id": "consumerB" });
    b.subscribe(["test"]);
    // b's join starts a rebalance; a never polls, so after session.timeout.ms it is gone.
    await run(b.poll(1000));
    expect(b.assignment()).toHaveLength(2);
    await expect(a.commit([{ topic: "test", partition: 0, offset: 1 }])).rejects.toMatchObject({ code: "UNKNOWN_MEMBER_ID" });
    // Both keep polling, as consumers do: the heartbeats tell b to rejoin, and they split the partitions.
    const pollFor = async (consumer: Consumer, rounds: number) => { for (let i = 0; i < rounds; i++) await consumer.poll(1000); };
    await run(Promise.all([pollFor(a, 15), pollFor(b, 15)]));
    expect([a.assignment().length, b.assignment().length]).toEqual([1, 1]);
  });
});
