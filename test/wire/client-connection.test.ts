// The client connection core driven by hand against the server's connection core (connection.ts) and loglab's
// Broker, in memory: versions negotiated from ApiVersions, flexible and non-flexible headers, responses decoded by
// the request's API and version whatever the byte split, the in-flight limit, no answer awaited for acks=0, a
// response out of order refused, and KIP-511's ApiVersions fallback.

import { describe, expect, it } from "vitest";
import { Broker, decodeBatches, encodeBatch, ManualScheduler, MemoryStorage, SeededRandom } from "../../src/index.ts";
import {
  apiKeys, type ApiVersionsResponse, BrokerHandler, CLIENT_VERSIONS, ClientConnection, Connection, encodeApiVersionsResponse, type FetchResponse,
  type MetadataResponse, negotiateVersions, type ProduceResponse, Writer, WireFormatError,
} from "../../src/wire/index.ts";

async function pair(inFlightMax?: number) {
  const scheduler = new ManualScheduler(1_700_000_000_000);
  const broker = await Broker.open({ storage: new MemoryStorage(), scheduler, random: new SeededRandom(1), config: { "num.partitions": "2" } });
  const toClient: Uint8Array[] = [];
  const server = new Connection({ handler: new BrokerHandler({ broker, scheduler, host: "127.0.0.1", port: 9092 }), send: (bytes) => toClient.push(bytes) });
  const client = new ClientConnection({ clientId: "core-test", inFlightMax });
  /** Writes what the client has to send, lets the handlers run, and returns the server's bytes. */
  const exchange = async (): Promise<Uint8Array> => {
    for (let t = client.pollTransmit(); t !== null; t = client.pollTransmit()) expect(server.receive(t.bytes)).toEqual({ kind: "ok" });
    for (let turns = 0; server.inFlight > 0; turns++) {
      if (turns > 1000) throw new Error("the server did not answer");
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    const all = new Uint8Array(toClient.reduce((n, b) => n + b.length, 0));
    let at = 0;
    for (const b of toClient.splice(0)) {
      all.set(b, at);
      at += b.length;
    }
    return all;
  };
  return { broker, client, exchange };
}

const record = (value: string) => ({ key: null, value: new TextEncoder().encode(value), timestamp: 1 });

describe("ClientConnection", () => {
  it("negotiates the highest common version of each API with loglab's server", async () => {
    const { client, exchange } = await pair();
    const id = client.send(apiKeys.ApiVersions, 3, { clientSoftwareName: "loglab", clientSoftwareVersion: "0" });
    const [answer] = client.receive(await exchange());
    expect(answer!.correlationId).toBe(id);
    const versions = negotiateVersions(answer!.body as ApiVersionsResponse);
    // loglab serve advertises Metadata 0–12 and Fetch 4–12; this client speaks Metadata 1–12 and Fetch 4–12.
    expect(versions.get(apiKeys.Metadata)).toBe(12);
    expect(versions.get(apiKeys.Fetch)).toBe(12);
    expect(versions.get(apiKeys.Produce)).toBe(11);
    for (const [key, version] of versions) {
      const ours = CLIENT_VERSIONS.get(key)!;
      expect(version).toBeGreaterThanOrEqual(ours.min);
      expect(version).toBeLessThanOrEqual(ours.max);
    }
  });

  it("leaves out an API with no common version and takes the broker's lower maximum", () => {
    const versions = negotiateVersions({
      errorCode: 0,
      apiKeys: [
        { apiKey: apiKeys.Fetch, minVersion: 13, maxVersion: 17 },
        { apiKey: apiKeys.Produce, minVersion: 0, maxVersion: 7 },
        { apiKey: 9999, minVersion: 0, maxVersion: 3 },
      ],
    });
    expect([...versions]).toEqual([[apiKeys.Produce, 7]]);
  });

  it("produces and fetches in older versions (Metadata v4, Produce v7) and flexible ones (Fetch v12, header v2), the bytes split anywhere", async () => {
    const { client, exchange } = await pair();
    client.send(apiKeys.Metadata, 4, { topics: [{ name: "t" }], allowAutoTopicCreation: true });
    client.send(apiKeys.Produce, 7, {
      transactionalId: null, acks: -1, timeoutMs: 1000, topicData: [{ name: "t", partitionData: [{ index: 1, records: encodeBatch({ records: [record("a"), record("b")] }) }] }],
    });
    // The server runs requests concurrently (answering in order): the fetch goes once the produce is answered.
    const first = await exchange();
    client.send(apiKeys.Fetch, 12, {
      replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1, forgottenTopicsData: [], rackId: "",
      topics: [{ topic: "t", partitions: [{ partition: 1, fetchOffset: 0n, currentLeaderEpoch: -1, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
    });
    const second = await exchange();
    const bytes = new Uint8Array(first.length + second.length);
    bytes.set(first);
    bytes.set(second, first.length);
    // One byte at a time: nothing completes early, everything completes in order.
    const answers = [];
    for (let i = 0; i < bytes.length; i++) answers.push(...client.receive(bytes.subarray(i, i + 1)));
    expect(answers.map((a) => [a.apiKey, a.apiVersion])).toEqual([[apiKeys.Metadata, 4], [apiKeys.Produce, 7], [apiKeys.Fetch, 12]]);
    expect((answers[0]!.body as MetadataResponse).topics[0]!.partitions).toHaveLength(2);
    const produced = (answers[1]!.body as ProduceResponse).responses[0]!.partitionResponses[0]!;
    expect([produced.errorCode, produced.baseOffset]).toEqual([0, 0n]);
    const fetched = (answers[2]!.body as FetchResponse).responses[0]!.partitions[0]!;
    expect(fetched.highWatermark).toBe(2n);
    expect(decodeBatches(fetched.records!).flatMap((b) => b.records.map((r) => new TextDecoder().decode(r.value!)))).toEqual(["a", "b"]);
    expect(client.inFlight).toBe(0);
  });

  it("writes no more than inFlightMax requests before answers come, and awaits none for acks=0", async () => {
    const { client } = await pair(2);
    for (let i = 0; i < 3; i++) client.send(apiKeys.Metadata, 12, { topics: [{ name: `m${i}`, topicId: "00000000-0000-0000-0000-000000000000" }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false });
    expect(client.pollTransmit()).not.toBeNull();
    expect(client.pollTransmit()).not.toBeNull();
    expect(client.pollTransmit()).toBeNull();
    expect([client.inFlight, client.queued]).toEqual([2, 1]);
    const noAnswer = new ClientConnection({ clientId: "acks0", inFlightMax: 1 });
    noAnswer.send(apiKeys.Produce, 9, { transactionalId: null, acks: 0, timeoutMs: 1, topicData: [] }, false);
    noAnswer.send(apiKeys.Produce, 9, { transactionalId: null, acks: 0, timeoutMs: 1, topicData: [] }, false);
    expect(noAnswer.pollTransmit()?.answered).toBe(false);
    expect(noAnswer.pollTransmit()?.answered).toBe(false);
    expect(noAnswer.inFlight).toBe(0);
  });

  it("refuses a response whose correlation id is not the oldest awaited", async () => {
    const { client, exchange } = await pair();
    client.send(apiKeys.Metadata, 9, { topics: [{ name: "x" }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false });
    const bytes = await exchange();
    const other = new ClientConnection({ clientId: "other" });
    other.send(apiKeys.Metadata, 9, { topics: [], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false });
    other.send(apiKeys.Metadata, 9, { topics: [], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false });
    other.pollTransmit();
    other.pollTransmit();
    other.receive(bytes); // correlation 0 answers its first request
    expect(() => other.receive(bytes)).toThrow(WireFormatError);
    expect(() => new ClientConnection({ clientId: "idle" }).receive(bytes)).toThrow(/answers no request/);
  });

  it("reads KIP-511's v0 answer (error 35 and the broker's range) to an ApiVersions version the broker lacks", () => {
    const client = new ClientConnection({ clientId: "c" });
    const id = client.send(apiKeys.ApiVersions, 3, { clientSoftwareName: "loglab", clientSoftwareVersion: "0" });
    client.pollTransmit();
    const body = encodeApiVersionsResponse(0, { errorCode: 35, apiKeys: [{ apiKey: apiKeys.ApiVersions, minVersion: 0, maxVersion: 2 }] });
    const w = new Writer();
    w.int32(4 + body.length);
    w.int32(id);
    w.raw(body);
    const [answer] = client.receive(w.finish());
    expect(answer!.body).toEqual({ errorCode: 35, apiKeys: [{ apiKey: apiKeys.ApiVersions, minVersion: 0, maxVersion: 2 }] });
  });
});
