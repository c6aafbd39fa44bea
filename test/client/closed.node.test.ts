// In Node an unhandled rejection ends the process: a producer whose broker
// closed under it, or whose transport fails with an untyped error, must reject
// the caller's send with a typed error and leave nothing unhandled.

import { afterEach, beforeEach, expect, it } from "vitest";
import {
  Broker, type BrokerTransport, BrokerNotAvailableError, InProcessTransport, LoglabError, MemoryStorage, Producer,
  systemRandom, systemScheduler,
} from "../../src/index.ts";

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => { unhandled.push(reason); };
beforeEach(() => {
  unhandled.length = 0;
  process.on("unhandledRejection", onUnhandled);
});
afterEach(() => {
  process.off("unhandledRejection", onUnhandled);
});
/** Node reports unhandled rejections once the microtask queue has drained. */
const afterUnhandledCheck = () => new Promise<void>((resolve) => setTimeout(resolve, 20));

const runtime = { scheduler: systemScheduler, random: systemRandom };

it("producer.send after broker.close rejects with BrokerNotAvailableError, with nothing left unhandled", async () => {
  const broker = await Broker.open({ storage: new MemoryStorage(), scheduler: systemScheduler });
  const producer = new Producer(new InProcessTransport(broker), runtime, { "linger.ms": 0 });
  await producer.send({ topic: "t", messages: [{ value: "before" }] });
  await broker.close();
  await expect(producer.send({ topic: "t", messages: [{ value: "after" }] })).rejects.toBeInstanceOf(BrokerNotAvailableError);
  await expect(broker.close()).resolves.toBeUndefined();
  await producer.close();
  await afterUnhandledCheck();
  expect(unhandled).toEqual([]);
});

it("a transport that fails with a plain Error fails the send with a typed error, not an unhandled rejection", async () => {
  const broker = await Broker.open({ storage: new MemoryStorage(), scheduler: systemScheduler });
  const inner = new InProcessTransport(broker);
  const broken: BrokerTransport = Object.assign(Object.create(inner) as BrokerTransport, {
    produce: () => Promise.reject(new Error("channel torn down")),
  });
  const producer = new Producer(broken, runtime, { "linger.ms": 0, retries: 0 });
  const error = await producer.send({ topic: "t", messages: [{ value: "x" }] }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(LoglabError);
  expect((error as LoglabError).code).toBe("UNKNOWN_SERVER_ERROR");
  expect((error as LoglabError).message).toContain("channel torn down");
  await producer.close();
  await broker.close();
  await afterUnhandledCheck();
  expect(unhandled).toEqual([]);
});

it("a metadata request that fails with a plain Error fails the send with a typed error", async () => {
  const broker = await Broker.open({ storage: new MemoryStorage(), scheduler: systemScheduler });
  const broken: BrokerTransport = Object.assign(Object.create(new InProcessTransport(broker)) as BrokerTransport, {
    metadata: () => Promise.reject(new Error("no route to broker")),
  });
  const producer = new Producer(broken, runtime, { "linger.ms": 0 });
  const error = await producer.send({ topic: "t", messages: [{ value: "x" }] }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(LoglabError);
  expect((error as LoglabError).message).toContain("no route to broker");
  await producer.close();
  await broker.close();
  await afterUnhandledCheck();
  expect(unhandled).toEqual([]);
});
