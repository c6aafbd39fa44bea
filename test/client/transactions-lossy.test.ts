// A transactional producer whose requests or answers go missing, one request
// type at a time: each call retries within request.timeout.ms and its bound
// (max.block.ms, or the batch's delivery.timeout.ms) and then fails typed; a
// lost EndTxn answer is answered again by the coordinator; a transaction whose
// outcome the producer could not learn is finished by the next InitProducerId;
// and a batch that lands after its transaction aborted is fenced.

import { describe, expect, it } from "vitest";
import {
  Broker, type BrokerRequest, Consumer, DeliveryTimeoutError, InProcessTransport, InvalidProducerEpochError, ManualScheduler, mapTransport, MemoryStorage, Producer,
  type ProduceResponse, RequestTimedOutError, SeededRandom, TransactionEndedError,
} from "../../src/index.ts";

const REQUEST_TIMEOUT_MS = 1_000;
const DELIVERY_TIMEOUT_MS = 5_000;
const MAX_BLOCK_MS = 4_000;

/** What happens to a request: its request never arrives, its answer never comes back, or it arrives only when released. */
type Fault = "lose request" | "lose answer" | "hold";

async function setup() {
  const scheduler = new ManualScheduler(1_700_000_000_000);
  const random = new SeededRandom(3);
  const broker = await Broker.open({ storage: new MemoryStorage(), scheduler, random });
  await broker.logs.createTopic("out", 1);
  /** The faults each request type meets, one per request in turn; `always` for every one of that type. */
  const faults = new Map<BrokerRequest, Fault[]>();
  const always = new Map<BrokerRequest, Fault>();
  const calls = new Map<BrokerRequest, number>();
  const held: (() => Promise<unknown>)[] = [];
  const never = () => new Promise<never>(() => {});
  const link = mapTransport(broker, (name, call) => async (...args) => {
    calls.set(name, (calls.get(name) ?? 0) + 1);
    const fault = faults.get(name)?.shift() ?? always.get(name);
    if (fault === "lose request") return never();
    if (fault === "hold") {
      held.push(() => call(...args).catch((error: unknown) => error));
      return never();
    }
    const answer = await call(...args);
    return fault === "lose answer" ? never() : answer;
  });
  const run = <T>(promise: Promise<T>) => scheduler.runUntilSettled(promise, 600_000);
  /** Runs `promise` to its end; returns its outcome and how long it took in virtual ms. */
  const timed = async <T>(promise: Promise<T>) => {
    const startMs = scheduler.nowMs();
    const outcome = await run(promise).then((value) => ({ value, error: null }), (error: unknown) => ({ value: null, error }));
    return { ...outcome, ms: scheduler.nowMs() - startMs };
  };
  const producer = () => new Producer(link, { scheduler, random }, {
    "transactional.id": "tx", "linger.ms": 0, "retry.backoff.ms": 100,
    "request.timeout.ms": REQUEST_TIMEOUT_MS, "delivery.timeout.ms": DELIVERY_TIMEOUT_MS, "max.block.ms": MAX_BLOCK_MS,
  });
  const readCommitted = async () => {
    const consumer = new Consumer(new InProcessTransport(broker), { scheduler, random }, { "auto.offset.reset": "earliest", "isolation.level": "read_committed" });
    consumer.assign([{ topic: "out", partition: 0 }]);
    const values: string[] = [];
    for (let i = 0; i < 3; i++) values.push(...(await run(consumer.poll(0))).map((r) => new TextDecoder().decode(r.value!)));
    return values;
  };
  const send = (value: string) => ({ topic: "out", messages: [{ value }] });
  return { broker, faults, always, calls, held, run, timed, producer, readCommitted, send };
}

