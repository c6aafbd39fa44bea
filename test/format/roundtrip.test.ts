// Encode then decode gives back every field of every record: null and empty
// keys and values, tombstones, headers, huge and tiny values, 1 to 10 000 records.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type BatchInput, decodeBatches, encodeBatch, type RecordBatch } from "../../src/index.ts";
import { asBytes, batchArbitrary } from "../support/arbitraries.ts";
import { toHex } from "../support/hex.ts";

function expectSameRecords(input: BatchInput, batch: RecordBatch): void {
  const baseOffset = input.baseOffset ?? 0;
  const logAppendTime = input.timestampType === "log-append-time";
  expect(batch.records.length).toBe(input.records.length);
  input.records.forEach((record, i) => {
    const decoded = batch.records[i]!;
    expect(decoded.offset).toBe(baseOffset + (record.offsetDelta ?? i));
    expect(decoded.timestamp).toBe(logAppendTime ? batch.maxTimestamp : record.timestamp);
    expect(toHex(decoded.key)).toBe(toHex(asBytes(record.key)));
    expect(toHex(decoded.value)).toBe(toHex(asBytes(record.value)));
    expect(decoded.headers.map((h) => [h.key, toHex(h.value)])).toEqual(
      (record.headers ?? []).map((h) => [h.key, toHex(asBytes(h.value))]),
    );
  });
}

describe("encode → decode round trip", () => {
  it("keeps every field of random batches", () => {
    fc.assert(
      fc.property(batchArbitrary(30), (input) => {
        const [batch, ...rest] = decodeBatches(encodeBatch(input));
        expect(rest).toHaveLength(0);
        expect(batch).toMatchObject({
          baseOffset: input.baseOffset,
          lastOffset: input.baseOffset! + input.records.length - 1,
          partitionLeaderEpoch: input.partitionLeaderEpoch,
          producerId: input.producerId,
          producerEpoch: input.producerEpoch,
          baseSequence: input.baseSequence,
          isTransactional: input.isTransactional,
          timestampType: input.timestampType,
          baseTimestamp: input.records[0]!.timestamp,
          maxTimestamp: Math.max(...input.records.map((r) => r.timestamp!)),
        });
        expectSameRecords(input, batch!);
      }),
      { numRuns: 200 },
    );
  });

  it("keeps many batches back to back apart", () => {
    fc.assert(
      fc.property(fc.array(batchArbitrary(5), { minLength: 1, maxLength: 8 }), (inputs) => {
        const parts = inputs.map((input) => encodeBatch(input));
        const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
        parts.reduce((position, part) => (all.set(part, position), position + part.length), 0);
        const batches = decodeBatches(all);
        expect(batches).toHaveLength(inputs.length);
        inputs.forEach((input, i) => expectSameRecords(input, batches[i]!));
      }),
      { numRuns: 50 },
    );
  });

  it("writes strings as UTF-8", () => {
    const [batch] = decodeBatches(encodeBatch({
      baseTimestamp: 5,
      records: [{ key: "clé", value: "zürich ☃ 𝄞", headers: [{ key: "trace-id", value: "ü" }] }],
    }));
    const record = batch!.records[0]!;
    expect(new TextDecoder().decode(record.key!)).toBe("clé");
    expect(new TextDecoder().decode(record.value!)).toBe("zürich ☃ 𝄞");
    expect(new TextDecoder().decode(record.headers[0]!.value!)).toBe("ü");
  });

  it("keeps a 1-record batch with an empty key, a null value and no headers", () => {
    const input = { baseTimestamp: 1, records: [{ key: new Uint8Array(0), value: null, timestamp: 1 }] };
    const [batch] = decodeBatches(encodeBatch(input));
    expect(batch!.records[0]!.key).toEqual(new Uint8Array(0));
    expect(batch!.records[0]!.value).toBeNull();
    expect(batch!.records[0]!.headers).toEqual([]);
  });

  it("keeps a 10 000-record batch", () => {
    const input: BatchInput = {
      baseOffset: 123_456,
      records: Array.from({ length: 10_000 }, (_, i) => ({
        key: i % 7 === 0 ? null : new TextEncoder().encode(`key-${i}`),
        value: i % 11 === 0 ? null : new Uint8Array(i % 200).fill(i & 0xff),
        timestamp: 1_700_000_000_000 + (i % 97) - 40,
        headers: i % 13 === 0 ? [{ key: "n", value: new Uint8Array([i & 0xff]) }] : [],
      })),
    };
    const [batch] = decodeBatches(encodeBatch(input));
    expect(batch!.lastOffset).toBe(123_456 + 9_999);
    expectSameRecords(input, batch!);
  });

  it("keeps huge values (4 MiB) intact", () => {
    const huge = new Uint8Array(4 << 20);
    for (let i = 0; i < huge.length; i++) huge[i] = (i * 31) & 0xff;
    const [batch] = decodeBatches(encodeBatch({ baseTimestamp: 0, records: [{ value: huge }, { value: new Uint8Array(1) }] }));
    const value = batch!.records[0]!.value!;
    expect(value.length).toBe(huge.length);
    expect(value.findIndex((byte, i) => byte !== huge[i])).toBe(-1);
    expect(batch!.records[1]!.value).toEqual(new Uint8Array(1));
  });

  it("keeps gaps in offset deltas, as compaction leaves them", () => {
    const input = {
      baseOffset: 10,
      baseTimestamp: 0,
      lastOffsetDelta: 9,
      records: [{ value: "a", offsetDelta: 2 }, { value: "b", offsetDelta: 7 }],
    };
    const [batch] = decodeBatches(encodeBatch(input));
    expect(batch!.records.map((r) => r.offset)).toEqual([12, 17]);
    expect(batch!.lastOffset).toBe(19);
  });
});

describe("encoding into a caller's buffer", () => {
  it("gives the same bytes as a fresh array, as a view of that buffer", () => {
    const batch = { baseTimestamp: 7, records: [{ key: "k", value: "v" }, { value: null }] };
    const buffer = new Uint8Array(1024).fill(0xee);
    const view = encodeBatch(batch, { into: buffer });
    expect(view.buffer).toBe(buffer.buffer);
    expect(view).toEqual(encodeBatch(batch));
    expect(buffer[view.length]).toBe(0xee);
  });

  it("refuses a buffer too small for the batch, naming it", () => {
    expect(() => encodeBatch({ baseTimestamp: 0, records: [{ value: "x".repeat(100) }] }, { into: new Uint8Array(64) })).toThrow(
      /exceeds the target buffer \(into\)=64/,
    );
  });
});
