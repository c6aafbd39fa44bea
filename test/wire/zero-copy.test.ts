// A Fetch answer's records go to the socket as the log's own bytes: the Writer keeps large raw() inputs by
// reference, the frame comes out as pieces whose concatenation is the frame encodeResponseFrame makes, and the
// connection hands those pieces to the shell. A large request read in many pieces is joined once, and the bytes a
// started request holds are never overwritten by later reads.

import { describe, expect, it } from "vitest";
import {
  decodeResponseFrame, encodeRequestFrame, encodeResponseFrame, encodeResponseFrameChunks, PendingBytes, readFrame,
} from "../../src/wire/framing.ts";
import { Connection, type RequestHandler, type WireRequest } from "../../src/wire/connection.ts";
import { apiKeys, type FetchRequest, type FetchResponse } from "../../src/wire/generated/index.ts";
import { Writer, writerReferencedBytesMin } from "../../src/wire/primitives.ts";
import { WindowPool } from "../../src/log/index.ts";
import { concat as concatBytes, sameBytes as same } from "../support/bytes.ts";

const concat = (parts: readonly Uint8Array[]): Uint8Array => concatBytes(...parts);

const patterned = (length: number, seed: number) => Uint8Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff);

function fetchAnswer(v: number, records: Uint8Array[]): FetchResponse {
  return {
    throttleTimeMs: 0, errorCode: 0, sessionId: 0,
    responses: [{
      ...(v >= 13 ? { topicId: "a0a1a2a3-b0b1-c0c1-d0d1-e0e1e2e3e4e5" } : { topic: "orders" }),
      partitions: records.map((bytes, partitionIndex) => ({
        partitionIndex, errorCode: 0, highWatermark: 10n, lastStableOffset: 10n, logStartOffset: 0n, abortedTransactions: null,
        preferredReadReplica: -1, records: bytes,
      })),
    }],
  };
}

describe("Writer pieces", () => {
  it("keeps raw() bytes from writerReferencedBytesMin on by reference, copies smaller ones, and finish() joins them", () => {
    const big = patterned(writerReferencedBytesMin, 1);
    const small = patterned(writerReferencedBytesMin - 1, 2);
    const w = new Writer();
    w.int32(7);
    w.raw(big);
    w.raw(small);
    w.int16(9);
    const chunks = w.chunks();
    expect(chunks).toHaveLength(3);
    expect(chunks[1]).toBe(big);
    expect(w.size).toBe(4 + big.length + small.length + 2);
    expect(same(w.finish(), concat(chunks))).toBe(true);
    expect(same(concat(chunks).subarray(4, 4 + big.length), big)).toBe(true);
    expect(same(concat(chunks).subarray(4 + big.length, 4 + big.length + small.length), small)).toBe(true);
  });

  it("int32At refuses a place at or past bytes kept by reference (a size prefix goes first)", () => {
    const w = new Writer();
    w.int32(0);
    w.raw(patterned(writerReferencedBytesMin, 3));
    w.int32(0);
    expect(() => w.int32At(2, 1)).toThrow(RangeError);
    w.int32At(0, 1);
    expect(w.finish()[3]).toBe(1);
  });
});

describe("Fetch answers in pieces", () => {
  for (const v of [4, 11, 12, 13, 17]) {
    it(`v${v}: the pieces join to encodeResponseFrame's frame, and the records are the answer's own arrays`, () => {
      const records = [patterned(100_000, 4), patterned(10, 5), patterned(70_000, 6)];
      const body = fetchAnswer(v, records);
      const chunks = encodeResponseFrameChunks(apiKeys.Fetch, v, { correlationId: 42 }, body);
      const frame = encodeResponseFrame(apiKeys.Fetch, v, { correlationId: 42 }, body);
      expect(same(concat(chunks), frame)).toBe(true);
      expect(chunks).toContain(records[0]);
      expect(chunks).toContain(records[2]);
      // Nothing but the small parts was copied: the frame's own bytes are a few hundred, not the records' 170 kB.
      const own = chunks.filter((c) => !records.some((r) => r === c)).reduce((n, c) => n + c.length, 0);
      expect(own).toBeLessThan(1000);
      const decoded = decodeResponseFrame(apiKeys.Fetch, v, readFrame(frame)!.frame).body as FetchResponse;
      expect(decoded.responses[0]!.partitions.map((p, i) => same(p.records!, records[i]!))).toEqual([true, true, true]);
    });
  }
});

class FetchHandler implements RequestHandler {
  constructor(private readonly records: Uint8Array) {}
  handle(request: WireRequest): Promise<object | null> {
    return Promise.resolve(fetchAnswer(request.header.apiVersion, [this.records]));
  }
  unsupported(): object | null {
    return null;
  }
}