describe("a transactional producer over a link that loses requests or answers", () => {
  it("commit() whose EndTxn answer is lost asks again, and the coordinator answers the retry as it did the first", async () => {
    const { faults, calls, run, producer, readCommitted, send } = await setup();
    const p = producer();
    const txn = await run(p.transaction());
    await run(txn.send(send("a")));
    faults.set("endTxn", ["lose answer"]);
    const commit = await run(txn.commit().then(() => "committed"));
    expect(commit).toBe("committed");
    expect(calls.get("endTxn")).toBe(2);
    expect(await readCommitted()).toEqual(["a"]);
  });

  it("commit() that never hears from the coordinator fails with RequestTimedOutError after max.block.ms; the next transaction() re-initialises, which aborts it", async () => {
    const { always, calls, run, timed, producer, readCommitted, send } = await setup();
    const p = producer();
    const txn = await run(p.transaction());
    await run(txn.send(send("lost")));
    always.set("endTxn", "lose request");
    const commit = await timed(txn.commit());
    expect(commit.error).toBeInstanceOf(RequestTimedOutError);
    expect(commit.ms).toBeLessThanOrEqual(MAX_BLOCK_MS);
    always.delete("endTxn");
    expect(await readCommitted()).toEqual([]);
    const next = await run(p.transaction());
    expect(calls.get("initProducerId")).toBe(2);
    await run(next.send(send("kept")));
    await run(next.commit());
    expect(await readCommitted()).toEqual(["kept"]);
  });

  it("commit() whose answers are all lost fails with RequestTimedOutError, yet what the coordinator committed stays committed", async () => {
    const { always, run, timed, producer, readCommitted, send } = await setup();
    const p = producer();
    const txn = await run(p.transaction());
    await run(txn.send(send("maybe")));
    always.set("endTxn", "lose answer");
    expect((await timed(txn.commit())).error).toBeInstanceOf(RequestTimedOutError);
    always.delete("endTxn");
    const next = await run(p.transaction());
    await run(next.send(send("then")));
    await run(next.commit());
    expect(await readCommitted()).toEqual(["maybe", "then"]);
  });

  it("a send whose AddPartitionsToTxn goes unanswered expires after delivery.timeout.ms; commit() then aborts and reports it", async () => {
    const { always, run, timed, producer, readCommitted, send } = await setup();
    const p = producer();
    const txn = await run(p.transaction());
    always.set("addPartitionsToTxn", "lose answer");
    const sent = await timed(txn.send(send("expired")));
    expect(sent.error).toBeInstanceOf(DeliveryTimeoutError);
    expect(sent.ms).toBeLessThanOrEqual(DELIVERY_TIMEOUT_MS);
    always.delete("addPartitionsToTxn");
    expect((await timed(txn.commit())).error).toBe(sent.error);
    // The catch-and-abort pattern (kafkajs's): the commit already aborted, so abort() resolves; a send is still refused.
    await run(txn.abort());
    await expect(run(txn.send(send("late")))).rejects.toBeInstanceOf(TransactionEndedError);
    const next = await run(p.transaction());
    await run(next.send(send("kept")));
    await run(next.commit());
    expect(await readCommitted()).toEqual(["kept"]);
  });

  it("transaction() asks InitProducerId again when it is lost, and fails with RequestTimedOutError after max.block.ms when it never arrives", async () => {
    const { faults, always, calls, run, timed, producer } = await setup();
    faults.set("initProducerId", ["lose request", "lose answer"]);
    await run(producer().transaction());
    expect(calls.get("initProducerId")).toBe(3);
    always.set("initProducerId", "lose request");
    const p = producer();
    const begun = await timed(p.transaction());
    expect(begun.error).toBeInstanceOf(RequestTimedOutError);
    expect(begun.ms).toBeLessThanOrEqual(MAX_BLOCK_MS);
    always.delete("initProducerId");
    await expect(run(p.transaction())).resolves.toBeDefined();
  });

  it("sendOffsets() that goes unanswered fails with RequestTimedOutError, and the transaction can then only abort", async () => {
    const { broker, always, run, timed, producer, readCommitted, send } = await setup();
    const p = producer();
    const txn = await run(p.transaction());
    await run(txn.send(send("out")));
    always.set("addOffsetsToTxn", "lose request");
    const offsets = await timed(txn.sendOffsets({ consumerGroupId: "g", offsets: [{ topic: "out", partition: 0, offset: 5 }] }));
    expect(offsets.error).toBeInstanceOf(RequestTimedOutError);
    expect(offsets.ms).toBeLessThanOrEqual(MAX_BLOCK_MS);
    expect((await timed(txn.commit())).error).toBe(offsets.error);
    expect(await readCommitted()).toEqual([]);
    expect((await broker.offsetFetch("g", [{ topic: "out", partition: 0 }])).partitions[0]!.offset).toBe(-1);
  });

  it("a batch that lands after its transaction aborted is fenced, not read as part of the next transaction", async () => {
    const { faults, held, run, timed, producer, readCommitted, send } = await setup();
    const p = producer();
    const txn = await run(p.transaction());
    // Every attempt of the batch is held on the way, and given up: the batch expires.
    faults.set("produce", Array(10).fill("hold"));
    expect((await timed(txn.send(send("late")))).error).toBeInstanceOf(DeliveryTimeoutError);
    await run(txn.abort());
    // Only now do the attempts arrive: under the old epoch, which the abort fenced.
    const late = await run(Promise.all(held.map((release) => release())));
    expect(late.length).toBeGreaterThan(1);
    for (const answer of late) expect((answer as ProduceResponse).partitions[0]!.error).toBeInstanceOf(InvalidProducerEpochError);
    faults.delete("produce");
    const next = await run(p.transaction());
    await run(next.send(send("next")));
    await run(next.commit());
    expect(await readCommitted()).toEqual(["next"]);
  });

  it("a transaction that asked the coordinator for nothing ends without EndTxn", async () => {
    const { calls, run, producer, readCommitted, send } = await setup();
    const p = producer();
    const aborted = await run(p.transaction());
    await run(aborted.send(send("x")));
    await run(aborted.abort());
    expect(calls.get("endTxn")).toBe(1);
    await run((await run(p.transaction())).commit());
    expect(calls.get("endTxn")).toBe(1);
    expect(await readCommitted()).toEqual([]);
  });
});
