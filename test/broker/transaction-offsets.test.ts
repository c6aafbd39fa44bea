// Consumer offsets in a transaction as Kafka's wire protocol sends them: AddOffsetsToTxn adds the group, then
// TxnOffsetCommit hands over the offsets, which become the group's only when EndTxn commits (an abort, or a restart
// that finds the transaction open, drops them). Deleting a topic forgets its files, its producers' state and the
// offsets committed for it.

import { describe, expect, it } from "vitest";
import {
  Broker, ConcurrentTransactionsError, encodeBatch, InvalidTopicError, InvalidTxnStateError, ManualScheduler,
  MemoryStorage, SeededRandom, UnknownMemberIdError, UnknownTopicOrPartitionError,
} from "../../src/index.ts";

const scheduler = new ManualScheduler(1_700_000_000_000);
const offsets = (offset: number) => ({ groupId: "g", offsets: [{ topic: "in", partition: 0, offset }] });

async function setup(storage = new MemoryStorage()) {
  const broker = await Broker.open({ storage, scheduler, random: new SeededRandom(4) });
  if (!broker.logs.hasTopic("in")) await broker.logs.createTopic("in", 1);
  const { producerId, producerEpoch } = await broker.initProducerId("tx");
  return { broker, txn: { transactionalId: "tx", producerId, producerEpoch } };
}

const committed = async (broker: Broker) => (await broker.offsetFetch("g", [{ topic: "in", partition: 0 }])).partitions[0]!.offset;

describe("offsets in a transaction, sent in two requests", () => {
  it("are held by the transaction and committed by EndTxn's commit", async () => {
    const { broker, txn } = await setup();
    await broker.addOffsetsGroupToTxn({ ...txn, groupId: "g" });
    await broker.txnOffsetCommit({ ...txn, offsets: offsets(3) });
    await broker.txnOffsetCommit({ ...txn, offsets: offsets(4) });
    expect(await committed(broker)).toBe(-1);
    expect((await broker.offsetFetch("g", [{ topic: "in", partition: 0 }], true)).partitions[0]!.error?.code).toBe("UNSTABLE_OFFSET_COMMIT");
    await broker.endTxn({ ...txn, commit: true });
    expect(await committed(broker)).toBe(4);
    expect((await broker.offsetFetch("g", [{ topic: "in", partition: 0 }], true)).partitions[0]!.error).toBeNull();
  });

  it("are dropped by an abort", async () => {
    const { broker, txn } = await setup();
    await broker.addOffsetsGroupToTxn({ ...txn, groupId: "g" });
    await broker.txnOffsetCommit({ ...txn, offsets: offsets(3) });
    await broker.endTxn({ ...txn, commit: false });
    expect(await committed(broker)).toBe(-1);
  });

  it("are dropped when a restart finds the transaction still open", async () => {
    const storage = new MemoryStorage();
    const { broker, txn } = await setup(storage);
    await broker.addOffsetsGroupToTxn({ ...txn, groupId: "g" });
    await broker.txnOffsetCommit({ ...txn, offsets: offsets(3) });
    await broker.close();
    const reopened = await Broker.open({ storage, scheduler, random: new SeededRandom(4) });
    expect(await committed(reopened)).toBe(-1);
    await reopened.close();
  });

  it("are refused for a group AddOffsetsToTxn did not add, and from a member the group does not have", async () => {
    const { broker, txn } = await setup();
    await expect(broker.txnOffsetCommit({ ...txn, offsets: offsets(1) })).rejects.toBeInstanceOf(InvalidTxnStateError);
    await broker.addOffsetsGroupToTxn({ ...txn, groupId: "g" });
    await expect(broker.txnOffsetCommit({ ...txn, generationId: 5, memberId: "gone", offsets: offsets(1) })).rejects.toBeInstanceOf(UnknownMemberIdError);
  });

  it("the one-call form the in-process client uses still commits with the transaction", async () => {
    const { broker, txn } = await setup();
    await broker.addOffsetsToTxn({ ...txn, offsets: offsets(7) });
    expect(await committed(broker)).toBe(-1);
    await broker.endTxn({ ...txn, commit: true });
    expect(await committed(broker)).toBe(7);
  });

  it("ConcurrentTransactionsError is Kafka's retriable CONCURRENT_TRANSACTIONS", () => {
    expect(new ConcurrentTransactionsError("tx", "PrepareCommit").code).toBe("CONCURRENT_TRANSACTIONS");
  });
});

describe("deleting a topic", () => {
  it("removes its files and its producers' state, so a new topic of that name starts afresh", async () => {
    const storage = new MemoryStorage();
    const { broker } = await setup(storage);
    await broker.logs.createTopic("gone", 2);
    const batch = (baseSequence: number) => encodeBatch({ baseTimestamp: 1, producerId: 42, producerEpoch: 0, baseSequence, records: [{ value: "x" }] });
    await broker.produce({ acks: -1, partitions: [{ topic: "gone", partition: 1, records: batch(0) }] });
    await broker.produce({ acks: -1, partitions: [{ topic: "gone", partition: 1, records: batch(1) }] });
    await broker.offsetCommit({ groupId: "g", offsets: [{ topic: "gone", partition: 1, offset: 2 }, { topic: "in", partition: 0, offset: 1 }] });
    await broker.deleteTopic("gone");
    // The group's offsets for it go too (the others stay), also after a restart.
    expect((await broker.offsetFetch("g")).partitions.map((p) => [p.topic, p.offset])).toEqual([["in", 1]]);
    expect(broker.logs.hasTopic("gone")).toBe(false);
    expect(await storage.list("gone-")).toEqual([]);
    await expect(broker.deleteTopic("gone")).rejects.toBeInstanceOf(UnknownTopicOrPartitionError);
    await expect(broker.deleteTopic("__consumer_offsets")).rejects.toBeInstanceOf(InvalidTopicError);
    await broker.logs.createTopic("gone", 2);
    // Sequence 0 again from the same producer: a stale state would call it a duplicate of the first batch.
    const [answer] = (await broker.produce({ acks: -1, partitions: [{ topic: "gone", partition: 1, records: batch(0) }] })).partitions;
    expect([answer!.error, answer!.baseOffset]).toEqual([null, 0]);
    expect(broker.logs.log("gone", 1).highWatermark).toBe(1);
    await broker.close();
    const reopened = await Broker.open({ storage, scheduler, random: new SeededRandom(4) });
    expect((await reopened.offsetFetch("g")).partitions.map((p) => [p.topic, p.offset])).toEqual([["in", 1]]);
    await reopened.close();
  });
});
