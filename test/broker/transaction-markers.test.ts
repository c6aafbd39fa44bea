// Transactions as a partition sees them: open transactions hold the last
// stable offset back, COMMIT and ABORT markers end them, read_committed
// consumers see committed records only, and all of it survives a restart.

import { describe, expect, it } from "vitest";
import { Broker, Consumer, encodeBatch, InProcessTransport, ManualScheduler, MemoryStorage, SeededRandom } from "../../src/index.ts";

const scheduler = new ManualScheduler(1_700_000_000_000);
const tp = { topic: "out", partition: 0 };

async function setup(storage = new MemoryStorage()) {
  const broker = await Broker.open({ storage, scheduler, random: new SeededRandom(4) });
  if (!broker.logs.hasTopic("out")) await broker.logs.createTopic("out", 1);
  return broker;
}

const transactional = (producerId: number, baseSequence: number, ...values: string[]) =>
  encodeBatch({ baseTimestamp: 1, producerId, producerEpoch: 0, baseSequence, isTransactional: true, records: values.map((value) => ({ value })) });

async function read(broker: Broker, isolation: "read_committed" | "read_uncommitted"): Promise<string[]> {
  const consumer = new Consumer(new InProcessTransport(broker), { scheduler, random: new SeededRandom(1) }, {
    "auto.offset.reset": "earliest", "isolation.level": isolation,
  });
  consumer.assign([tp]);
  const values: string[] = [];
  for (let i = 0; i < 3; i++) values.push(...(await scheduler.runUntilSettled(consumer.poll(0))).map((r) => new TextDecoder().decode(r.value!)));
  return values;
}

describe("transaction markers", () => {
  it("an open transaction holds read_committed readers at its first offset; the COMMIT marker releases them", async () => {
    const broker = await setup();
    await broker.produce({ acks: -1, partitions: [{ ...tp, records: encodeBatch({ baseTimestamp: 1, records: [{ value: "plain" }] }) }] });
    await broker.produce({ acks: -1, partitions: [{ ...tp, records: transactional(7, 0, "t1", "t2") }] });
    const fetch = async () => (await broker.fetch({ isolationLevel: "read_committed", partitions: [{ ...tp, fetchOffset: 0 }] })).partitions[0]!;
    expect(await fetch()).toMatchObject({ highWatermark: 3, lastStableOffset: 1 });
    expect(await read(broker, "read_committed")).toEqual(["plain"]);
    expect(await read(broker, "read_uncommitted")).toEqual(["plain", "t1", "t2"]);
    await broker.writeTransactionMarker(tp, 7, 0, true);
    expect(await fetch()).toMatchObject({ highWatermark: 4, lastStableOffset: 4 });
    expect(await read(broker, "read_committed")).toEqual(["plain", "t1", "t2"]);
  });

  it("records of an aborted transaction are skipped under read_committed, interleaved with committed ones", async () => {
    const broker = await setup();
    await broker.produce({ acks: -1, partitions: [{ ...tp, records: transactional(7, 0, "aborted-1") }] });
    await broker.produce({ acks: -1, partitions: [{ ...tp, records: transactional(8, 0, "committed-1") }] });
    await broker.produce({ acks: -1, partitions: [{ ...tp, records: transactional(7, 1, "aborted-2") }] });
    await broker.writeTransactionMarker(tp, 7, 0, false);
    await broker.writeTransactionMarker(tp, 8, 0, true);
    const { partitions } = await broker.fetch({ isolationLevel: "read_committed", partitions: [{ ...tp, fetchOffset: 0 }] });
    expect(partitions[0]!.abortedTransactions).toEqual([{ producerId: 7, firstOffset: 0, lastOffset: 3 }]);
    expect(await read(broker, "read_committed")).toEqual(["committed-1"]);
    expect(await read(broker, "read_uncommitted")).toEqual(["aborted-1", "committed-1", "aborted-2"]);
  });

  it("rebuilds open transactions and aborted ranges from the log after a restart", async () => {
    const storage = new MemoryStorage();
    const broker = await setup(storage);
    await broker.produce({ acks: -1, partitions: [{ ...tp, records: transactional(7, 0, "aborted") }] });
    await broker.writeTransactionMarker(tp, 7, 0, false);
    await broker.produce({ acks: -1, partitions: [{ ...tp, records: transactional(9, 0, "still open") }] });
    await broker.close();
    const restarted = await setup(storage);
    const { partitions } = await restarted.fetch({ isolationLevel: "read_committed", partitions: [{ ...tp, fetchOffset: 0 }] });
    expect(partitions[0]).toMatchObject({ highWatermark: 3, lastStableOffset: 2 });
    expect(partitions[0]!.abortedTransactions).toEqual([{ producerId: 7, firstOffset: 0, lastOffset: 1 }]);
    expect(await read(restarted, "read_committed")).toEqual([]);
  });
});
