// Closed objects refuse everything with a typed error, close twice quietly,
// and leave no promise to reject unhandled: a closed Broker answers every
// request with BrokerNotAvailableError, a closed Producer or Consumer every
// call with ClientClosedError, and a client whose broker closed under it fails
// its requests with that typed error instead of crashing the process.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  Broker, BrokerNotAvailableError, ClientClosedError, encodeBatch, LogClosedError, ManualScheduler, MemoryStorage, SeededRandom,
} from "../../src/index.ts";
import { Consumer } from "../../src/client/consumer.ts";
import { Producer } from "../../src/client/producer.ts";
import { InProcessTransport } from "../../src/client/transport.ts";

const START_MS = 1_700_000_000_000;

async function setup() {
  const scheduler = new ManualScheduler(START_MS);
  const random = new SeededRandom(9);
  const broker = await Broker.open({ storage: new MemoryStorage(), scheduler, random, config: { "group.initial.rebalance.delay.ms": "0" } });
  await broker.logs.createTopic("t", 1);
  const transport = new InProcessTransport(broker);
  const producer = (config: Record<string, string | number | boolean> = {}) =>
    new Producer(transport, { scheduler, random }, { "request.timeout.ms": 1000, "delivery.timeout.ms": 30_000, ...config });
  const consumer = (config: Record<string, string | number | boolean> = {}) =>
    new Consumer(transport, { scheduler, random }, { "auto.offset.reset": "earliest", "session.timeout.ms": 10_000, ...config });
  const run = <T>(promise: Promise<T>) => scheduler.runUntilSettled(promise, 60_000);
  return { scheduler, broker, producer, consumer, run };
}

/** What a call threw or rejected with (sync throws and rejections alike), or "ok". */
async function failureOf(call: () => unknown): Promise<unknown> {
  try {
    await call();
    return "ok";
  } catch (error) {
    return error;
  }
}

/** The public methods a class's prototype has: a new method must join the tables below. */
const methodsOf = (prototype: object) =>
  Object.getOwnPropertyNames(prototype).filter((name) => name !== "constructor" && typeof Object.getOwnPropertyDescriptor(prototype, name)!.value === "function").sort();

// Rejections nobody handled, seen through the runtime's own hook (Node's process event, or the
// unhandledrejection event of browsers and Deno).
const unhandled: unknown[] = [];
const onNodeRejection = (reason: unknown) => { unhandled.push(reason); };
const onRejectionEvent = (event: Event) => {
  unhandled.push((event as PromiseRejectionEvent).reason);
  event.preventDefault();
};
const nodeProcess = (globalThis as { process?: { on?: unknown; off(event: string, listener: unknown): void } }).process;
beforeEach(() => {
  unhandled.length = 0;
  if (typeof nodeProcess?.on === "function") (nodeProcess as unknown as NodeJS.Process).on("unhandledRejection", onNodeRejection);
  else globalThis.addEventListener("unhandledrejection", onRejectionEvent);
});
afterEach(() => {
  if (typeof nodeProcess?.on === "function") nodeProcess.off("unhandledRejection", onNodeRejection);
  else globalThis.removeEventListener("unhandledrejection", onRejectionEvent);
});
/** Lets the runtime report rejections left unhandled (it does so after a macrotask). */
const afterUnhandledCheck = () => new Promise<void>((resolve) => setTimeout(resolve, 20));

