// The fault layer and the trace recorder driven by hand, without sockets: virtual time decides when a delayed or
// paused answer goes out, a seed decides which requests a probability hits, and a trace summarises record batches.

import { describe, expect, it } from "vitest";
import { encodeBatch } from "../../src/index.ts";
import { ManualScheduler, settle } from "../../src/runtime/index.ts";
import {
  apiKeys, type FaultInjection, FaultInjector, type FaultSpec, InjectedCloseError, type RequestHandler, summariseBody, type WireRequest,
  wireApisByKey, WireTraceRecorder,
} from "../../src/wire/index.ts";

let correlation = 0;
function request(apiKey: number, body: object = {}): WireRequest {
  return { header: { apiKey, apiVersion: 3, correlationId: ++correlation, clientId: "hand" }, api: wireApisByKey.get(apiKey)!, body };
}

/** A handler that records what it applied and answers at once. */
function innerHandler(): RequestHandler & { applied: number[] } {
  const applied: number[] = [];
  return {
    applied,
    handle: (r) => {
      applied.push(r.header.correlationId);
      return Promise.resolve({ answered: r.header.correlationId });
    },
    unsupported: () => null,
  };
}

function setUp(spec: FaultSpec) {
  const scheduler = new ManualScheduler();
  const injections: FaultInjection[] = [];
  const injector = new FaultInjector({ scheduler, onInjection: (i) => injections.push(i) }, spec);
  const inner = innerHandler();
  return { scheduler, injections, inner, handler: injector.wrap(inner, 1) };
}

/** Whether the promise has settled by now. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => { done = true; }, () => { done = true; });
  await settle();
  return done;
}

describe("the fault layer on virtual time", () => {
  it("holds a delayed answer until its ms have passed", async () => {
    const { scheduler, handler, inner } = setUp({ faults: [{ kind: "delay", only: ["Metadata"], delayMs: [250, 250] }] });
    const answer = handler.handle(request(apiKeys.Metadata));
    expect(await settled(answer)).toBe(false);
    expect(inner.applied).toHaveLength(1);
    await scheduler.advance(249);
    expect(await settled(answer)).toBe(false);
    await scheduler.advance(1);
    expect(await settled(answer)).toBe(true);
  });

  it("pauses every answer for forMs, then resumes", async () => {
    const { scheduler, handler, inner } = setUp({ faults: [{ kind: "pause", only: ["Metadata"], forMs: 1000 }] });
    const first = handler.handle(request(apiKeys.Metadata));
    const other = handler.handle(request(apiKeys.ApiVersions));
    await scheduler.advance(999);
    expect([await settled(first), await settled(other), inner.applied.length]).toEqual([false, false, 0]);
    await scheduler.advance(1);
    expect([await settled(first), await settled(other), inner.applied.length]).toEqual([true, true, 2]);
  });

  it("loses the answer after applying the request, and closes", async () => {
    const { handler, inner, injections } = setUp({ faults: [{ kind: "loseAnswer" }] });
    const r = request(apiKeys.Metadata);
    await expect(handler.handle(r)).rejects.toBeInstanceOf(InjectedCloseError);
    expect(inner.applied).toEqual([r.header.correlationId]);
    expect(injections).toMatchObject([{ kind: "loseAnswer", fault: 0, connection: 1, api: "Metadata", correlationId: r.header.correlationId }]);
    // Once (the default): the next request is answered.
    await expect(handler.handle(request(apiKeys.Metadata))).resolves.toMatchObject({});
  });

  it("hits the same requests for the same seed, and others for another seed", async () => {
    const pattern = async (seed: number): Promise<boolean[]> => {
      const { handler } = setUp({ seed, faults: [{ kind: "close", probability: 0.5, times: 1000 }] });
      const outcomes: boolean[] = [];
      for (let i = 0; i < 32; i++) outcomes.push(await handler.handle(request(apiKeys.Metadata)).then(() => false, () => true));
      return outcomes;
    };
    const seven = await pattern(7);
    expect(seven.filter(Boolean).length).toBeGreaterThan(4);
    expect(seven.filter(Boolean).length).toBeLessThan(28);
    expect(await pattern(7)).toEqual(seven);
    expect(await pattern(8)).not.toEqual(seven);
  });

  it("answers a Produce with the error in every partition without applying it, and an acks=0 one with nothing", async () => {
    const { handler, inner } = setUp({ faults: [{ kind: "error", only: ["Produce"], error: "NOT_LEADER_OR_FOLLOWER", times: 2 }] });
    const produce = (acks: number) => request(apiKeys.Produce, { transactionalId: null, acks, timeoutMs: 1000, topicData: [{ name: "t", partitionData: [{ index: 0, records: null }, { index: 2, records: null }] }] });
    expect(await handler.handle(produce(-1))).toMatchObject({
      responses: [{ name: "t", partitionResponses: [{ index: 0, errorCode: 6, baseOffset: -1n }, { index: 2, errorCode: 6, baseOffset: -1n }] }],
    });
    expect(await handler.handle(produce(0))).toBeNull();
    expect(inner.applied).toEqual([]);
    await handler.handle(produce(-1));
    expect(inner.applied).toHaveLength(1);
  });

  it("lets `skip` requests through and stops after `times`", async () => {
    const { handler, injections } = setUp({ faults: [{ kind: "close", only: ["Metadata"], skip: 2, times: 2 }] });
    const outcomes: boolean[] = [];
    for (let i = 0; i < 6; i++) outcomes.push(await handler.handle(request(apiKeys.Metadata)).then(() => false, () => true));
    expect(outcomes).toEqual([false, false, true, true, false, false]);
    expect(injections).toHaveLength(2);
  });
});

describe("the wire trace", () => {
  it("summarises records as their batches, bigints as strings and short bytes as base64", () => {
    const records = encodeBatch({ baseOffset: 7, records: [{ value: new Uint8Array([1]), timestamp: 1 }, { value: new Uint8Array([2]), timestamp: 2 }] });
    expect(summariseBody({ records, producerId: 5n, assignment: new Uint8Array([255, 0]), long: new Uint8Array(100), unknownTaggedFields: [] })).toEqual({
      records: { bytes: records.length, batches: [{ baseOffset: 7, count: 2, bytes: records.length, producerId: -1, producerEpoch: -1, baseSequence: -1 }] },
      producerId: "5", assignment: { base64: "/wA=" }, long: { bytes: 100 },
    });
  });

  it("writes a header, then each request, fault and response in order", async () => {
    const lines: string[] = [];
    const scheduler = new ManualScheduler(1000);
    const recorder = new WireTraceRecorder((line) => lines.push(line), () => scheduler.nowMs(), "127.0.0.1:9092");
    const injector = new FaultInjector({ scheduler, onInjection: (i) => recorder.fault(i) }, { faults: [{ kind: "delay", delayMs: [5, 5] }] });
    const handler = recorder.wrap(injector.wrap(innerHandler(), 4), 4);
    const answer = handler.handle(request(apiKeys.ApiVersions));
    await scheduler.advance(5);
    await answer;
    const [header, ...events] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(header).toEqual({ format: "loglab-wire-trace", version: 1, bootstrap: "127.0.0.1:9092", startedAtMs: 1000 });
    expect(events.map((e) => [e.type, e.atMs, e.connection, e.api])).toEqual([["request", 0, 4, "ApiVersions"], ["fault", 0, 4, "ApiVersions"], ["response", 5, 4, "ApiVersions"]]);
  });
});
