// Transactions end to end: what read_committed and read_uncommitted consumers
// see after a commit and an abort, fencing of an older producer with the same
// transactional.id, offsets that commit with the transaction, a broker
// that crashes with a transaction open, and a handle used after its end.

import { describe, expect, it } from "vitest";
import {
  Broker, Consumer, IllegalStateError, InProcessTransport, InvalidProducerEpochError, ManualScheduler, MemoryStorage, Producer, SeededRandom,
  type Transaction, TransactionEndedError,
} from "../../src/index.ts";

async function setup(storage = new MemoryStorage()) {
  const scheduler = new ManualScheduler(1_700_000_000_000);
  const random = new SeededRandom(6);
  const broker = await Broker.open({ storage, scheduler, random });
  if (!broker.logs.hasTopic("out")) await broker.logs.createTopic("out", 2);
  const transport = new InProcessTransport(broker);
  const run = <T>(promise: Promise<T>) => scheduler.runUntilSettled(promise, 120_000);
  const producer = (transactionalId: string) => new Producer(transport, { scheduler, random }, { "transactional.id": transactionalId });
  const read = async (isolation: "read_committed" | "read_uncommitted") => {
    const consumer = new Consumer(transport, { scheduler, random }, { "auto.offset.reset": "earliest", "isolation.level": isolation });
    consumer.assign([{ topic: "out", partition: 0 }, { topic: "out", partition: 1 }]);
    const values: string[] = [];
    for (let i = 0; i < 3; i++) values.push(...(await run(consumer.poll(0))).map((r) => new TextDecoder().decode(r.value!)));
    return values.sort();
  };
  return { scheduler, broker, transport, run, producer, read, storage };
}

const messages = (...values: string[]) => values.map((value, i) => ({ value, partition: i % 2 }));

describe("transactions", () => {
  it("are invisible to read_committed consumers until committed, and then all at once", async () => {
    const { run, producer, read } = await setup();
    const p = producer("tx-1");
    const transaction = await run(p.transaction());
    await run(transaction.send({ topic: "out", messages: messages("a", "b", "c") }));
    expect(await read("read_committed")).toEqual([]);
    expect(await read("read_uncommitted")).toEqual(["a", "b", "c"]);
    await run(transaction.commit());
    expect(await read("read_committed")).toEqual(["a", "b", "c"]);
  });

  it("commit() waits for sends not yet awaited, even those still learning their topic's partitions", async () => {
    const { run, producer, read } = await setup();
    const p = producer("tx-1");
    const transaction = await run(p.transaction());
    // The first send to a topic waits for its metadata; commit() is called before that comes back.
    const sent = transaction.send({ topic: "out", messages: messages("early", "bird") });
    await run(transaction.commit());
    expect((await run(sent)).map((m) => m.offset)).toEqual([0, 0]);
    expect(await read("read_committed")).toEqual(["bird", "early"]);
  });

  it("once aborted, are never seen by read_committed consumers", async () => {
    const { run, producer, read } = await setup();
    const p = producer("tx-1");
    const aborted = await run(p.transaction());
    await run(aborted.send({ topic: "out", messages: messages("x", "y") }));
    await run(aborted.abort());
    const committed = await run(p.transaction());
    await run(committed.send({ topic: "out", messages: messages("z") }));
    await run(committed.commit());
    expect(await read("read_committed")).toEqual(["z"]);
    expect(await read("read_uncommitted")).toEqual(["x", "y", "z"]);
  });

  it("fence the older producer when a new one takes the transactional.id, aborting what it left open", async () => {
    const { run, producer, read } = await setup();
    const zombie = producer("tx-1");
    const open = await run(zombie.transaction());
    await run(open.send({ topic: "out", messages: messages("zombie") }));
    const successor = producer("tx-1");
    const transaction = await run(successor.transaction());
    await expect(run(open.commit())).rejects.toBeInstanceOf(InvalidProducerEpochError);
    await expect(run(zombie.transaction())).rejects.toBeInstanceOf(InvalidProducerEpochError);
    await run(transaction.send({ topic: "out", messages: messages("successor") }));
    await run(transaction.commit());
    expect(await read("read_committed")).toEqual(["successor"]);
  });

  it("commit consumer offsets with the transaction, and drop them with an abort", async () => {
    const { run, producer, broker } = await setup();
    const p = producer("tx-1");
    const committed = async () => (await broker.offsetFetch("g", [{ topic: "out", partition: 0 }])).partitions[0]!.offset;
    const aborted = await run(p.transaction());
    await run(aborted.sendOffsets({ consumerGroupId: "g", offsets: [{ topic: "out", partition: 0, offset: 5 }] }));
    await run(aborted.abort());
    expect(await committed()).toBe(-1);
    const transaction = await run(p.transaction());
    await run(transaction.sendOffsets({ consumerGroupId: "g", offsets: [{ topic: "out", partition: 0, offset: 7 }] }));
    expect(await committed()).toBe(-1);
    await run(transaction.commit());
    expect(await committed()).toBe(7);
  });

  it("left open by a broker crash, are aborted when the broker comes back", async () => {
    const { run, producer, broker, storage } = await setup();
    const p = producer("tx-1");
    const transaction = await run(p.transaction());
    await run(transaction.send({ topic: "out", messages: messages("in flight") }));
    await broker.logs.flush();
    storage.crash();
    const restarted = await setup(storage);
    expect(await restarted.read("read_committed")).toEqual([]);
    expect(await restarted.read("read_uncommitted")).toEqual(["in flight"]);
    const { partitions } = await restarted.broker.fetch({ isolationLevel: "read_committed", partitions: [{ topic: "out", partition: 0, fetchOffset: 0 }] });
    expect(partitions[0]!.lastStableOffset).toBe(partitions[0]!.highWatermark);
  });
});

