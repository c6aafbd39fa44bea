// The batch header layout: whole and in order, what the wasm core writes and
// kafka-python's vectors hold at those offsets; stampAppend's bytes against
// the reference encoder (written from Kafka's documentation, not from
// src/format) under both timestamp types; validateBatches' headers.

import { describe, expect, it } from "vitest";
import {
  BATCH_APPEND_STAMPED_BYTES, BATCH_CRC_START, BATCH_HEADER, BATCH_HEADER_BYTES, BATCH_LOG_OVERHEAD, crc32c,
  decodeBatches, encodeBatch, InvalidRecordError, OFFSET_INDEX_ENTRY, OFFSET_INDEX_ENTRY_BYTES, stampAppend,
  TIME_INDEX_ENTRY, TIME_INDEX_ENTRY_BYTES, validateBatches,
} from "../../src/index.ts";
import { type ReferenceBatch, referenceDecodeBatch, referenceEncodeBatch } from "../reference/record-batch.ts";
import { fromHex, toHex } from "../support/hex.ts";
import batchVectors from "../vectors/record-batches.json" with { type: "json" };

type Layout = Record<string, { readonly offset: number; readonly size: number }>;

/** Each field starts where the one before ends; returns where the last ends. */
function endOfContiguous(layout: Layout): number {
  let end = 0;
  for (const [name, { offset, size }] of Object.entries(layout)) {
    expect([name, offset]).toEqual([name, end]);
    end = offset + size;
  }
  return end;
}

/** Reads a header field of any size, big-endian, as a number (int64s here are safe integers). */
function field(bytes: Uint8Array, name: keyof typeof BATCH_HEADER): number {
  const { offset, size } = BATCH_HEADER[name];
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, size);
  if (size === 8) return Number(view.getBigInt64(0));
  if (size === 4) return name === "crc" ? view.getUint32(0) : view.getInt32(0);
  if (size === 2) return view.getInt16(0);
  return view.getInt8(0);
}

