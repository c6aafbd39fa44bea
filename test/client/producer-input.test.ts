// What the producer refuses at once, on virtual time: a message that is not a
// record (naming the field and the message's index), and a partition the topic
// does not have (naming the partition count). No retry, no time passes, and
// nothing of that send is stored.

import { describe, expect, it } from "vitest";
import {
  Broker, decodeBatches, InvalidRecordError, ManualScheduler, MemoryStorage, type ProducerMessage, SeededRandom,
  UnknownTopicOrPartitionError,
} from "../../src/index.ts";
import { Producer } from "../../src/client/producer.ts";
import { InProcessTransport } from "../../src/client/transport.ts";

const START_MS = 1_700_000_000_000;

async function setup() {
  const scheduler = new ManualScheduler(START_MS);
  const random = new SeededRandom(7);
  const broker = await Broker.open({ storage: new MemoryStorage(), scheduler, random });
  await broker.logs.createTopic("t", 1);
  const producer = new Producer(new InProcessTransport(broker), { scheduler, random }, {
    "linger.ms": 5, "request.timeout.ms": 1000, "delivery.timeout.ms": 30_000,
  });
  /** Runs a send to its end; what it threw, and the virtual time that passed. */
  const outcome = async (send: Promise<unknown>) => {
    const before = scheduler.nowMs();
    const result = await scheduler.runUntilSettled(send, 60_000).then(() => null, (error: unknown) => error);
    return { error: result, elapsedMs: scheduler.nowMs() - before };
  };
  const stored = async () => {
    const { partitions: [fetched] } = await broker.fetch({ partitions: [{ topic: "t", partition: 0, fetchOffset: 0 }] });
    return decodeBatches(fetched!.records).flatMap((b) => b.records.map((r) => new TextDecoder().decode(r.value!)));
  };
  return { scheduler, producer, outcome, stored };
}

const loose = (message: Record<string, unknown>) => message as unknown as ProducerMessage;

describe("a message that is not a record fails its send at once, naming the field and the message", () => {
  it.each([
    ["value: 42", { value: 42 }, /messages\[1\]\.value must be a string, a Uint8Array or null, got number 42/],
    ["value: true", { value: true }, /messages\[1\]\.value .* got boolean true/],
    ["value: {a:1}", { value: { a: 1 } }, /messages\[1\]\.value .* got Object/],
    ["value: a DataView", { value: new DataView(new ArrayBuffer(2)) }, /messages\[1\]\.value .* got DataView/],
    ["value: [1,2,300]", { value: [1, 2, 300] }, /messages\[1\]\.value .* got Array/],
    ["key: 7", { key: 7, value: "v" }, /messages\[1\]\.key .* got number 7/],
    ["headers: \"abc\"", { value: "v", headers: "abc" }, /messages\[1\]\.headers must be an array of \{ key, value \}, got string abc/],
    ["a header value 1", { value: "v", headers: [{ key: "h", value: 1 }] }, /messages\[1\]\.headers\[0\]\.value .* got number 1/],
    ["timestamp: NaN", { value: "v", timestamp: Number.NaN }, /messages\[1\]\.timestamp must be a safe integer/],
  ])("%s", async (_, bad, message) => {
    const { producer, outcome, stored } = await setup();
    const { error, elapsedMs } = await outcome(producer.send({ topic: "t", messages: [{ value: "good" }, loose(bad)] }));
    expect(error).toBeInstanceOf(InvalidRecordError);
    expect((error as Error).message).toMatch(message);
    expect(elapsedMs).toBe(0);
    expect(await stored()).toEqual([]);
  });

  it("does not fail another send that would have shared its batch", async () => {
    const { producer, scheduler, stored } = await setup();
    const good = producer.send({ topic: "t", messages: [{ value: "kept", partition: 0 }] });
    const bad = producer.send({ topic: "t", messages: [loose({ value: 42, partition: 0 })] });
    const [goodResult, badResult] = await scheduler.runUntilSettled(Promise.allSettled([good, bad]), 60_000);
    expect(goodResult.status).toBe("fulfilled");
    expect(badResult.status === "rejected" && badResult.reason).toBeInstanceOf(InvalidRecordError);
    expect(await stored()).toEqual(["kept"]);
  });
});

describe("a partition the topic does not have fails at once", () => {
  it("partition 99 of a 1-partition topic: UnknownTopicOrPartitionError naming the partition count, no retry", async () => {
    const { producer, outcome, stored } = await setup();
    const { error, elapsedMs } = await outcome(producer.send({ topic: "t", messages: [{ value: "a", partition: 0 }, { value: "b", partition: 99 }] }));
    expect(error).toBeInstanceOf(UnknownTopicOrPartitionError);
    expect((error as Error).message).toMatch(/t-99: topic "t" has 1 partition \(0 to 0\)/);
    expect(elapsedMs).toBe(0);
    expect(await stored()).toEqual([]);
  });

  it.each([
    ["-1", -1],
    ["0.5", 0.5],
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["\"0\" (a string)", "0"],
  ])("partition %s: InvalidRecordError naming the value", async (_, partition) => {
    const { producer, outcome } = await setup();
    const { error, elapsedMs } = await outcome(producer.send({ topic: "t", messages: [loose({ value: "a", partition })] }));
    expect(error).toBeInstanceOf(InvalidRecordError);
    expect((error as Error).message).toContain(`messages[0].partition must be a non-negative integer, got ${String(partition)}`);
    expect(elapsedMs).toBe(0);
  });

  it("a partition the topic has still works after a refusal", async () => {
    const { producer, outcome, stored } = await setup();
    await outcome(producer.send({ topic: "t", messages: [{ value: "x", partition: 5 }] }));
    expect((await outcome(producer.send({ topic: "t", messages: [{ value: "y", partition: 0 }] }))).error).toBeNull();
    expect(await stored()).toEqual(["y"]);
  });
});
