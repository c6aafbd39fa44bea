// PartitionLog and compressed batches: stored as they came (bytes and CRC
// untouched but for the base offset a broker assigns), read back decompressed,
// and validated at append like uncompressed ones; a batch that does not
// decompress to its announced records, or names codec id 5-7, is refused with nothing stored.

import { describe, expect, it } from "vitest";
import {
  BATCH_APPEND_STAMPED_BYTES, BATCH_CRC_START, BATCH_HEADER, BATCH_HEADER_BYTES, BATCH_LOG_OVERHEAD, CorruptRecordError, crc32c,
  decodeBatches, encodeBatch, InvalidRecordError, UnsupportedCompressionError,
} from "../../src/index.ts";
import { fromHex, toHex } from "../support/hex.ts";
import fixtures from "../format/compressed-batches.json" with { type: "json" };
import { openLog, readAll, records } from "./helpers.ts";

const java = fixtures.sets[0]!.batches as Record<string, string>;

function recrc(bytes: Uint8Array): Uint8Array {
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(BATCH_HEADER.crc.offset, crc32c(bytes.subarray(BATCH_CRC_START)));
  return bytes;
}

describe("PartitionLog with compressed batches", () => {
  for (const codec of ["gzip", "snappy", "lz4", "zstd"]) {
    it(`stores a ${codec} batch from Kafka's Java client byte for byte and reads its records back`, async () => {
      const { log } = await openLog();
      await log.appendRecords(records("before"));
      const batch = fromHex(java[codec]!);
      const info = await log.append(batch);
      expect(info).toMatchObject({ firstOffset: 1, lastOffset: 20, recordCount: 20 });
      const stored = (await log.read(1)).records;
      // Only the base offset changed (it is outside the CRC); the compressed records and the CRC are as they came.
      expect(toHex(stored.subarray(BATCH_APPEND_STAMPED_BYTES))).toBe(toHex(batch.subarray(BATCH_APPEND_STAMPED_BYTES)));
      expect(decodeBatches(stored)[0]!.compression).toBe(codec);
      const read = await readAll(log);
      expect(read).toHaveLength(21);
      expect(read[1]).toEqual([1, "key-0", "value 0 "]);
      expect(read[20]).toEqual([20, null, `value 19 ${"abc".repeat(19)}`]);
    });
  }

  it("refuses codec ids 5 to 7 with UNSUPPORTED_COMPRESSION_TYPE and stores nothing", async () => {
    const { log } = await openLog();
    for (const id of [5, 6, 7]) {
      const batch = fromHex(java.gzip!);
      batch[BATCH_HEADER.attributes.offset + 1] = (batch[BATCH_HEADER.attributes.offset + 1]! & ~7) | id;
      await expect(log.append(recrc(batch))).rejects.toThrow(UnsupportedCompressionError);
    }
    expect(log.logEndOffset).toBe(0);
    expect(log.sizeInBytes).toBe(0);
  });

  it("refuses a batch that does not decompress, naming the codec and its position, and stores nothing", async () => {
    const { log } = await openLog();
    const good = encodeBatch({ baseTimestamp: 1, records: records("a") });
    const broken = fromHex(java.lz4!);
    broken[BATCH_HEADER_BYTES] = broken[BATCH_HEADER_BYTES]! ^ 0xff; // the LZ4 frame's magic
    const both = new Uint8Array(good.length + broken.length);
    both.set(good);
    both.set(recrc(broken), good.length);
    const error = await log.append(both).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorruptRecordError);
    expect((error as CorruptRecordError).position).toBe(good.length);
    expect((error as CorruptRecordError).message).toMatch(/lz4/);
    expect(log.logEndOffset).toBe(0);
  });

  it("refuses a compressed batch whose records do not match its header (count, lastOffsetDelta) and stores nothing", async () => {
    const { log } = await openLog();
    const fewer = fromHex(java.zstd!);
    new DataView(fewer.buffer).setInt32(BATCH_HEADER.recordCount.offset, 21);
    await expect(log.append(recrc(fewer))).rejects.toThrow(InvalidRecordError);
    // Count and lastOffsetDelta agree with each other but not with the 20 records inside.
    const both = fromHex(java.zstd!);
    const view = new DataView(both.buffer);
    view.setInt32(BATCH_HEADER.recordCount.offset, 19);
    view.setInt32(BATCH_HEADER.lastOffsetDelta.offset, 18);
    await expect(log.append(recrc(both))).rejects.toThrow(/record-count-invalid/);
    expect(log.logEndOffset).toBe(0);
  });

  it("refuses a compressed batch whose batchLength cuts the payload short", async () => {
    const { log } = await openLog();
    const batch = fromHex(java.snappy!);
    const cut = batch.slice(0, batch.length - 5);
    new DataView(cut.buffer).setInt32(BATCH_HEADER.batchLength.offset, cut.length - BATCH_LOG_OVERHEAD);
    await expect(log.append(recrc(cut))).rejects.toThrow(CorruptRecordError);
    expect(log.logEndOffset).toBe(0);
  });

  it("takes a compressed batch under LogAppendTime, keeping the compressed records", async () => {
    const { log, clock } = await openLog({ "message.timestamp.type": "LogAppendTime" });
    const batch = fromHex(java.gzip!);
    await log.append(batch);
    const [stored] = decodeBatches((await log.read(0)).records);
    expect(stored!.compression).toBe("gzip");
    expect(toHex(stored!.bytes.subarray(BATCH_HEADER_BYTES))).toBe(toHex(batch.subarray(BATCH_HEADER_BYTES)));
    expect(stored!.records.every((r) => r.timestamp === clock.nowMs())).toBe(true);
  });

  it("checks keys of compressed batches on a compacted topic", async () => {
    const { log } = await openLog({ "cleanup.policy": "compact" });
    await expect(log.append(fromHex(java.gzip!))).rejects.toThrow(/without a key/);
    await log.append(encodeBatch({ baseTimestamp: 1, records: records("a", "b") }, { compression: "snappy" }));
    expect(await readAll(log)).toEqual([[0, "k-a", "a"], [1, "k-b", "b"]]);
  });

  it("compaction keeps the codec of a batch it rewrites", async () => {
    const { log } = await openLog({ "cleanup.policy": "compact" });
    for (const codec of ["gzip", "snappy"] as const) {
      await log.append(encodeBatch({ baseTimestamp: 1, records: [{ key: `${codec}-a`, value: "1" }, { key: `${codec}-b`, value: "2" }, { key: `${codec}-a`, value: "3" }] }, { compression: codec }));
    }
    await log.roll();
    expect(await log.compact()).toMatchObject({ recordsBefore: 6, recordsAfter: 4 });
    const batches = [
      ...decodeBatches((await log.read(0, { maxBytes: 1 << 20 })).records),
      ...decodeBatches((await log.read(3, { maxBytes: 1 << 20 })).records),
    ];
    expect(batches.map((b) => [b.compression, b.records.map((r) => r.offset)])).toEqual([["gzip", [1, 2]], ["snappy", [4, 5]]]);
  });
});
