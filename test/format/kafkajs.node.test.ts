// Cross-check with kafkajs's protocol code, an implementation nobody here
// wrote: kafkajs decodes what loglab encodes, and loglab decodes what kafkajs
// encodes (including its CRC, which kafkajs computes but never checks).

import { createRequire } from "node:module";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type BatchInput, decodeBatches, encodeBatch } from "../../src/index.ts";
import { asBytes, batchArbitrary } from "../support/arbitraries.ts";
import { toHex } from "../support/hex.ts";

const require = createRequire(import.meta.url);
const { RecordBatch } = require("kafkajs/src/protocol/recordBatch/v0") as {
  RecordBatch: (options: object) => Promise<{ buffer: Buffer }>;
};
const Record = require("kafkajs/src/protocol/recordBatch/record/v0") as (options: object) => unknown;
const Decoder = require("kafkajs/src/protocol/decoder") as new (buffer: Buffer) => unknown;
const decodeKafkajsBatch = require("kafkajs/src/protocol/recordBatch/v0/decoder") as (decoder: unknown) => Promise<{
  firstOffset: string;
  producerId: string;
  producerEpoch: number;
  firstSequence: number;
  inTransaction: boolean;
  records: { offset: string; timestamp: string; key: Buffer | null; value: Buffer | null; headers: Record<string, Buffer | Buffer[]> }[];
}>;

// kafkajs models headers as a plain object: keys must be unique, non-null, and
// not integer-like (objects enumerate "0" before "a", which would reorder them).
const kafkajsCompatible = batchArbitrary(15).map((batch): BatchInput => ({
  ...batch,
  timestampType: "create-time",
  records: batch.records.map((record) => ({
    ...record,
    headers: [
      ...new Map(
        (record.headers ?? []).filter((h) => h.value !== null).map((h) => [`h-${h.key}`, { ...h, key: `h-${h.key}` }]),
      ).values(),
    ],
  })),
}));

const headerHex = (value: Buffer | Buffer[]) => toHex(Array.isArray(value) ? value[0]! : value);

describe("kafkajs decodes what loglab encodes", () => {
  it("random batches, record for record", async () => {
    await fc.assert(
      fc.asyncProperty(kafkajsCompatible, async (input) => {
        const decoded = await decodeKafkajsBatch(new Decoder(Buffer.from(encodeBatch(input))));
        expect(decoded.firstOffset).toBe(String(input.baseOffset));
        expect(decoded.producerId).toBe(String(input.producerId));
        expect(decoded.producerEpoch).toBe(input.producerEpoch);
        expect(decoded.firstSequence).toBe(input.baseSequence);
        expect(decoded.inTransaction).toBe(input.isTransactional);
        expect(decoded.records.map((r) => [r.offset, r.timestamp, toHex(r.key), toHex(r.value)])).toEqual(
          input.records.map((r, i) => [
            String(input.baseOffset! + i), String(r.timestamp), toHex(asBytes(r.key)), toHex(asBytes(r.value)),
          ]),
        );
        decoded.records.forEach((r, i) => {
          const expected = input.records[i]!.headers!.map((h) => [h.key, toHex(asBytes(h.value))]);
          expect(Object.entries(r.headers).map(([k, v]) => [k, headerHex(v)])).toEqual(expected);
        });
      }),
      { numRuns: 100 },
    );
  });
});

describe("loglab decodes what kafkajs encodes", () => {
  it("random batches, with kafkajs's CRC verified", async () => {
    await fc.assert(
      fc.asyncProperty(kafkajsCompatible, async (input) => {
        const baseTimestamp = input.records[0]!.timestamp!;
        const encoded = await RecordBatch({
          firstOffset: BigInt(input.baseOffset!).toString(),
          firstTimestamp: baseTimestamp,
          maxTimestamp: Math.max(...input.records.map((r) => r.timestamp!)),
          lastOffsetDelta: input.records.length - 1,
          partitionLeaderEpoch: input.partitionLeaderEpoch,
          producerId: input.producerId,
          producerEpoch: input.producerEpoch,
          firstSequence: input.baseSequence,
          transactional: input.isTransactional,
          records: input.records.map((r, i) =>
            Record({
              offsetDelta: i,
              timestampDelta: r.timestamp! - baseTimestamp,
              key: r.key == null ? null : Buffer.from(asBytes(r.key)!),
              value: r.value == null ? null : Buffer.from(asBytes(r.value)!),
              headers: Object.fromEntries((r.headers ?? []).map((h) => [h.key, Buffer.from(asBytes(h.value)!)])),
            }),
          ),
        });
        const [batch] = decodeBatches(encoded.buffer);
        expect(batch).toMatchObject({
          baseOffset: input.baseOffset,
          producerId: input.producerId,
          producerEpoch: input.producerEpoch,
          baseSequence: input.baseSequence,
          isTransactional: input.isTransactional,
        });
        expect(batch!.records.map((r) => [r.offset, r.timestamp, toHex(r.key), toHex(r.value)])).toEqual(
          input.records.map((r, i) => [input.baseOffset! + i, r.timestamp, toHex(asBytes(r.key)), toHex(asBytes(r.value))]),
        );
        // Same bytes as loglab's own encoding of the same batch.
        expect(toHex(encodeBatch(input))).toBe(toHex(encoded.buffer));
      }),
      { numRuns: 100 },
    );
  });
});
