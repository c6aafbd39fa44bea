// The consumer's request.timeout.ms, on virtual time, over a transport that
// loses answers on demand: a fetch or join whose answer never comes is given
// up and retried, so nothing is read twice or skipped; a commit whose answer
// is lost fails with a retriable RequestTimedOutError though the broker did
// commit (the two generals); and close() does not wait on a lost LeaveGroup.

import { describe, expect, it } from "vitest";
import {
  Broker, type BrokerTransport, encodeBatch, InProcessTransport, ManualScheduler, MemoryStorage, RequestTimedOutError, SeededRandom,
} from "../../src/index.ts";
import { Consumer, type ConsumerRecord } from "../../src/client/consumer.ts";

/** Passes requests to the broker; the next `lose[request]` answers of that type are dropped on the way back. */
function answerLosingTransport(broker: Broker): { transport: BrokerTransport; lose: Partial<Record<keyof BrokerTransport, number>> } {
  const inner = new InProcessTransport(broker);
  const lose: Partial<Record<keyof BrokerTransport, number>> = {};
  const transport = new Proxy(inner, {
    get(target, name: keyof BrokerTransport) {
      const method = target[name] as (...args: unknown[]) => Promise<unknown>;
      return (...args: unknown[]) => method.apply(target, args).then((answer) => {
        if ((lose[name] ?? 0) === 0) return answer;
        lose[name] = lose[name]! - 1;
        return new Promise(() => {});
      });
    },
  });
  return { transport, lose };
}

async function setup() {
  const scheduler = new ManualScheduler(1_700_000_000_000);
  const random = new SeededRandom(3);
  const broker = await Broker.open({ storage: new MemoryStorage(), scheduler, random, config: { "group.initial.rebalance.delay.ms": "0" } });
  await broker.logs.createTopic("test", 1);
  await broker.produce({ acks: -1, partitions: [{ topic: "test", partition: 0, records: encodeBatch({ baseTimestamp: scheduler.nowMs(), records: ["a", "b", "c"].map((value) => ({ value })) }) }] });
  const { transport, lose } = answerLosingTransport(broker);
  const consumer = new Consumer(transport, { scheduler, random }, {
    "group.id": "g", "auto.offset.reset": "earliest", "enable.auto.commit": false, "request.timeout.ms": 500,
    "session.timeout.ms": 6000, "heartbeat.interval.ms": 1000, "max.poll.interval.ms": 20_000, "max.poll.records": 2,
  });
  const run = <T>(promise: Promise<T>) => scheduler.runUntilSettled(promise, 120_000);
  return { scheduler, broker, consumer, lose, run };
}

const values = (records: readonly ConsumerRecord[]) => records.map((r) => new TextDecoder().decode(r.value!));

describe("consumer request timeouts", () => {
  it("retries a fetch whose answer was lost, reading every record once and in order", async () => {
    const { consumer, lose, run, scheduler } = await setup();
    consumer.assign([{ topic: "test", partition: 0 }]);
    lose.fetch = 2;
    const started = scheduler.nowMs();
    const read = [...await run(consumer.poll(5000))];
    // Two fetches went unanswered for request.timeout.ms each before the third came back.
    expect(scheduler.nowMs() - started).toBeGreaterThanOrEqual(1000);
    while (read.length < 3) read.push(...await run(consumer.poll(5000)));
    expect(values(read)).toEqual(["a", "b", "c"]);
    expect(lose.fetch).toBe(0);
  });

  it("a poll whose fetches all go unanswered returns nothing at its deadline instead of hanging", async () => {
    const { consumer, lose, run, scheduler } = await setup();
    consumer.assign([{ topic: "test", partition: 0 }]);
    lose.fetch = 1000;
    const started = scheduler.nowMs();
    expect(await run(consumer.poll(2000))).toEqual([]);
    expect(scheduler.nowMs() - started).toBeLessThan(2000 + 500 + 100);
    expect(consumer.position({ topic: "test", partition: 0 })).toBe(0);
  });

  it("rejoins when the JoinGroup answer is lost, and gets its assignment", async () => {
    const { consumer, lose, run } = await setup();
    consumer.subscribe(["test"]);
    lose.joinGroup = 1;
    expect(values(await run(consumer.poll(60_000)))).toEqual(["a", "b"]);
    expect(consumer.assignment()).toEqual([{ topic: "test", partition: 0 }]);
    expect(lose.joinGroup).toBe(0);
  });

  it("a commit whose answer is lost fails as retriable after request.timeout.ms — though the broker committed it", async () => {
    const { consumer, broker, lose, run } = await setup();
    consumer.assign([{ topic: "test", partition: 0 }]);
    lose.offsetCommit = 1;
    const error = await run(consumer.commit([{ topic: "test", partition: 0, offset: 2 }])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestTimedOutError);
    expect((error as RequestTimedOutError).retriable).toBe(true);
    expect((await broker.offsetFetch("g", [{ topic: "test", partition: 0 }])).partitions[0]!.offset).toBe(2);
  });

  it("close() returns when the LeaveGroup answer is lost", async () => {
    const { consumer, lose, run } = await setup();
    consumer.subscribe(["test"]);
    await run(consumer.poll(60_000));
    lose.leaveGroup = 1;
    await run(consumer.close());
    expect(lose.leaveGroup).toBe(0);
  });
});
