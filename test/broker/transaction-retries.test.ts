// EndTxn retried, as a client retries it when the answer was lost: the
// coordinator answers the retry as it answered the first and writes no second
// marker, and never answers a commit of a transaction it aborted as done.

import { describe, expect, it } from "vitest";
import { Broker, encodeBatch, InvalidTxnStateError, ManualScheduler, MemoryStorage, SeededRandom } from "../../src/index.ts";

const scheduler = new ManualScheduler(1_700_000_000_000);
const tp = { topic: "out", partition: 0 };

async function open(storage = new MemoryStorage()) {
  const broker = await Broker.open({ storage, scheduler, random: new SeededRandom(4) });
  if (!broker.logs.hasTopic("out")) await broker.logs.createTopic("out", 1);
  return broker;
}

/** A transaction of one record on `tp`, left open. */
async function begin(broker: Broker, value: string) {
  const { producerId, producerEpoch } = await broker.initProducerId("tx");
  const txn = { transactionalId: "tx", producerId, producerEpoch };
  await broker.addPartitionsToTxn({ ...txn, partitions: [tp] });
  const records = encodeBatch({ baseTimestamp: 1, producerId, producerEpoch, baseSequence: 0, isTransactional: true, records: [{ value }] });
  await broker.produce({ acks: -1, partitions: [{ ...tp, records }] });
  return txn;
}

/** How many control batches (markers) the partition holds. */
async function markers(broker: Broker): Promise<number> {
  let count = 0;
  for await (const { header } of broker.logs.log("out", 0).batches()) if (header.isControl) count++;
  return count;
}

describe("EndTxn retried after it was carried out", () => {
  for (const commit of [true, false]) {
    it(`is answered as the first ${commit ? "commit" : "abort"} was, with no second marker`, async () => {
      const broker = await open();
      const txn = await begin(broker, "v");
      await broker.endTxn({ ...txn, commit });
      await expect(broker.endTxn({ ...txn, commit })).resolves.toBeUndefined();
      expect(await markers(broker)).toBe(1);
    });
  }

  it("a commit of a transaction the coordinator aborted (a restart found it open) is refused with INVALID_TXN_STATE", async () => {
    const storage = new MemoryStorage();
    const first = await open(storage);
    const txn = await begin(first, "v");
    await first.close();
    const broker = await open(storage);
    expect(await markers(broker)).toBe(1);
    const refused = await broker.endTxn({ ...txn, commit: true }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(InvalidTxnStateError);
    expect(refused).toMatchObject({ code: "INVALID_TXN_STATE" });
    // Aborting it is what happened already: answered as done.
    await expect(broker.endTxn({ ...txn, commit: false })).resolves.toBeUndefined();
  });
});
