// Every case in test/vectors (bytes from kafka-python, not from loglab):
// CRC-32C values, and each RecordBatch decoded field for field and re-encoded
// byte for byte.

import { describe, expect, it } from "vitest";
import { crc32c, decodeBatches, encodeBatch, validateBatches } from "../../src/index.ts";
import { fromHex, toHex } from "../support/hex.ts";
import crcVectors from "../vectors/crc32c.json" with { type: "json" };
import batchVectors from "../vectors/record-batches.json" with { type: "json" };

describe("CRC-32C vectors", () => {
  it.each(crcVectors.cases.map((c) => [c.hex.slice(0, 16) + (c.hex.length > 16 ? "…" : ""), c] as const))(
    "crc32c(%s) matches",
    (_, vector) => {
      expect(crc32c(fromHex(vector.hex))).toBe(vector.crc32c);
    },
  );

  it("chains: crc32c(b, crc32c(a)) = crc32c(a ++ b) on every vector split", () => {
    for (const vector of crcVectors.cases) {
      const bytes = fromHex(vector.hex);
      for (const split of [0, 1, Math.floor(bytes.length / 2), bytes.length]) {
        if (split > bytes.length) continue;
        expect(crc32c(bytes.subarray(split), crc32c(bytes.subarray(0, split)))).toBe(vector.crc32c);
      }
    }
  });
});

describe("RecordBatch v2 vectors", () => {
  for (const vector of batchVectors.batches) {
    const bytes = fromHex(vector.hex);

    it(`${vector.name}: validates as one whole batch`, () => {
      const report = validateBatches(bytes);
      expect(report.error).toBeNull();
      expect(report).toMatchObject({ validBytes: bytes.length, batchCount: 1, recordCount: vector.records.length });
    });

    it(`${vector.name}: decodes field for field`, () => {
      const [batch, ...rest] = decodeBatches(bytes);
      expect(rest).toHaveLength(0);
      expect(batch).toMatchObject({
        baseOffset: vector.baseOffset,
        producerId: vector.producerId,
        producerEpoch: vector.producerEpoch,
        baseSequence: vector.baseSequence,
        lastOffsetDelta: vector.lastOffsetDelta,
        baseTimestamp: vector.firstTimestamp,
        maxTimestamp: vector.maxTimestamp,
        isTransactional: vector.transactional,
        crc: vector.crc,
        magic: 2,
        compression: "none",
        sizeInBytes: bytes.length,
        recordCount: vector.records.length,
      });
      const records = batch!.records.map((r) => ({
        offset: r.offset,
        timestamp: r.timestamp,
        key: toHex(r.key),
        value: toHex(r.value),
        headers: r.headers.map((h) => [h.key, toHex(h.value)]),
      }));
      expect(records).toEqual(vector.records);
    });

    it(`${vector.name}: re-encodes byte for byte`, () => {
      const [batch] = decodeBatches(bytes);
      const reencoded = encodeBatch({
        ...batch!,
        records: batch!.records.map((r) => ({ ...r, key: r.key, value: r.value, headers: r.headers })),
      });
      expect(toHex(reencoded)).toBe(vector.hex);
    });

    it(`${vector.name}: encodes from its documented fields alone`, () => {
      const encoded = encodeBatch({
        baseOffset: vector.baseOffset,
        partitionLeaderEpoch: new DataView(bytes.buffer).getInt32(12),
        producerId: vector.producerId,
        producerEpoch: vector.producerEpoch,
        baseSequence: vector.baseSequence,
        isTransactional: vector.transactional,
        baseTimestamp: vector.firstTimestamp,
        maxTimestamp: vector.maxTimestamp,
        lastOffsetDelta: vector.lastOffsetDelta,
        records: vector.records.map((r) => ({
          key: r.key === null ? null : fromHex(r.key),
          value: r.value === null ? null : fromHex(r.value),
          timestamp: r.timestamp,
          offsetDelta: r.offset - vector.baseOffset,
          headers: r.headers.map(([key, value]) => ({ key: key!, value: value === null ? null : fromHex(value!) })),
        })),
      });
      expect(toHex(encoded)).toBe(vector.hex);
    });
  }

  it("decodes all vectors concatenated, each at its byte position", () => {
    const parts = batchVectors.batches.map((v) => fromHex(v.hex));
    const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let position = 0;
    const positions: number[] = [];
    for (const part of parts) {
      all.set(part, position);
      positions.push(position);
      position += part.length;
    }
    const batches = decodeBatches(all);
    expect(batches.map((b) => b.position)).toEqual(positions);
    expect(batches.map((b) => b.records.length)).toEqual(batchVectors.batches.map((v) => v.records.length));
  });
});