describe("batch header layout", () => {
  it("covers the header with no gap or overlap, in Kafka's field order, and the CRC from attributes on", () => {
    expect(Object.keys(BATCH_HEADER)).toEqual([
      "baseOffset", "batchLength", "partitionLeaderEpoch", "magic", "crc", "attributes", "lastOffsetDelta",
      "baseTimestamp", "maxTimestamp", "producerId", "producerEpoch", "baseSequence", "recordCount",
    ]);
    expect(endOfContiguous(BATCH_HEADER)).toBe(BATCH_HEADER_BYTES);
    expect(BATCH_HEADER_BYTES).toBe(61);
    expect(BATCH_LOG_OVERHEAD).toBe(BATCH_HEADER.batchLength.offset + BATCH_HEADER.batchLength.size);
    expect(BATCH_CRC_START).toBe(BATCH_HEADER.crc.offset + BATCH_HEADER.crc.size);
    expect(BATCH_CRC_START).toBe(BATCH_HEADER.attributes.offset);
    expect(BATCH_APPEND_STAMPED_BYTES).toBe(BATCH_HEADER.partitionLeaderEpoch.offset + BATCH_HEADER.partitionLeaderEpoch.size);
    expect(endOfContiguous(OFFSET_INDEX_ENTRY)).toBe(OFFSET_INDEX_ENTRY_BYTES);
    expect(endOfContiguous(TIME_INDEX_ENTRY)).toBe(TIME_INDEX_ENTRY_BYTES);
  });

  it("finds every field where the wasm core wrote it", () => {
    const bytes = encodeBatch({
      baseOffset: 0x1_0203_0405, partitionLeaderEpoch: 7, producerId: 0x60_7080_90a0, producerEpoch: 11, baseSequence: 12,
      isTransactional: true, timestampType: "log-append-time", baseTimestamp: 1_700_000_000_000, maxTimestamp: 1_700_000_000_009,
      lastOffsetDelta: 4, records: [{ value: "a" }, { value: "b", offsetDelta: 3 }],
    });
    const [batch] = decodeBatches(bytes);
    expect({
      baseOffset: field(bytes, "baseOffset"), batchLength: field(bytes, "batchLength"), partitionLeaderEpoch: field(bytes, "partitionLeaderEpoch"),
      magic: field(bytes, "magic"), crc: field(bytes, "crc"), attributes: field(bytes, "attributes"),
      lastOffsetDelta: field(bytes, "lastOffsetDelta"), baseTimestamp: field(bytes, "baseTimestamp"), maxTimestamp: field(bytes, "maxTimestamp"),
      producerId: field(bytes, "producerId"), producerEpoch: field(bytes, "producerEpoch"), baseSequence: field(bytes, "baseSequence"),
      recordCount: field(bytes, "recordCount"),
    }).toEqual({
      baseOffset: 0x1_0203_0405, batchLength: bytes.length - BATCH_LOG_OVERHEAD, partitionLeaderEpoch: 7, magic: 2,
      crc: crc32c(bytes.subarray(BATCH_CRC_START)), attributes: batch!.attributes, lastOffsetDelta: 4,
      baseTimestamp: 1_700_000_000_000, maxTimestamp: 1_700_000_000_009, producerId: 0x60_7080_90a0, producerEpoch: 11,
      baseSequence: 12, recordCount: 2,
    });
  });

  for (const vector of batchVectors.batches) {
    it(`reads kafka-python's ${vector.name} field by field`, () => {
      const bytes = fromHex(vector.hex);
      expect(field(bytes, "batchLength") + BATCH_LOG_OVERHEAD).toBe(bytes.length);
      expect(field(bytes, "magic")).toBe(2);
      expect(field(bytes, "crc")).toBe(vector.crc);
      expect(crc32c(bytes.subarray(BATCH_CRC_START))).toBe(vector.crc);
      expect({
        baseOffset: field(bytes, "baseOffset"), producerId: field(bytes, "producerId"), producerEpoch: field(bytes, "producerEpoch"),
        baseSequence: field(bytes, "baseSequence"), lastOffsetDelta: field(bytes, "lastOffsetDelta"),
        firstTimestamp: field(bytes, "baseTimestamp"), maxTimestamp: field(bytes, "maxTimestamp"),
        transactional: (field(bytes, "attributes") & 0x10) !== 0, recordCount: field(bytes, "recordCount"),
      }).toEqual({
        baseOffset: vector.baseOffset, producerId: vector.producerId, producerEpoch: vector.producerEpoch,
        baseSequence: vector.baseSequence, lastOffsetDelta: vector.lastOffsetDelta, firstTimestamp: vector.firstTimestamp,
        maxTimestamp: vector.maxTimestamp, transactional: vector.transactional, recordCount: vector.records.length,
      });
    });
  }
});

