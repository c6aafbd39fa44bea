// Compressed batches: decoding the bytes that Kafka's Java client and librdkafka
// compressed with each of Kafka's four codecs; loglab's own gzip and snappy
// batches decoding to the records they were made from; and compressed
// payloads that are truncated or garbled giving a typed CorruptRecordError that
// names the codec and the batch's position, never another exception or fewer records.

import fc from "fast-check";
import { gzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import {
  BATCH_CRC_START, BATCH_HEADER, BATCH_HEADER_BYTES, BATCH_LOG_OVERHEAD, type CompressionCodec, CorruptRecordError, crc32c,
  decodeBatches, encodeBatch, type LogRecord, type RecordBatch, UnsupportedCompressionError, validateBatches,
  WRITABLE_COMPRESSION_CODECS,
} from "../../src/index.ts";
import { compressRecords, DecompressionLimitError, decompressRecords } from "../../src/format/compression.ts";
import { lz4FrameDecompress, xxhash32 } from "../../src/format/lz4-frame.ts";
import { snappyBlockDecompress } from "../../src/format/snappy-block.ts";
import { asBytes, batchArbitrary } from "../support/arbitraries.ts";
import { fromHex, toHex } from "../support/hex.ts";
import fixtures from "./compressed-batches.json" with { type: "json" };

const text = (bytes: Uint8Array | null) => (bytes === null ? null : new TextDecoder().decode(bytes));
const utf8 = new TextEncoder();
const LIMIT_BYTES = 1 << 24;
const WRITTEN = WRITABLE_COMPRESSION_CODECS.filter((c) => c !== "none");

interface ExpectedRecord {
  readonly offset: number;
  readonly timestamp?: number;
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: readonly (readonly [string, string])[];
}

function shown(record: LogRecord, withTimestamp: boolean): ExpectedRecord {
  return {
    offset: record.offset,
    ...(withTimestamp ? { timestamp: record.timestamp } : {}),
    key: text(record.key),
    value: text(record.value),
    headers: record.headers.map((h) => [h.key, text(h.value)!] as const),
  };
}

/** `batch` with its records section replaced by `section` (batchLength and CRC made right again). */
function withSection(batch: Uint8Array, section: Uint8Array): Uint8Array {
  const out = new Uint8Array(BATCH_HEADER_BYTES + section.length);
  out.set(batch.subarray(0, BATCH_HEADER_BYTES));
  out.set(section, BATCH_HEADER_BYTES);
  const view = new DataView(out.buffer);
  view.setInt32(BATCH_HEADER.batchLength.offset, out.length - BATCH_LOG_OVERHEAD);
  view.setUint32(BATCH_HEADER.crc.offset, crc32c(out.subarray(BATCH_CRC_START)));
  return out;
}

/** `batch` with attributes codec id `codec` (CRC made right again). */
function withCodecId(batch: Uint8Array, codec: number): Uint8Array {
  const out = batch.slice();
  const view = new DataView(out.buffer);
  view.setInt16(BATCH_HEADER.attributes.offset, (view.getInt16(BATCH_HEADER.attributes.offset) & ~7) | codec);
  view.setUint32(BATCH_HEADER.crc.offset, crc32c(out.subarray(BATCH_CRC_START)));
  return out;
}

/** Decodes `bytes`; returns the records, or the error's class name and message. */
function outcome(bytes: Uint8Array): { records: number } | { error: string; message: string } {
  try {
    return { records: decodeBatches(bytes).reduce((n, b) => n + b.records.length, 0) };
  } catch (error) {
    // A payload that announces more than the limit is corrupt too (DecompressionLimitError is a CorruptRecordError).
    const name = error instanceof CorruptRecordError ? "CorruptRecordError" : (error as Error).constructor.name;
    return { error: name, message: (error as Error).message };
  }
}

const javaSet = fixtures.sets[0]!;
const kcatSet = fixtures.sets[1]!;
const javaBatch = (codec: CompressionCodec) => fromHex((javaSet.batches as Record<string, string>)[codec]!);
/** The first `codec` batch of fixture set `set` (0: Kafka's Java client, 1: librdkafka), alone. */
const compressedBatch = (set: number, codec: CompressionCodec) =>
  decodeBatches(fromHex((fixtures.sets[set]!.batches as Record<string, string>)[codec]!)).find((b) => b.compression === codec)!;

describe("compressed batches written by independent Kafka clients", () => {
  for (const [set, withTimestamp] of [[javaSet, true], [kcatSet, false]] as const) {
    for (const codec of ["gzip", "snappy", "lz4", "zstd"] as const) {
      it(`decodes ${codec} from ${set.source.split(":")[0]}`, () => {
        const bytes = fromHex((set.batches as Record<string, string>)[codec]!);
        expect(validateBatches(bytes).error).toBeNull();
        const batches: RecordBatch[] = decodeBatches(bytes);
        expect(batches.some((b) => b.compression === codec)).toBe(true);
        expect(batches.every((b) => b.compression === codec || b.compression === "none")).toBe(true);
        const records = batches.flatMap((b) => b.records.map((r) => shown(r, withTimestamp)));
        expect(records).toEqual(set.records);
      });
    }
  }

  it("the fixtures hold both snappy framings: xerial's stream (Java) and one raw block (librdkafka)", () => {
    const xerialMagic = "82534e4150505900";
    expect(toHex(javaBatch("snappy").subarray(BATCH_HEADER_BYTES, BATCH_HEADER_BYTES + 8))).toBe(xerialMagic);
    const kcat = decodeBatches(fromHex(kcatSet.batches.snappy)).find((b) => b.compression === "snappy")!;
    expect(toHex(kcat.bytes.subarray(BATCH_HEADER_BYTES, BATCH_HEADER_BYTES + 8))).not.toBe(xerialMagic);
  });

  it("keeps the stored bytes: a decoded batch's bytes are the compressed input, CRC and all", () => {
    const bytes = javaBatch("zstd");
    const [batch] = decodeBatches(bytes);
    expect(toHex(batch!.bytes)).toBe(toHex(bytes));
    expect(batch!.crc).toBe(crc32c(bytes.subarray(BATCH_CRC_START)));
  });
});

describe("loglab's compressor", () => {
  it("decompress(compress(x)) = x for every codec loglab writes", () => {
    fc.assert(
      fc.property(fc.constantFrom(...WRITTEN), fc.uint8Array({ maxLength: 100_000 }), (codec, bytes) => {
        expect(toHex(decompressRecords(codec, compressRecords(codec, bytes), 0, LIMIT_BYTES))).toBe(toHex(bytes));
      }),
      { numRuns: 60 },
    );
  });

  it("a compressed batch decodes to the records of the same batch uncompressed", () => {
    fc.assert(
      fc.property(fc.constantFrom(...WRITTEN), batchArbitrary(20), (codec, input) => {
        const plain = decodeBatches(encodeBatch(input))[0]!;
        const bytes = encodeBatch(input, { compression: codec });
        expect(validateBatches(bytes).error).toBeNull();
        const [batch] = decodeBatches(bytes);
        expect(batch!.compression).toBe(codec);
        expect({ ...batch!.records.map((r) => shown(r, true)) }).toEqual({ ...plain.records.map((r) => shown(r, true)) });
        expect(batch!.records.map((r) => toHex(r.value))).toEqual(input.records.map((r) => toHex(asBytes(r.value))));
      }),
      { numRuns: 80 },
    );
  });

  it("writes gzip and snappy as Kafka's Java client does: an RFC 1952 member, xerial's framed stream", () => {
    const section = (codec: "gzip" | "snappy") => encodeBatch({ baseTimestamp: 1, records: [{ value: "v".repeat(100) }] }, { compression: codec }).subarray(BATCH_HEADER_BYTES);
    expect(toHex(section("gzip").subarray(0, 3))).toBe("1f8b08");
    expect(toHex(section("snappy").subarray(0, 16))).toBe("82534e4150505900" + "00000001" + "00000001");
  });

  it("limits a compressed batch by its compressed size", () => {
    const records = [{ value: "a".repeat(10_000) }];
    expect(() => encodeBatch({ baseTimestamp: 1, records }, { batchBytesMax: 1_000 })).toThrow(/exceeds batchBytesMax=1000/);
    expect(encodeBatch({ baseTimestamp: 1, records }, { batchBytesMax: 1_000, compression: "gzip" }).length).toBeLessThan(1_000);
  });
});

describe("compressed payloads that are not what they claim", () => {
  const codecs = ["gzip", "snappy", "lz4", "zstd"] as const;

  it("a truncated payload is a CorruptRecordError naming the codec and the batch's position, never a short read", () => {
    fc.assert(
      fc.property(fc.constantFrom(0, 1), fc.constantFrom(...codecs), fc.nat(), (set, codec, cut) => {
        const batch = compressedBatch(set, codec).bytes;
        const section = batch.subarray(BATCH_HEADER_BYTES);
        const truncated = withSection(batch, section.subarray(0, cut % section.length));
        const prefix = encodeBatch({ baseTimestamp: 1, records: [{ value: "first" }] });
        const bytes = new Uint8Array(prefix.length + truncated.length);
        bytes.set(prefix);
        bytes.set(truncated, prefix.length);
        const result = outcome(bytes);
        expect(result).toMatchObject({ error: "CorruptRecordError" });
        expect((result as { message: string }).message).toContain(`at byte ${prefix.length}:`);
        expect((result as { message: string }).message).toContain(codec);
      }),
      { numRuns: 200 },
    );
  });

  it("a garbled payload either decodes to as many records as the batch announces or is a CorruptRecordError", () => {
    fc.assert(
      fc.property(fc.constantFrom(0, 1), fc.constantFrom(...codecs), fc.nat(), fc.integer({ min: 1, max: 255 }), (set, codec, at, xor) => {
        const { bytes: batch, recordCount } = compressedBatch(set, codec);
        const section = batch.subarray(BATCH_HEADER_BYTES).slice();
        section[at % section.length] = section[at % section.length]! ^ xor;
        const result = outcome(withSection(batch, section));
        if ("records" in result) expect(result.records).toBe(recordCount);
        else expect(result.error).toBe("CorruptRecordError");
      }),
      { numRuns: 400 },
    );
  });

  it("random bytes as a payload are a CorruptRecordError for every codec", () => {
    fc.assert(
      fc.property(fc.constantFrom(...codecs), fc.uint8Array({ maxLength: 300 }), (codec, section) => {
        const result = outcome(withSection(javaBatch(codec), section));
        if ("records" in result) expect(result.records).toBe(20);
        else expect(result.error).toBe("CorruptRecordError");
      }),
      { numRuns: 400 },
    );
  });

  it("a payload that decompresses to a different number of records than announced is refused", () => {
    const bytes = javaBatch("lz4").slice();
    const view = new DataView(bytes.buffer);
    view.setInt32(BATCH_HEADER.recordCount.offset, 19);
    view.setUint32(BATCH_HEADER.crc.offset, crc32c(bytes.subarray(BATCH_CRC_START)));
    expect(() => decodeBatches(bytes)).toThrow(CorruptRecordError);
    expect(() => decodeBatches(bytes)).toThrow(/record-count-invalid .*lz4-decompressed/);
  });

  it("codec ids 5 to 7 are UNSUPPORTED_COMPRESSION_TYPE", () => {
    for (const id of [5, 6, 7]) {
      const bytes = withCodecId(javaBatch("gzip"), id);
      expect(validateBatches(bytes).error).toBeNull();
      expect(() => decodeBatches(bytes)).toThrow(UnsupportedCompressionError);
      expect(() => decodeBatches(bytes)).toThrow(`compressed with codec-${id}`);
    }
  });

  it("an uncompressed payload marked as compressed does not decompress", () => {
    const plain = encodeBatch({ baseTimestamp: 1, records: [{ value: "x" }] });
    for (const id of [1, 2, 3, 4]) {
      expect(() => decodeBatches(withCodecId(plain, id))).toThrow(/decompression-failed/);
    }
  });
});

describe("the gzip reader", () => {
  it("checks the trailer's CRC-32 and length, as Java's GZIPInputStream does", () => {
    const data = utf8.encode("stored, not deflated: a flipped byte still inflates");
    const stored = gzipSync(data, { level: 0, mtime: 0 });
    expect(text(decompressRecords("gzip", stored, 0, LIMIT_BYTES))).toBe(text(data));
    const flipped = stored.slice();
    flipped[20] = flipped[20]! ^ 1;
    expect(() => decompressRecords("gzip", flipped, 7, LIMIT_BYTES)).toThrow(/at byte 7: decompression-failed \(gzip: gzip trailer CRC-32 \d+ != computed \d+\)/);
    const longIsize = stored.slice();
    longIsize[longIsize.length - 4] = longIsize[longIsize.length - 4]! + 1;
    expect(() => decompressRecords("gzip", longIsize, 0, LIMIT_BYTES)).toThrow(/announces \d+ bytes but the stream holds/);
  });
});

describe("the snappy block reader", () => {
  const a = 0x61;
  const b = 0x62;
  // Announces 6 bytes: the literal "a", a 4-byte copy at offset 1, the literal "b".
  const block = [6, 0x00, a, 0x01, 1, 0x00, b];

  it("copies overlapping matches and refuses a block that holds fewer or more bytes than it announces", () => {
    expect(text(snappyBlockDecompress(new Uint8Array(block), LIMIT_BYTES))).toBe("aaaaab");
    // Cut after a whole tag: snappyjs would pad the missing byte with a zero.
    expect(() => snappyBlockDecompress(new Uint8Array(block.slice(0, 5)), LIMIT_BYTES)).toThrow(/announces 6 bytes but holds 5/);
    expect(() => snappyBlockDecompress(new Uint8Array([5, ...block.slice(1)]), LIMIT_BYTES)).toThrow(/past the announced 5 bytes/);
    expect(() => snappyBlockDecompress(new Uint8Array([6, 0x00, a, 0x01, 2, 0x00, b]), LIMIT_BYTES)).toThrow(/copy offset 2 .* reaches before/);
    expect(() => snappyBlockDecompress(new Uint8Array(block), 5)).toThrow(/over the limit of 5/);
  });
});

describe("the LZ4 frame reader", () => {
  it("computes XXH32 as the reference does", () => {
    // Values from the xxHash reference implementation (seed 0).
    expect(xxhash32(new Uint8Array(0))).toBe(0x02cc5d05);
    expect(xxhash32(utf8.encode("a"))).toBe(0x550d7456);
    expect(xxhash32(utf8.encode("abc"))).toBe(0x32d153ff);
    expect(xxhash32(utf8.encode("Nobody inspects the spammish repetition"))).toBe(0xe2293b2f);
  });

  /** One frame (block independence, 64 KiB blocks, no checksums) holding `block` compressed. */
  function frameOf(block: readonly number[]): Uint8Array {
    const descriptor = new Uint8Array([0x60, 0x40]);
    const header = [0x04, 0x22, 0x4d, 0x18, ...descriptor, (xxhash32(descriptor) >>> 8) & 0xff];
    return new Uint8Array([...header, block.length, 0, 0, 0, ...block, 0, 0, 0, 0]);
  }

  it("copies overlapping matches and refuses a match that reaches before the decoded bytes", () => {
    const a = 0x61;
    const b = 0x62;
    // 1 literal "a", a 4-byte match at offset 1, then the literal "b".
    expect(text(lz4FrameDecompress(frameOf([0x10, a, 1, 0, 0x10, b]), LIMIT_BYTES))).toBe("aaaaab");
    expect(() => lz4FrameDecompress(frameOf([0x10, a, 2, 0, 0x10, b]), LIMIT_BYTES)).toThrow(/match offset 2 .* reaches before the decoded data/);
    expect(() => lz4FrameDecompress(frameOf([0x10, a, 0, 0, 0x10, b]), LIMIT_BYTES)).toThrow(/match offset 0/);
    expect(() => lz4FrameDecompress(frameOf([0x10, a, 1, 0]), LIMIT_BYTES)).toThrow(/final literal run/);
    expect(() => lz4FrameDecompress(frameOf([0x10, a, 1, 0, 0x10, b]), 5)).toThrow(/exceeds 5 bytes/);
    const badHeader = frameOf([0x10, a]);
    badHeader[6] = badHeader[6]! ^ 1;
    expect(() => lz4FrameDecompress(badHeader, LIMIT_BYTES)).toThrow(/header checksum/);
  });

  it("checks the content checksum when a frame has one", () => {
    // The lz4 1.9.4 command on a file of 'hello hello hello hello' with --content-size: content size and content checksum set.
    const frame = fromHex("04224d186c401700000000000000070f0000006868656c6c6f2006005068656c6c6f00000000f26b940b");
    expect(text(lz4FrameDecompress(frame, LIMIT_BYTES))).toBe("hello hello hello hello");
    const garbled = frame.slice();
    garbled[garbled.length - 1] = garbled[garbled.length - 1]! ^ 1;
    expect(() => lz4FrameDecompress(garbled, LIMIT_BYTES)).toThrow(/content checksum/);
  });
});

describe("decompression bombs: a few KiB that expand past the limit are refused before the limit's worth is held", () => {
  const LIMIT = 1 << 20;
  const MAGIC = [0x28, 0xb5, 0x2f, 0xfd];
  /** A zstd frame header without content size, checksum or dictionary, with a 2^windowLog-byte window. */
  const frameHeader = (windowLog: number) => [...MAGIC, 0x00, (windowLog - 10) << 3];
  /** A zstd block header: last flag, type (0 raw, 1 RLE, 2 compressed), size. */
  const blockHeader = (last: boolean, type: number, size: number) => {
    const value = (size << 3) | (type << 1) | (last ? 1 : 0);
    return [value & 0xff, (value >> 8) & 0xff, (value >> 16) & 0xff];
  };
  // The zstd 1.5 command on 8 MiB of "abab..." (window log 17): every 128 KiB block is the literals "ab" and one
  // repeat match, 10 bytes; the first block spells its offset out, the ones after it repeat it.
  const FIRST_AB_BLOCK = fromHex("1061620100fbffe50e0b");
  const NEXT_AB_BLOCK = fromHex("1061620100fbff39c002");
  const BLOCK_BYTES = 128 << 10;
  /** `blocks` compressed blocks of 128 KiB of "abab...": 13 bytes each, no content size announced anywhere. */
  function abBomb(blocks: number): Uint8Array {
    const bytes = [...frameHeader(17), ...blockHeader(blocks === 1, 2, 10), ...FIRST_AB_BLOCK];
    for (let i = 1; i < blocks; i++) bytes.push(...blockHeader(i === blocks - 1, 2, 10), ...NEXT_AB_BLOCK);
    return new Uint8Array(bytes);
  }
  const refusal = (codec: CompressionCodec, bytes: Uint8Array, limit: number) => {
    try {
      decompressRecords(codec, bytes, 61, limit);
    } catch (error) {
      return error;
    }
    throw new Error(`${codec}: ${bytes.length} bytes decompressed within ${limit}`);
  };

  it("the crafted zstd blocks are real: a small bomb decodes to its 128 KiB blocks of abab", () => {
    const out = decompressRecords("zstd", abBomb(3), 0, LIMIT);
    expect(out.length).toBe(3 * BLOCK_BYTES);
    expect(text(out.subarray(0, 6))).toBe("ababab");
    expect(out.every((byte, i) => byte === (i % 2 === 0 ? 0x61 : 0x62))).toBe(true);
  });

  it("zstd without a content size: 4 KiB of compressed blocks (40 MiB) stop at the limit while decoding", () => {
    const bomb = abBomb(320);
    expect(bomb.length).toBeLessThan(4200);
    const error = refusal("zstd", bomb, LIMIT);
    expect(error).toBeInstanceOf(DecompressionLimitError);
    expect(error).toBeInstanceOf(CorruptRecordError);
    expect(error).toMatchObject({ codec: "zstd", limitBytes: LIMIT, reason: "decompression-failed", position: 61 });
    // Refused at the first block past the limit: 8 blocks fit in 1 MiB, the ninth does not.
    expect((error as Error).message).toMatch(`decodes to more than ${8 * BLOCK_BYTES} + ${BLOCK_BYTES} bytes, over the limit of ${LIMIT} bytes`);
  });

  it("zstd RLE blocks (4 bytes for 128 KiB) and an announced content size are refused before a block is decoded", () => {
    const rle = [...frameHeader(17)];
    for (let i = 0; i < 1000; i++) rle.push(...blockHeader(i === 999, 1, BLOCK_BYTES), 0x61);
    expect((refusal("zstd", new Uint8Array(rle), LIMIT) as Error).message).toMatch(/raw and RLE blocks up to byte \d+ state \d+ bytes, over the limit of 1048576 bytes/);
    // Frame_Content_Size of 2^30 in 4 bytes (flag 2) after a 128 KiB window: fzstd would allocate it whole.
    const announced = new Uint8Array([...MAGIC, 0x80, (17 - 10) << 3, 0, 0, 0, 0x40, ...blockHeader(true, 0, 1), 0x61]);
    expect((refusal("zstd", announced, LIMIT) as Error).message).toMatch("announces 1073741824 bytes");
    // A 1 GiB window (log 30) for one raw byte: the decoder would allocate the window first.
    const window = new Uint8Array([...frameHeader(30), ...blockHeader(true, 0, 1), 0x61]);
    expect((refusal("zstd", window, LIMIT) as Error).message).toMatch("needs a window of 1073741824 bytes");
    expect(text(decompressRecords("zstd", window, 0, 1 << 30))).toBe("a");
  });

  it("gzip whose trailer understates its size: 8 KiB that inflate to 8 MiB stop near the limit", () => {
    const honest = gzipSync(new Uint8Array(8 << 20), { mtime: 0 });
    expect(honest.length).toBeLessThan(9 << 10);
    expect((refusal("gzip", honest, LIMIT) as Error).message).toMatch(`gzip trailer announces ${8 << 20} bytes, over the limit of ${LIMIT} bytes`);
    const lying = honest.slice();
    new DataView(lying.buffer).setUint32(lying.length - 4, 100, true);
    const error = refusal("gzip", lying, LIMIT);
    expect(error).toBeInstanceOf(DecompressionLimitError);
    expect((error as Error).message).toMatch(/gzip: inflates to more than \d+ \+ \d+ bytes, over the limit of 1048576 bytes/);
  });

  it("snappy refuses a block, bare or in xerial's frames, whose announced length passes the limit", () => {
    const framed = compressRecords("snappy", new Uint8Array(2 * LIMIT));
    const error = refusal("snappy", framed, LIMIT);
    expect(error).toBeInstanceOf(DecompressionLimitError);
    expect((error as Error).message).toMatch(/snappy: block at byte \d+ announces 32768 bytes after 1048576, over the limit of 1048576 bytes/);
    // One bare block announcing 2^28 bytes, its preamble alone.
    const bare = new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x01, 0x00]);
    expect((refusal("snappy", bare, LIMIT) as Error).message).toMatch("block at byte 0 announces 268435456 bytes, over the limit of 1048576 bytes");
  });
});
