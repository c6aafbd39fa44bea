// The wasm core against the plain TypeScript reference in test/reference:
// CRC-32C, zigzag varlongs and whole-batch encoding agree on random input.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { crc32c, decodeBatches, encodeBatch, validateBatches } from "../../src/index.ts";
import { core, memoryViews, reserve, scratchBase } from "../../src/format/wasm-core.ts";
import { referenceCrc32c } from "../reference/crc32c.ts";
import { referenceDecodeBatch, referenceEncodeBatch } from "../reference/record-batch.ts";
import { referenceDecodeVarlong, referenceEncodeVarlong } from "../reference/varint.ts";
import { asBytes, batchArbitrary } from "../support/arbitraries.ts";
import { toHex } from "../support/hex.ts";

describe("CRC-32C: wasm slicing-by-16 = bitwise reference", () => {
  it("on random buffers of every length class, at every alignment", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(15), fc.nat(), (bytes, shift, previous) => {
        const shifted = new Uint8Array(bytes.length + shift);
        shifted.set(bytes, shift);
        const view = shifted.subarray(shift);
        expect(crc32c(view)).toBe(referenceCrc32c(bytes));
        expect(crc32c(view, previous >>> 0)).toBe(referenceCrc32c(bytes, previous >>> 0));
      }),
      { numRuns: 300 },
    );
  });

  it("on a 1 MiB buffer", () => {
    const bytes = new Uint8Array(1 << 20);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24;
    expect(crc32c(bytes)).toBe(referenceCrc32c(bytes));
  });
});

function wasmEncodeVarlong(value: bigint): Uint8Array {
  reserve(16);
  const length = core.encodeVarlong(scratchBase, value);
  return memoryViews.u8.slice(scratchBase, scratchBase + length);
}

function wasmDecodeVarlong(bytes: Uint8Array): [bigint, number] | null {
  reserve(bytes.length);
  memoryViews.u8.set(bytes, scratchBase);
  const value = core.decodeVarlong(scratchBase, scratchBase + bytes.length);
  const length = core.lastVarintLength();
  return length < 0 ? null : [value, length];
}

describe("zigzag varlongs: wasm = reference", () => {
  const edges = [0n, 1n, -1n, 63n, -64n, 64n, 8191n, -8192n, 2n ** 31n - 1n, -(2n ** 31n), 2n ** 63n - 1n, -(2n ** 63n)];

  it("encode the edge values and random int64s alike", () => {
    for (const value of edges) expect(toHex(wasmEncodeVarlong(value))).toBe(toHex(referenceEncodeVarlong(value)));
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (value) => {
        expect(toHex(wasmEncodeVarlong(value))).toBe(toHex(referenceEncodeVarlong(value)));
      }),
    );
  });

  it("decode any byte string alike, including truncated and over-long ones", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 12 }), (bytes) => {
        expect(wasmDecodeVarlong(bytes)).toEqual(referenceDecodeVarlong(bytes));
      }),
      { numRuns: 2000 },
    );
  });
});

describe("RecordBatch: wasm encoder = reference encoder", () => {
  it("encodes random batches to the same bytes", () => {
    fc.assert(
      fc.property(batchArbitrary(20), (input) => {
        const bytes = encodeBatch(input);
        const decoded = referenceDecodeBatch(bytes);
        expect(toHex(referenceEncodeBatch(decoded))).toBe(toHex(bytes));
        // and the reference decodes exactly what was asked for
        expect(decoded.records.map((r) => [toHex(r.key), toHex(r.value), r.headers.length])).toEqual(
          input.records.map((r) => [toHex(asBytes(r.key)), toHex(asBytes(r.value)), r.headers?.length ?? 0]),
        );
      }),
      { numRuns: 150 },
    );
  });

  it("decodes what the reference encodes", () => {
    fc.assert(
      fc.property(batchArbitrary(20), (input) => {
        const reference = referenceDecodeBatch(encodeBatch(input));
        const [batch] = decodeBatches(referenceEncodeBatch(reference));
        expect(batch!.records.map((r) => [r.offsetDelta, r.timestampDelta, toHex(r.key), toHex(r.value)])).toEqual(
          reference.records.map((r) => [r.offsetDelta, r.timestampDelta, toHex(r.key), toHex(r.value)]),
        );
      }),
      { numRuns: 100 },
    );
  });
});

describe("offset deltas: wasm validator = reference decoder", () => {
  const deltaBatch = (deltas: readonly number[], lastOffsetDelta: number) => referenceEncodeBatch({
    baseOffset: 100, partitionLeaderEpoch: -1, attributes: 0, lastOffsetDelta,
    baseTimestamp: 0, maxTimestamp: 0, producerId: -1, producerEpoch: -1, baseSequence: -1,
    records: deltas.map((offsetDelta) => ({ offsetDelta, timestampDelta: 0, key: null, value: Uint8Array.of(offsetDelta & 0xff), headers: [] })),
  });
  const referenceAccepts = (bytes: Uint8Array) => {
    try {
      referenceDecodeBatch(bytes);
      return true;
    } catch {
      return false;
    }
  };

  it("refuse the same batches: deltas that repeat, go back, start below 0 or pass lastOffsetDelta", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -2, max: 12 }), { maxLength: 8 }), fc.integer({ min: -1, max: 12 }), (deltas, lastOffsetDelta) => {
        const bytes = deltaBatch(deltas, lastOffsetDelta);
        const error = validateBatches(bytes).error;
        expect(error === null).toBe(referenceAccepts(bytes));
        if (error !== null) expect(error.reason).toBe("offset-delta-invalid");
      }),
      { numRuns: 500 },
    );
  });

  it("accept the gaps compaction leaves", () => {
    const bytes = deltaBatch([0, 3, 9], 11);
    expect(validateBatches(bytes).error).toBeNull();
    expect(decodeBatches(bytes)[0]!.records.map((r) => r.offset)).toEqual([100, 103, 109]);
  });
});