describe("stampAppend", () => {
  const produced: ReferenceBatch = {
    baseOffset: 0, partitionLeaderEpoch: -1, attributes: 0, lastOffsetDelta: 1,
    baseTimestamp: 1_700_000_000_000, maxTimestamp: 1_700_000_000_003, producerId: 9, producerEpoch: 2, baseSequence: 5,
    records: [
      { offsetDelta: 0, timestampDelta: 0, key: fromHex("6b"), value: fromHex("0102"), headers: [] },
      { offsetDelta: 1, timestampDelta: 3, key: null, value: fromHex("03"), headers: [{ key: "h", value: null }] },
    ],
  };
  // Above 2^32, so both halves of the int64 are written.
  const baseOffset = 2 ** 40 + 17;

  it("under CreateTime writes the base offset and leader epoch only, outside the CRC, as Kafka's bytes have them", () => {
    const bytes = referenceEncodeBatch(produced);
    const expected = referenceEncodeBatch({ ...produced, baseOffset, partitionLeaderEpoch: 0 });
    stampAppend(bytes, 0, { baseOffset });
    expect(toHex(bytes)).toBe(toHex(expected));
    expect(validateBatches(bytes).error).toBeNull();
  });

  it("under CreateTime needs only a copy of the first BATCH_APPEND_STAMPED_BYTES", () => {
    const bytes = referenceEncodeBatch(produced);
    const head = bytes.slice(0, BATCH_APPEND_STAMPED_BYTES);
    stampAppend(head, 0, { baseOffset });
    const expected = referenceEncodeBatch({ ...produced, baseOffset, partitionLeaderEpoch: 0 });
    expect(toHex(head)).toBe(toHex(expected.subarray(0, BATCH_APPEND_STAMPED_BYTES)));
    expect(toHex(bytes.subarray(BATCH_APPEND_STAMPED_BYTES))).toBe(toHex(expected.subarray(BATCH_APPEND_STAMPED_BYTES)));
  });

  it("under LogAppendTime also sets the timestamp type and maxTimestamp, with the CRC over them", () => {
    const logAppendTimeMs = 1_800_000_000_123;
    const bytes = referenceEncodeBatch({ ...produced, attributes: 0x10 });
    stampAppend(bytes, 0, { baseOffset, logAppendTimeMs });
    const expected = referenceEncodeBatch({ ...produced, attributes: 0x10 | 0x08, baseOffset, partitionLeaderEpoch: 0, maxTimestamp: logAppendTimeMs });
    expect(toHex(bytes)).toBe(toHex(expected));
    expect(referenceDecodeBatch(bytes)).toMatchObject({ attributes: 0x18, maxTimestamp: logAppendTimeMs, baseTimestamp: produced.baseTimestamp });
    expect(decodeBatches(bytes)[0]!.records.map((r) => r.timestamp)).toEqual([logAppendTimeMs, logAppendTimeMs]);
  });

  it("stamps the batch at `at` and no byte around it", () => {
    const first = referenceEncodeBatch(produced);
    const second = referenceEncodeBatch({ ...produced, baseSequence: 7 });
    const both = new Uint8Array(first.length + second.length);
    both.set(first);
    both.set(second, first.length);
    stampAppend(both, first.length, { baseOffset: 3, logAppendTimeMs: 1_800_000_000_000 });
    expect(toHex(both.subarray(0, first.length))).toBe(toHex(first));
    const expected = referenceEncodeBatch({ ...produced, baseSequence: 7, attributes: 0x08, baseOffset: 3, partitionLeaderEpoch: 0, maxTimestamp: 1_800_000_000_000 });
    expect(toHex(both.subarray(first.length))).toBe(toHex(expected));
  });
});

describe("validateBatches returns the headers it read", () => {
  it("one per valid batch, as decodeBatches reads them, up to the first invalid byte", () => {
    const first = encodeBatch({ baseOffset: 0, baseTimestamp: 1, records: [{ value: "a" }, { value: "b" }] });
    const second = encodeBatch({ baseOffset: 2, baseTimestamp: 2, producerId: 4, producerEpoch: 1, baseSequence: 0, records: [{ value: "c" }] });
    const bytes = new Uint8Array(first.length + second.length + 5);
    bytes.set(first);
    bytes.set(second, first.length);
    const report = validateBatches(bytes);
    expect(report.error?.reason).toBe("truncated-header");
    expect(report.headerError).toBeNull();
    const decoded = decodeBatches(bytes.subarray(0, report.validBytes));
    expect(report.headers).toEqual(decoded.map(({ records: _, position: __, bytes: ___, ...header }) => header));
    expect(report.headers.map((h) => h.producerId)).toEqual([-1, 4]);
  });

  it("stops before a batch whose base offset a double cannot hold, and says why", () => {
    const first = encodeBatch({ baseTimestamp: 1, records: [{ value: "a" }] });
    const huge = encodeBatch({ baseTimestamp: 1, records: [{ value: "b" }] });
    // baseOffset is outside the CRC: the batch stays valid Kafka.
    new DataView(huge.buffer).setBigInt64(BATCH_HEADER.baseOffset.offset, 2n ** 60n);
    const bytes = new Uint8Array(first.length + huge.length);
    bytes.set(first);
    bytes.set(huge, first.length);
    const report = validateBatches(bytes);
    expect(report).toMatchObject({ error: null, validBytes: bytes.length, batchCount: 2 });
    expect(report.headers).toHaveLength(1);
    expect(report.headerError).toBeInstanceOf(InvalidRecordError);
    expect(report.headerError!.message).toContain("baseOffset");
  });
});