describe("a closed broker", () => {
  it("refuses every request with BrokerNotAvailableError, naming the request", async () => {
    const { broker } = await setup();
    await broker.close();
    const txn = { transactionalId: "tx", producerId: 0, producerEpoch: 0 };
    const member = { groupId: "g", generationId: 1, memberId: "m" };
    const requests: Record<string, () => unknown> = {
      metadata: () => broker.metadata(["t"]),
      initProducerId: () => broker.initProducerId("tx"),
      addPartitionsToTxn: () => broker.addPartitionsToTxn({ ...txn, partitions: [{ topic: "t", partition: 0 }] }),
      addOffsetsToTxn: () => broker.addOffsetsToTxn({ ...txn, offsets: { groupId: "g", offsets: [] } }),
      endTxn: () => broker.endTxn({ ...txn, commit: true }),
      writeTransactionMarker: () => broker.writeTransactionMarker({ topic: "t", partition: 0 }, 0, 0, true),
      produce: () => broker.produce({ acks: -1, partitions: [{ topic: "t", partition: 0, records: encodeBatch({ baseTimestamp: 0, records: [{ value: "x" }] }) }] }),
      fetch: () => broker.fetch({ partitions: [{ topic: "t", partition: 0, fetchOffset: 0 }] }),
      listOffsets: () => broker.listOffsets({ partitions: [{ topic: "t", partition: 0, timestamp: "latest" }] }),
      joinGroup: () => broker.joinGroup({ groupId: "g", memberId: "", sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, protocols: [] }),
      syncGroup: () => broker.syncGroup(member),
      heartbeat: () => broker.heartbeat(member),
      leaveGroup: () => broker.leaveGroup("g", "m"),
      describeGroup: () => broker.describeGroup("g"),
      offsetCommit: () => broker.offsetCommit({ groupId: "g", offsets: [{ topic: "t", partition: 0, offset: 1 }] }),
      offsetFetch: () => broker.offsetFetch("g"),
      addOffsetsGroupToTxn: () => broker.addOffsetsGroupToTxn({ ...txn, groupId: "g" }),
      txnOffsetCommit: () => broker.txnOffsetCommit({ ...txn, offsets: { groupId: "g", offsets: [] } }),
      listGroups: () => broker.listGroups(),
      findGroup: () => broker.findGroup("g"),
      deleteTopic: () => broker.deleteTopic("t"),
    };
    expect(Object.keys(requests).sort()).toEqual(methodsOf(Broker.prototype).filter((name) => name !== "close"));
    for (const [name, request] of Object.entries(requests)) {
      const error = await failureOf(request);
      expect([name, error]).toEqual([name, expect.any(BrokerNotAvailableError)]);
      expect((error as Error).message).toMatch(/^the broker is closed: cannot serve \w+/);
    }
  });

  it("closes a second time quietly", async () => {
    const { broker } = await setup();
    await broker.close();
    await expect(broker.close()).resolves.toBeUndefined();
  });

  it("has closed its logs: reads reject with LogClosedError instead of touching closed files", async () => {
    const { broker } = await setup();
    const log = broker.logs.log("t", 0);
    await broker.close();
    await expect(log.read(0)).rejects.toBeInstanceOf(LogClosedError);
    await expect(log.offsetForTimestamp(0)).rejects.toBeInstanceOf(LogClosedError);
    await expect(log.batches().next()).rejects.toBeInstanceOf(LogClosedError);
    await expect(log.appendRecords([{ value: "x" }])).rejects.toBeInstanceOf(LogClosedError);
  });

  it("answers a member still waiting in JoinGroup instead of leaving it hanging", async () => {
    const { broker } = await setup();
    const join = broker.joinGroup({ groupId: "g", memberId: "", sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, protocols: [{ name: "range", metadata: new Uint8Array(0) }] });
    await broker.close();
    expect((await join).error).toBeInstanceOf(BrokerNotAvailableError);
  });
});

describe("clients whose broker was closed", () => {
  it("producer.send rejects with BrokerNotAvailableError at once, and nothing is left unhandled", async () => {
    const { broker, producer, run, scheduler } = await setup();
    const p = producer();
    await run(p.send({ topic: "t", messages: [{ value: "before" }] }));
    await broker.close();
    const before = scheduler.nowMs();
    const error = await run(p.send({ topic: "t", messages: [{ value: "after" }] })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrokerNotAvailableError);
    expect(scheduler.nowMs() - before).toBeLessThanOrEqual(p.config.lingerMs);
    await afterUnhandledCheck();
    expect(unhandled).toEqual([]);
  });

  it("a first send after the broker closed (no metadata yet) rejects with BrokerNotAvailableError", async () => {
    const { broker, producer, run } = await setup();
    await broker.close();
    await expect(run(producer().send({ topic: "t", messages: [{ value: "x" }] }))).rejects.toBeInstanceOf(BrokerNotAvailableError);
    await afterUnhandledCheck();
    expect(unhandled).toEqual([]);
  });

  it("consumer.poll rejects with BrokerNotAvailableError and consumer.close still closes", async () => {
    const { broker, consumer, run } = await setup();
    const c = consumer({ "group.id": "g" });
    c.subscribe(["t"]);
    await run(c.poll(100));
    c.storeOffsets([{ topic: "t", partition: 0, offset: 0 }]);
    await broker.close();
    await expect(run(c.poll(100))).rejects.toBeInstanceOf(BrokerNotAvailableError);
    await expect(run(c.close())).resolves.toBeUndefined();
    expect(c.lastAutoCommitError).toBeInstanceOf(BrokerNotAvailableError);
    await expect(c.poll()).rejects.toBeInstanceOf(ClientClosedError);
    await afterUnhandledCheck();
    expect(unhandled).toEqual([]);
  });

  it("a consumer that stops polling after its broker closed leaves its group without an unhandled rejection", async () => {
    const { broker, consumer, run, scheduler } = await setup();
    const c = consumer({ "group.id": "g", "max.poll.interval.ms": 1000 });
    c.subscribe(["t"]);
    await run(c.poll(100));
    await broker.close();
    await scheduler.advance(5000);
    await afterUnhandledCheck();
    expect(unhandled).toEqual([]);
    await run(c.close());
  });

  it("a consumer waiting to join its group when the broker closes is answered with BrokerNotAvailableError", async () => {
    const { broker, consumer, scheduler } = await setup();
    const c = consumer({ "group.id": "g" });
    c.subscribe(["t"]);
    const polling = c.poll(5000).catch((e: unknown) => e);
    await scheduler.advance(0);
    await broker.close();
    expect(await scheduler.runUntilSettled(polling, 60_000)).toBeInstanceOf(BrokerNotAvailableError);
    await scheduler.runUntilSettled(c.close(), 60_000);
  });
});