/** Each call a handle offers, as the application would make it. */
function handleCalls(transaction: Transaction): Record<"send" | "sendOffsets" | "commit" | "abort", () => Promise<unknown>> {
  return {
    send: () => transaction.send({ topic: "out", messages: messages("late") }),
    sendOffsets: () => transaction.sendOffsets({ consumerGroupId: "g", offsets: [{ topic: "out", partition: 0, offset: 9 }] }),
    commit: () => transaction.commit(),
    abort: () => transaction.abort(),
  };
}

describe("a transaction handle after its commit() or abort()", () => {
  for (const [ended, done] of [["commit", "committed"], ["abort", "aborted"]] as const) {
    it(`refuses every call once ${done}, with TransactionEndedError, and starts or ends nothing`, async () => {
      const { run, producer, read, broker } = await setup();
      const p = producer("tx-1");
      const transaction = await run(p.transaction());
      await run(transaction.send({ topic: "out", messages: messages("a") }));
      await run(ended === "commit" ? transaction.commit() : transaction.abort());
      for (const [call, make] of Object.entries(handleCalls(transaction))) {
        const error = await run(make()).then(() => null, (e: unknown) => e);
        expect(error, call).toBeInstanceOf(TransactionEndedError);
        expect(error, call).toBeInstanceOf(IllegalStateError);
        expect(error, call).toMatchObject({ call, endedBy: ended, code: "ILLEGAL_STATE" });
        expect((error as Error).message).toBe(`cannot ${call}(): this transaction's ${ended}() was already called; open another with producer.transaction()`);
      }
      // Nothing was written, no offsets stored, and the producer is free to open the next transaction.
      expect(await read("read_uncommitted")).toEqual(["a"]);
      expect((await broker.offsetFetch("g", [{ topic: "out", partition: 0 }])).partitions[0]!.offset).toBe(-1);
      const next = await run(p.transaction());
      await run(next.send({ topic: "out", messages: messages("b") }));
      await run(next.commit());
      expect(await read("read_committed")).toEqual(ended === "commit" ? ["a", "b"] : ["b"]);
    });
  }

  it("an old handle cannot send into, commit or abort the transaction opened after it", async () => {
    const { run, producer, read } = await setup();
    const p = producer("tx-1");
    const first = await run(p.transaction());
    await run(first.send({ topic: "out", messages: messages("first") }));
    await run(first.commit());
    const second = await run(p.transaction());
    await run(second.send({ topic: "out", messages: messages("second") }));
    await expect(run(first.send({ topic: "out", messages: messages("stray") }))).rejects.toBeInstanceOf(TransactionEndedError);
    await expect(run(first.abort())).rejects.toBeInstanceOf(TransactionEndedError);
    await expect(run(first.commit())).rejects.toBeInstanceOf(TransactionEndedError);
    // The second transaction is still open: none of that ended it.
    expect(await read("read_committed")).toEqual(["first"]);
    await run(second.commit());
    expect(await read("read_committed")).toEqual(["first", "second"]);
  });

  it("refuses a second end and a send while its first commit() is still under way", async () => {
    const { run, producer, read } = await setup();
    const p = producer("tx-1");
    const transaction = await run(p.transaction());
    const sent = transaction.send({ topic: "out", messages: messages("a", "b") });
    const committing = transaction.commit();
    let committed = false;
    void committing.then(() => { committed = true; });
    await expect(transaction.abort()).rejects.toMatchObject({ call: "abort", endedBy: "commit" });
    await expect(transaction.commit()).rejects.toMatchObject({ call: "commit", endedBy: "commit" });
    await expect(transaction.send({ topic: "out", messages: messages("c") })).rejects.toBeInstanceOf(TransactionEndedError);
    expect(committed).toBe(false);
    await run(committing);
    await run(sent);
    expect(await read("read_committed")).toEqual(["a", "b"]);
    expect(await read("read_uncommitted")).toEqual(["a", "b"]);
  });
});
