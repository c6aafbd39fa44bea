// The connection core driven by hand: bytes in, in any split; responses out in request order; no answer to acks=0;
// oversized or broken frames and unknown APIs close the connection; ApiVersions and other unsupported versions per
// KIP-511; backpressure (an in-flight limit, no start while the socket is full, reading paused while requests wait).

import { describe, expect, it } from "vitest";
import {
  apiKeys, type ApiVersionsResponse, Connection, decodeApiVersionsResponse, decodeResponseFrame, encodeRequestFrame,
  type InitProducerIdResponse, type MetadataResponse, type ProduceRequest, readFrame, type RequestHandler, type WireRequest, Writer,
} from "../../src/wire/index.ts";

const metadataFrame = (correlationId: number, topic: string): Uint8Array =>
  encodeRequestFrame({ apiKey: apiKeys.Metadata, apiVersion: 4, correlationId, clientId: "test" }, {
    topics: [{ name: topic }], allowAutoTopicCreation: true,
  });

const produceFrame = (correlationId: number, acks: number): Uint8Array =>
  encodeRequestFrame({ apiKey: apiKeys.Produce, apiVersion: 7, correlationId, clientId: null }, {
    transactionalId: null, acks, timeoutMs: 1000, topicData: [{ name: "t", partitionData: [{ index: 0, records: null }] }],
  } satisfies ProduceRequest);

const metadataAnswer = (topic: string): MetadataResponse => ({
  throttleTimeMs: 0, brokers: [], clusterId: null, controllerId: 0, topics: [{ errorCode: 0, name: topic, isInternal: false, partitions: [] }],
});

/** A handler whose answers the test releases one by one, in any order. */
class ManualHandler implements RequestHandler {
  readonly started: { request: WireRequest; answer: (body: object | null) => void }[] = [];
  handle(request: WireRequest): Promise<object | null> {
    return new Promise((resolve) => this.started.push({ request, answer: resolve }));
  }
  unsupported(request: WireRequest, errorCode: number): object | null {
    if (request.header.apiKey !== apiKeys.InitProducerId) return null;
    return { throttleTimeMs: 0, errorCode, producerId: -1n, producerEpoch: -1 } satisfies InitProducerIdResponse;
  }
}