describe("a closed producer", () => {
  it("refuses send, transaction and flush with ClientClosedError, and closes again quietly", async () => {
    const { producer, run } = await setup();
    const p = producer();
    await run(p.send({ topic: "t", messages: [{ value: "x" }] }));
    await run(p.close());
    const calls: Record<string, () => unknown> = {
      send: () => p.send({ topic: "t", messages: [{ value: "y" }] }),
      transaction: () => p.transaction(),
      flush: () => p.flush(),
    };
    expect(Object.keys(calls).sort()).toEqual(methodsOf(Producer.prototype).filter((name) => name !== "close"));
    for (const [name, call] of Object.entries(calls)) {
      const result = call();
      expect([name, result instanceof Promise]).toEqual([name, true]);
      expect([name, await failureOf(() => result)]).toEqual([name, expect.any(ClientClosedError)]);
    }
    await expect(p.close()).resolves.toBeUndefined();
  });

  it("refuses a send made while it closes, and delivers what was sent before", async () => {
    const { producer, run } = await setup();
    const p = producer({ "linger.ms": 50 });
    const before = p.send({ topic: "t", messages: [{ value: "x" }] });
    const closing = p.close();
    await expect(p.send({ topic: "t", messages: [{ value: "y" }] })).rejects.toBeInstanceOf(ClientClosedError);
    await run(closing);
    expect((await before)[0]!.offset).toBe(0);
  });

  it("refuses the methods of a transaction it left open", async () => {
    const { producer, run } = await setup();
    const p = producer({ "transactional.id": "tx" });
    const transaction = await run(p.transaction());
    await run(p.close());
    for (const call of [
      () => transaction.send({ topic: "t", messages: [{ value: "x" }] }),
      () => transaction.sendOffsets({ consumerGroupId: "g", offsets: [] }),
      () => transaction.commit(),
      () => transaction.abort(),
    ]) {
      expect(await failureOf(call)).toBeInstanceOf(ClientClosedError);
    }
  });
});

describe("a closed consumer", () => {
  it("refuses every call with ClientClosedError, and closes again quietly", async () => {
    const { consumer, run } = await setup();
    const c = consumer({ "group.id": "g" });
    c.assign([{ topic: "t", partition: 0 }]);
    await run(c.close());
    const tp = { topic: "t", partition: 0 };
    const calls: Record<string, () => unknown> = {
      subscribe: () => c.subscribe(["t"]),
      assign: () => c.assign([tp]),
      assignment: () => c.assignment(),
      groupMetadata: () => c.groupMetadata(),
      poll: () => c.poll(),
      storeOffsets: () => c.storeOffsets([{ ...tp, offset: 0 }]),
      commit: () => c.commit([{ ...tp, offset: 1 }]),
      committed: () => c.committed([tp]),
      seek: () => c.seek(tp, 0),
      position: () => c.position(tp),
    };
    expect(Object.keys(calls).sort()).toEqual(methodsOf(Consumer.prototype).filter((name) => name !== "close"));
    for (const [name, call] of Object.entries(calls)) {
      expect([name, await failureOf(call)]).toEqual([name, expect.any(ClientClosedError)]);
    }
    await expect(c.close()).resolves.toBeUndefined();
  });
});

describe("no rejection left unhandled", () => {
  it("a rebalance listener that throws during assign() surfaces at the next poll", async () => {
    const { consumer, run } = await setup();
    const c = consumer({ "group.id": "g" });
    c.subscribe(["t"], { onPartitionsAssigned: () => { throw new Error("listener failed"); } });
    c.assign([{ topic: "t", partition: 0 }]);
    await afterUnhandledCheck();
    expect(unhandled).toEqual([]);
    await expect(run(c.poll(0))).rejects.toThrow("listener failed");
    await expect(run(c.poll(0))).resolves.toEqual([]);
    await run(c.close());
  });
});
