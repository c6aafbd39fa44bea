// A batch damaged on disk after it was stored is never served: Fetch checks each batch's CRC-32C before its bytes go
// out, and the partition answers CORRUPT_MESSAGE (2) with no records; the batches before the damage are served.

import { describe, expect, it } from "vitest";
import { Broker, decodeBatches, encodeBatch, ManualScheduler, MemoryStorage, SeededRandom } from "../../src/index.ts";
import {
  apiKeys, BrokerHandler, type FetchRequest, type FetchResponse, type ProduceRequest, type ProduceResponse, wireApisByKey, type WireRequest,
} from "../../src/wire/index.ts";
import { indexOfBytes } from "../support/bytes.ts";

const scheduler = new ManualScheduler(1_700_000_000_000);
const value = (i: number) => `record-${i}-${"x".repeat(300)}`;

async function handlerOver(storage: MemoryStorage) {
  const broker = await Broker.open({ storage, scheduler, random: new SeededRandom(1), config: {} });
  const handler = new BrokerHandler({ broker, scheduler, host: "127.0.0.1", port: 9092 });
  const call = (apiKey: number, apiVersion: number, body: object) =>
    handler.handle({ header: { apiKey, apiVersion, correlationId: 1, clientId: null }, api: wireApisByKey.get(apiKey)!, body } satisfies WireRequest);
  return { broker, call };
}

const fetchAt = (fetchOffset: bigint): FetchRequest => ({
  maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
  topics: [{ topic: "t", partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
  forgottenTopicsData: [], rackId: "",
});

describe("Fetch over a batch damaged on disk", () => {
  it("answers CORRUPT_MESSAGE (2) with no records at the damaged batch, and serves the batches before it", async () => {
    const storage = new MemoryStorage();
    const first = await handlerOver(storage);
    // Enough batches that the offset index has entries past the damage: a clean restart checks only the log's tail.
    for (let i = 0; i < 16; i++) {
      const records = [0, 1].map((r) => ({ key: null, value: new TextEncoder().encode(value(2 * i + r)), timestamp: scheduler.nowMs() }));
      const answer = await first.call(apiKeys.Produce, 7, {
        transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [{ name: "t", partitionData: [{ index: 0, records: encodeBatch({ baseOffset: 0, records }) }] }],
      } satisfies ProduceRequest) as ProduceResponse;
      expect(answer.responses[0]!.partitionResponses[0]!.errorCode).toBe(0);
    }
    await first.broker.close();

    // One bit inside record 5's value (batch 2, offsets 4-5): not a header field, only the CRC can tell.
    const [logName] = (await storage.list()).filter((name) => /^t-0\/\d{20}\.log$/.test(name));
    const file = await storage.open(logName!);
    const bytes = await file.read(0, file.size);
    const at = indexOfBytes(bytes, value(5)) + 100;
    expect(at).toBeGreaterThan(100);
    bytes[at]! ^= 0x04;
    await file.truncate(0);
    await file.append(bytes);
    await file.sync();

    const { broker, call } = await handlerOver(storage);
    const damaged = (await call(apiKeys.Fetch, 12, fetchAt(4n)) as FetchResponse).responses[0]!.partitions[0]!;
    expect(damaged.errorCode).toBe(2);
    expect(damaged.records?.length ?? 0).toBe(0);
    const before = (await call(apiKeys.Fetch, 12, fetchAt(0n)) as FetchResponse).responses[0]!.partitions[0]!;
    expect(before.errorCode).toBe(0);
    expect(decodeBatches(before.records!).flatMap((b) => b.records.map((r) => r.offset))).toEqual([0, 1, 2, 3]);
    await broker.close();
  });
});