function setUp(requestBytesMax?: number) {
  const handler = new ManualHandler();
  const sent: Uint8Array[] = [];
  const connection = new Connection({ handler, send: (bytes) => sent.push(bytes), ...(requestBytesMax === undefined ? {} : { requestBytesMax }) });
  /** The correlation ids of the responses sent so far. */
  const correlationIds = () => sent.map((bytes) => new DataView(bytes.buffer, bytes.byteOffset).getInt32(4));
  return { handler, sent, connection, correlationIds };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

const concat = (...parts: Uint8Array[]): Uint8Array => {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return all;
};

describe("Connection", () => {
  it("decodes a frame that arrives one byte at a time, and several frames in one chunk", () => {
    const { handler, connection } = setUp();
    const one = metadataFrame(1, "a");
    for (const byte of one) expect(connection.receive(new Uint8Array([byte]))).toEqual({ kind: "ok" });
    expect(handler.started.map((s) => s.request.header.correlationId)).toEqual([1]);
    const both = concat(metadataFrame(2, "b"), metadataFrame(3, "c"), metadataFrame(4, "d").subarray(0, 7));
    expect(connection.receive(both)).toEqual({ kind: "ok" });
    expect(handler.started.map((s) => (s.request.body as { topics: { name: string }[] }).topics[0]!.name)).toEqual(["a", "b", "c"]);
    connection.receive(metadataFrame(4, "d").subarray(7));
    expect(handler.started.map((s) => s.request.header.correlationId)).toEqual([1, 2, 3, 4]);
  });

  it("sends responses in request order when the handler finishes them out of order", async () => {
    const { handler, connection, correlationIds, sent } = setUp();
    connection.receive(concat(metadataFrame(10, "a"), metadataFrame(11, "b"), metadataFrame(12, "c")));
    handler.started[2]!.answer(metadataAnswer("c"));
    handler.started[1]!.answer(metadataAnswer("b"));
    await settle();
    expect(sent).toEqual([]);
    handler.started[0]!.answer(metadataAnswer("a"));
    await settle();
    expect(correlationIds()).toEqual([10, 11, 12]);
    const { body } = decodeResponseFrame(apiKeys.Metadata, 4, readFrame(sent[1]!)!.frame);
    expect((body as MetadataResponse).topics[0]!.name).toBe("b");
    expect(connection.inFlight).toBe(0);
  });

  it("runs at most inFlightMax requests at once and asks the shell to stop reading while whole requests wait", async () => {
    const handler = new ManualHandler();
    const reading: boolean[] = [];
    const sent: Uint8Array[] = [];
    const connection = new Connection({ handler, send: (bytes) => sent.push(bytes), inFlightMax: 2, onReadingChange: (r) => reading.push(r) });
    connection.receive(concat(metadataFrame(1, "a"), metadataFrame(2, "b"), metadataFrame(3, "c"), metadataFrame(4, "d")));
    expect(handler.started.map((s) => s.request.header.correlationId)).toEqual([1, 2]);
    expect(reading).toEqual([false]);
    handler.started[0]!.answer(metadataAnswer("a"));
    await settle();
    // The first answer went out and freed a slot: the third request starts, the fourth still waits.
    expect(handler.started.map((s) => s.request.header.correlationId)).toEqual([1, 2, 3]);
    expect(reading).toEqual([false]);
    handler.started[1]!.answer(metadataAnswer("b"));
    await settle();
    expect(handler.started.map((s) => s.request.header.correlationId)).toEqual([1, 2, 3, 4]);
    expect(reading).toEqual([false, true]);
  });

  it("starts no request while the shell's socket cannot take more bytes, and goes on when it can", async () => {
    const handler = new ManualHandler();
    const reading: boolean[] = [];
    const blocked = new Connection({ handler, send: () => {}, onReadingChange: (r) => reading.push(r) });
    blocked.setWriteBlocked(true);
    expect(reading).toEqual([false]);
    expect(blocked.receive(concat(metadataFrame(5, "a"), metadataFrame(6, "b")))).toEqual({ kind: "ok" });
    expect(handler.started).toEqual([]);
    blocked.setWriteBlocked(false);
    expect(handler.started.map((s) => s.request.header.correlationId)).toEqual([5, 6]);
    expect(reading).toEqual([false, true]);
    // A malformed request found once the socket drains closes the connection through onClose.
    const closed: string[] = [];
    const later = new Connection({ handler, send: () => {}, onClose: (reason) => closed.push(reason) });
    later.setWriteBlocked(true);
    expect(later.receive(new Uint8Array([0, 0, 0, 2, 0xff, 0xff]))).toEqual({ kind: "ok" });
    later.setWriteBlocked(false);
    expect(closed).toHaveLength(1);
    expect(later.closedReason).toMatch(/malformed request/);
  });

  it("sends nothing for a Produce with acks=0, and the next response still goes out", async () => {
    const { handler, connection, correlationIds } = setUp();
    connection.receive(concat(produceFrame(20, 0), metadataFrame(21, "a")));
    expect(handler.started.map((s) => s.request.header.apiKey)).toEqual([apiKeys.Produce, apiKeys.Metadata]);
    handler.started[1]!.answer(metadataAnswer("a"));
    handler.started[0]!.answer(null);
    await settle();
    expect(correlationIds()).toEqual([21]);
  });

  it("closes when a handler fails, and sends nothing after", async () => {
    const closed: string[] = [];
    const sent: Uint8Array[] = [];
    const connection = new Connection({
      handler: { handle: () => Promise.reject(new Error("boom")), unsupported: () => null },
      send: (bytes) => sent.push(bytes),
      onClose: (reason) => closed.push(reason),
    });
    expect(connection.receive(metadataFrame(1, "a"))).toEqual({ kind: "ok" });
    await settle();
    expect(closed).toEqual(["Metadata v4 failed: boom"]);
    expect(connection.closedReason).toBe("Metadata v4 failed: boom");
    expect(connection.receive(metadataFrame(2, "b")).kind).toBe("close");
    expect(sent).toEqual([]);
  });

  it("closes on a frame over the size limit as soon as its size is read", () => {
    const { handler, connection } = setUp(100);
    const w = new Writer();
    w.int32(101);
    expect(connection.receive(w.finish())).toEqual({ kind: "close", reason: expect.stringMatching(/over the limit of 100/) });
    expect(handler.started).toEqual([]);
    expect(connection.receive(metadataFrame(1, "a")).kind).toBe("close");
  });

  it("closes on garbage, a truncated body and an API key it does not speak", () => {
    const garbage = setUp();
    expect(garbage.connection.receive(new Uint8Array([0xff, 0xff, 0xff, 0xfe, 1, 2, 3])).kind).toBe("close");
    const truncated = setUp();
    const frame = metadataFrame(1, "a");
    const w = new Writer();
    w.int32(frame.length - 4 - 3);
    w.raw(frame.subarray(4, frame.length - 3));
    expect(truncated.connection.receive(w.finish())).toEqual({ kind: "close", reason: expect.stringMatching(/malformed request/) });
    const unknown = setUp();
    const u = new Writer();
    u.int32(10);
    u.int16(999);
    u.int16(0);
    u.int32(5);
    u.int16(-1);
    expect(unknown.connection.receive(u.finish())).toEqual({ kind: "close", reason: "API key 999 is not one loglab speaks" });
    expect(unknown.handler.started).toEqual([]);
  });

  it("answers ApiVersions of an unknown version in v0 with UNSUPPORTED_VERSION and the ranges (KIP-511)", () => {
    const { connection, sent, handler } = setUp();
    const w = new Writer();
    w.int32(0);
    w.int16(apiKeys.ApiVersions);
    w.int16(99);
    w.int32(7);
    w.string("future-client", false);
    w.unsignedVarint(0); // header tagged fields
    w.raw(new Uint8Array([0x42, 0x42, 0x42])); // a body this server cannot know
    w.int32At(0, w.size - 4);
    expect(connection.receive(w.finish())).toEqual({ kind: "ok" });
    expect(handler.started).toEqual([]);
    const frame = readFrame(sent[0]!)!.frame;
    expect(new DataView(frame.buffer, frame.byteOffset).getInt32(0)).toBe(7);
    const body: ApiVersionsResponse = decodeApiVersionsResponse(0, frame.subarray(4));
    expect(body.errorCode).toBe(35);
    expect(body.apiKeys.find((k) => k.apiKey === apiKeys.ApiVersions)).toEqual({ apiKey: 18, minVersion: 0, maxVersion: 4 });
  });

  it("answers a version it reads but does not serve with UNSUPPORTED_VERSION in the error field, else closes", () => {
    const { connection, sent, handler } = setUp();
    // InitProducerId v5 is in the schema (v0–v6) but not served (v0–v4).
    const frame = encodeRequestFrame({ apiKey: apiKeys.InitProducerId, apiVersion: 5, correlationId: 3, clientId: null }, {
      transactionalId: null, transactionTimeoutMs: 1000, producerId: -1n, producerEpoch: -1,
    });
    expect(connection.receive(frame)).toEqual({ kind: "ok" });
    expect(handler.started).toEqual([]);
    const { body } = decodeResponseFrame(apiKeys.InitProducerId, 5, readFrame(sent[0]!)!.frame);
    expect((body as InitProducerIdResponse).errorCode).toBe(35);
    const fetch = encodeRequestFrame({ apiKey: apiKeys.Fetch, apiVersion: 18, correlationId: 4, clientId: null }, {
      maxWaitMs: 0, minBytes: 1, maxBytes: 1, isolationLevel: 0, sessionId: 0, sessionEpoch: -1, topics: [], forgottenTopicsData: [], rackId: "",
    });
    expect(connection.receive(fetch)).toEqual({ kind: "close", reason: "Fetch v18 is not served (v4–17)" });
  });
});
