// The request handlers over a Broker on virtual time: Kafka's numeric error codes, compressed batches refused, the
// fetch long poll woken by a produce or ended by max_wait_ms, Metadata's advertised address and auto-creation.

import { describe, expect, it } from "vitest";
import { BATCH_CRC_START, BATCH_HEADER, Broker, crc32c, encodeBatch, ManualScheduler, MemoryStorage, SeededRandom } from "../../src/index.ts";
import {
  apiKeys, BrokerHandler, type FetchRequest, type FetchResponse, type MetadataResponse,
  type ProduceRequest, type ProduceResponse, wireApisByKey, type WireRequest,
} from "../../src/wire/index.ts";

async function setUp(config: Record<string, string> = {}) {
  const scheduler = new ManualScheduler(1_700_000_000_000);
  const broker = await Broker.open({ storage: new MemoryStorage(), scheduler, random: new SeededRandom(1), config });
  const handler = new BrokerHandler({ broker, scheduler, host: "127.0.0.1", port: 9092 });
  const call = (apiKey: number, apiVersion: number, body: object) =>
    handler.handle({ header: { apiKey, apiVersion, correlationId: 1, clientId: null }, api: wireApisByKey.get(apiKey)!, body } satisfies WireRequest);
  const produce = (records: Uint8Array, acks = 1) =>
    call(apiKeys.Produce, 7, {
      transactionalId: null, acks, timeoutMs: 1000, topicData: [{ name: "t", partitionData: [{ index: 0, records }] }],
    } satisfies ProduceRequest) as Promise<ProduceResponse | null>;
  const fetch = (fetchOffset: bigint, maxWaitMs: number) =>
    call(apiKeys.Fetch, 11, {
      maxWaitMs, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic: "t", partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
      forgottenTopicsData: [], rackId: "",
    } satisfies FetchRequest) as Promise<FetchResponse>;
  return { scheduler, broker, handler, call, produce, fetch };
}

const batch = (value: string) => encodeBatch({ baseOffset: 0, records: [{ key: null, value: new TextEncoder().encode(value), timestamp: 1 }] });

describe("BrokerHandler", () => {
  it("advertises its address and auto-creates a topic with num.partitions", async () => {
    const { call } = await setUp({ "num.partitions": "3" });
    const answer = await call(apiKeys.Metadata, 12, { topics: [{ topicId: "00000000-0000-0000-0000-000000000000", name: "fresh" }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false }) as MetadataResponse;
    expect(answer.brokers).toEqual([{ nodeId: 0, host: "127.0.0.1", port: 9092, rack: null }]);
    expect(answer.topics.map((t) => [t.name, t.errorCode, t.partitions.length])).toEqual([["fresh", 0, 3]]);
  });

  it("answers an unknown topic with UNKNOWN_TOPIC_OR_PARTITION (3) when auto-creation is off", async () => {
    const { call } = await setUp({ "auto.create.topics.enable": "false" });
    const answer = await call(apiKeys.Metadata, 4, { topics: [{ name: "missing" }], allowAutoTopicCreation: true }) as MetadataResponse;
    expect(answer.topics.map((t) => t.errorCode)).toEqual([3]);
  });

  it("refuses a compressed batch with UNSUPPORTED_COMPRESSION_TYPE (76) and stores nothing", async () => {
    const { produce, broker } = await setUp();
    const gzipped = batch("x");
    gzipped[BATCH_HEADER.attributes.offset + 1] = gzipped[BATCH_HEADER.attributes.offset + 1]! | 1; // compression: gzip
    new DataView(gzipped.buffer).setUint32(BATCH_HEADER.crc.offset, crc32c(gzipped.subarray(BATCH_CRC_START)));
    const answer = await produce(gzipped);
    expect(answer!.responses[0]!.partitionResponses[0]!.errorCode).toBe(76);
    expect(broker.logs.hasTopic("t") ? broker.logs.log("t", 0).highWatermark : 0).toBe(0);
  });

  it("turns loglab's error names into Kafka's codes: a corrupt batch is CORRUPT_MESSAGE (2)", async () => {
    const { produce } = await setUp();
    const broken = batch("x");
    broken[broken.length - 1] = broken[broken.length - 1]! ^ 0xff;
    const answer = await produce(broken);
    expect(answer!.responses[0]!.partitionResponses[0]!.errorCode).toBe(2);
  });

  it("holds a fetch with nothing to read until a produce lands, without time passing", async () => {
    const { produce, fetch, scheduler } = await setUp();
    await produce(batch("first"));
    let answered: FetchResponse | null = null;
    const waiting = fetch(1n, 30_000).then((answer) => (answered = answer));
    await scheduler.advance(10);
    expect(answered).toBeNull();
    expect(await produce(batch("second"), 0)).toBeNull();
    const answer = await waiting;
    const partition = answer.responses[0]!.partitions[0]!;
    expect(partition.highWatermark).toBe(2n);
    expect(partition.records!.length).toBeGreaterThan(0);
    expect(answer.sessionId).toBe(0);
  });

  it("refuses an API it does not answer, so the connection closes instead of leaving the client waiting", async () => {
    const { call } = await setUp();
    await expect(call(apiKeys.ListGroups, 4, { statesFilter: [], typesFilter: [] })).rejects.toThrow("ListGroups is not answered");
  });

  it("answers an empty fetch at max_wait_ms", async () => {
    const { produce, fetch, scheduler } = await setUp();
    await produce(batch("only"));
    let answered: FetchResponse | null = null;
    const waiting = fetch(1n, 500).then((answer) => (answered = answer));
    await scheduler.advance(499);
    expect(answered).toBeNull();
    await scheduler.advance(1);
    const answer = await waiting;
    expect(answer.responses[0]!.partitions[0]!.records!.length).toBe(0);
  });
});
