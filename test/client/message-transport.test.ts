// The broker served over a MessageChannel and a BroadcastChannel: a producer
// and a consumer on the other side work as in-process, and typed errors
// arrive as instances of their class with their fields.

import { afterEach, describe, expect, it } from "vitest";
import {
  Broker, BrokerNotAvailableError, Consumer, CorruptRecordError, DataDirInUseError, InvalidTopicError, LogOfflineError, type LoglabError,
  MemoryStorage, OffsetOutOfRangeError, Producer, ReadOnlyLogError, SeededRandom, StorageError, systemScheduler,
} from "../../src/index.ts";
import { MessagePortTransport, serveBroker } from "../../src/client/message-transport.ts";

const cleanups: (() => void)[] = [];
afterEach(() => { while (cleanups.length > 0) cleanups.pop()!(); });

async function brokerBehind(): Promise<Broker> {
  const broker = await Broker.open({ storage: new MemoryStorage(), scheduler: systemScheduler, random: new SeededRandom(1), config: { "group.initial.rebalance.delay.ms": "0" } });
  await broker.logs.createTopic("test", 2);
  return broker;
}

describe("over a MessageChannel", () => {
  it("carries produce and consume, bytes intact", async () => {
    const broker = await brokerBehind();
    const channel = new MessageChannel();
    cleanups.push(serveBroker(broker, channel.port1), () => channel.port1.close(), () => channel.port2.close());
    const transport = new MessagePortTransport(channel.port2, "tab-1");
    const runtime = { scheduler: systemScheduler, random: new SeededRandom(2) };
    const producer = new Producer(transport, runtime, { "linger.ms": 0 });
    const sent = await producer.send({ topic: "test", messages: [{ value: new Uint8Array([0, 1, 255]), partition: 1 }, { value: "hello", key: "k", partition: 1 }] });
    expect(sent.map((m) => [m.partition, m.offset])).toEqual([[1, 0], [1, 1]]);
    const consumer = new Consumer(transport, runtime, { "auto.offset.reset": "earliest" });
    consumer.assign([{ topic: "test", partition: 1 }]);
    const records = await consumer.poll(1000);
    expect(records.map((r) => [...r.value!])).toEqual([[0, 1, 255], [...new TextEncoder().encode("hello")]]);
    expect(new TextDecoder().decode(records[1]!.key!)).toBe("k");
    await consumer.close();
    await producer.close();
  });

  it("rebuilds typed errors: thrown ones and per-partition ones, with their fields", async () => {
    const broker = await brokerBehind();
    const channel = new MessageChannel();
    cleanups.push(serveBroker(broker, channel.port1), () => channel.port1.close(), () => channel.port2.close());
    const transport = new MessagePortTransport(channel.port2, "tab-1");
    const { topics } = await transport.metadata(["bad topic"]);
    expect(topics[0]!.error).toBeInstanceOf(InvalidTopicError);
    const { partitions } = await transport.fetch({ partitions: [{ topic: "test", partition: 0, fetchOffset: 7 }] });
    const error = partitions[0]!.error;
    expect(error).toBeInstanceOf(OffsetOutOfRangeError);
    expect(error).toMatchObject({ code: "OFFSET_OUT_OF_RANGE", offset: 7, logStartOffset: 0, logEndOffset: 0, retriable: false });
    expect(error!.message).toBe("offset 7 is out of range for test-0: valid offsets are 0 to 0");
  });
});

describe("errors across a channel", () => {
  /** A broker stand-in whose every fetch fails with `error`, served over a fresh MessageChannel. */
  function failingWith(error: LoglabError): MessagePortTransport {
    const channel = new MessageChannel();
    const failing = { fetch: () => Promise.reject(error) } as unknown as Broker;
    cleanups.push(serveBroker(failing, channel.port1), () => channel.port1.close(), () => channel.port2.close());
    return new MessagePortTransport(channel.port2, "tab-1");
  }

  async function crossed(error: LoglabError): Promise<unknown> {
    return failingWith(error).fetch({ partitions: [] }).then(() => null, (rejection: unknown) => rejection);
  }

  it("rebuilds LogOfflineError as itself, its cause as its own class", async () => {
    const cause = new StorageError("fsync failed: EIO", "test-0/00000000000000000000.log");
    const arrived = await crossed(new LogOfflineError("test-0", cause));
    expect(arrived).toBeInstanceOf(LogOfflineError);
    expect(arrived).toMatchObject({ code: "KAFKA_STORAGE_ERROR", retriable: true, topicPartition: "test-0" });
    expect((arrived as LogOfflineError).cause).toBeInstanceOf(StorageError);
    expect((arrived as LogOfflineError).cause).toMatchObject({ fileName: "test-0/00000000000000000000.log" });
  });

  it("rebuilds DataDirInUseError, ReadOnlyLogError and BrokerNotAvailableError with their fields", async () => {
    const holder = { pid: 42, command: "loglab produce", since: "2026-01-01T00:00:00Z" };
    const inUse = await crossed(new DataDirInUseError("/data", holder));
    expect(inUse).toBeInstanceOf(DataDirInUseError);
    expect(inUse).toMatchObject({ code: "DATA_DIR_IN_USE", dataDir: "/data", holder });
    const readOnly = await crossed(new ReadOnlyLogError("test-0", "append"));
    expect(readOnly).toBeInstanceOf(ReadOnlyLogError);
    expect(readOnly).toMatchObject({ code: "LOG_READ_ONLY", what: "test-0", operation: "append" });
    const closed = await crossed(new BrokerNotAvailableError("fetch"));
    expect(closed).toBeInstanceOf(BrokerNotAvailableError);
    expect(closed).toMatchObject({ code: "BROKER_NOT_AVAILABLE", request: "fetch", message: "the broker is closed: cannot serve fetch" });
  });

  it("rebuilds CorruptRecordError with its file, position, reason and detail as fields", async () => {
    const arrived = await crossed(new CorruptRecordError(61, "crc-mismatch", "stored 1, computed 2", "00000000000000000000.log"));
    expect(arrived).toBeInstanceOf(CorruptRecordError);
    expect(arrived).toMatchObject({
      code: "CORRUPT_MESSAGE", fileName: "00000000000000000000.log", position: 61, reason: "crc-mismatch", detail: "stored 1, computed 2",
    });
  });
});

describe("over a BroadcastChannel", () => {
  it("lets two clients share one broker, each getting only its own answers", async () => {
    const broker = await brokerBehind();
    const name = `loglab-test-${Math.random()}`;
    const server = new BroadcastChannel(name);
    const a = new BroadcastChannel(name);
    const b = new BroadcastChannel(name);
    cleanups.push(serveBroker(broker, server), () => server.close(), () => a.close(), () => b.close());
    const [first, second] = await Promise.all([
      new MessagePortTransport(a, "tab-a").initProducerId(),
      new MessagePortTransport(b, "tab-b").initProducerId(),
    ]);
    expect(first.producerId).not.toBe(second.producerId);
  });
});