const fetchRequest = (correlationId: number): Uint8Array =>
  encodeRequestFrame({ apiKey: apiKeys.Fetch, apiVersion: 12, correlationId, clientId: "t" }, {
    replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
    topics: [{ topic: "orders", partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
    forgottenTopicsData: [], rackId: "",
  } satisfies FetchRequest);

describe("Connection", () => {
  it("with sendChunks, hands on the frame's pieces with the log's records in them uncopied; with send, one array", async () => {
    const records = patterned(50_000, 7);
    const pieces: (readonly Uint8Array[])[] = [];
    const chunked = new Connection({ handler: new FetchHandler(records), sendChunks: (chunks) => pieces.push(chunks) });
    const whole: Uint8Array[] = [];
    const plain = new Connection({ handler: new FetchHandler(records), send: (bytes) => whole.push(bytes) });
    chunked.receive(fetchRequest(5));
    plain.receive(fetchRequest(5));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(pieces).toHaveLength(1);
    expect(pieces[0]).toContain(records);
    expect(same(concat(pieces[0]!), whole[0]!)).toBe(true);
  });

  it("gives records lent from a pooled window back only once the shell says it wrote them, or when they will never be sent", async () => {
    const pool = new WindowPool(1 << 20);
    const lent = () => {
      const pooled = pool.take(50_000);
      const view = pooled.bytes.subarray(0, 50_000);
      view.set(patterned(50_000, 9));
      pooled.lend(view);
      return view;
    };
    const writes: (() => void)[] = [];
    const connection = new Connection({ handler: new FetchHandler(lent()), sendChunks: (_chunks, written) => writes.push(written) });
    connection.receive(fetchRequest(5));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(writes).toHaveLength(1);
    expect(pool.freeBytes).toBe(0); // still the socket's to write
    writes[0]!();
    expect(pool.freeBytes).toBeGreaterThan(0);

    // A response finished after its connection closed is never sent: its bytes go back at once.
    const pending = lent(); // takes the buffer the pool got back
    expect(pool.freeBytes).toBe(0);
    let finish = (): void => {};
    const slow: RequestHandler = {
      handle: () => new Promise((resolve) => (finish = () => resolve(fetchAnswer(5, [pending])))),
      unsupported: () => null,
    };
    const closing = new Connection({ handler: slow, sendChunks: () => expect.unreachable("a closed connection sends nothing") });
    closing.receive(fetchRequest(5));
    expect(closing.receive(Uint8Array.of(0, 0, 0, 1, 0xff)).kind).toBe("close");
    finish();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(pool.freeBytes).toBeGreaterThan(0);
  });

  it("a request read in many small pieces starts once, whole", async () => {
    const started: WireRequest[] = [];
    const handler: RequestHandler = { handle: (r) => (started.push(r), Promise.resolve(null)), unsupported: () => null };
    const connection = new Connection({ handler, send: () => {} });
    const frame = fetchRequest(9);
    for (let at = 0; at < frame.length; at += 7) expect(connection.receive(frame.slice(at, at + 7)).kind).toBe("ok");
    expect(started).toHaveLength(1);
    expect((started[0]!.body as FetchRequest).topics[0]!.topic).toBe("orders");
  });
});

describe("PendingBytes", () => {
  it("joins a large frame read in pieces, keeps no view of the reads' memory, and never overwrites bytes handed out", () => {
    const frameOf = (length: number, seed: number) => {
      const frame = new Uint8Array(4 + length);
      new DataView(frame.buffer).setInt32(0, length);
      frame.set(patterned(length, seed), 4);
      return frame;
    };
    const first = frameOf(300_000, 9);
    const second = frameOf(1000, 10);
    const stream = concat([first, second]);
    const pending = new PendingBytes(1 << 20);
    const handedOut: { view: Uint8Array; copy: Uint8Array }[] = [];
    for (let at = 0; at < stream.length; at += 65_536) {
      const chunk = stream.slice(at, at + 65_536);
      pending.append(chunk);
      let offset = 0;
      for (let found = readFrame(pending.bytes, offset); found !== null; found = readFrame(pending.bytes, offset)) {
        handedOut.push({ view: found.frame, copy: found.frame.slice() });
        offset = found.next;
      }
      pending.consume(offset);
      pending.release();
      chunk.fill(0xee); // the socket reuses its memory: nothing kept may be a view of it
    }
    expect(pending.size).toBe(0);
    expect(handedOut).toHaveLength(2);
    expect(same(handedOut[0]!.copy, first.subarray(4)) && same(handedOut[1]!.copy, second.subarray(4))).toBe(true);
    for (const { view, copy } of handedOut) expect(same(view, copy)).toBe(true);
  });
});
