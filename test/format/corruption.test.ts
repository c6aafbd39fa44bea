// Bad bytes never decode silently into wrong records: every byte flip and every
// truncation of valid batches is reported at the right position, and nothing
// but a typed LoglabError is ever thrown, whatever the input.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CorruptRecordError, decodeBatches, LoglabError, validateBatches,
} from "../../src/index.ts";
import { fromHex } from "../support/hex.ts";
import batchVectors from "../vectors/record-batches.json" with { type: "json" };
import { concat } from "../support/bytes.ts";

const vector = (name: string) => fromHex(batchVectors.batches.find((b) => b.name === name)!.hex);

// Kafka's CRC covers attributes..end. baseOffset (0-7) and partitionLeaderEpoch
// (12-15) are outside it by design: brokers rewrite them without recomputing it.
const UNPROTECTED = new Set([0, 1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15]);

describe("single-byte flips", () => {
  for (const name of ["talk-document-log", "null-key-and-headers", "idempotent-producer", "transactional"]) {
    it(`${name}: every flip of a protected byte is reported at the batch's position`, () => {
      const first = vector("talk-document-log");
      const target = vector(name);
      for (let i = 0; i < target.length; i++) {
        for (const mask of [0x01, 0x80, 0xff]) {
          const corrupted = concat(first, target);
          corrupted[first.length + i]! ^= mask;
          const report = validateBatches(corrupted);
          if (UNPROTECTED.has(i)) {
            expect(report.error, `flip ${mask} at ${i}`).toBeNull();
            continue;
          }
          expect(report.error, `flip ${mask} at ${i}`).toBeInstanceOf(CorruptRecordError);
          expect(report.error!.position).toBe(first.length);
          expect(report).toMatchObject({ validBytes: first.length, batchCount: 1 });
          expect(() => decodeBatches(corrupted)).toThrow(CorruptRecordError);
        }
      }
    });
  }

  it("a flipped baseOffset is decoded as written: the format cannot tell", () => {
    const bytes = vector("talk-document-log");
    bytes[7] = 5;
    expect(decodeBatches(bytes)[0]!.records.map((r) => r.offset)).toEqual([5, 6, 7, 8]);
  });

  it("names the reason: CRC, magic, length", () => {
    const crc = vector("talk-document-log");
    crc[100]! ^= 1;
    expect(validateBatches(crc).error!.reason).toBe("crc-mismatch");
    const magic = vector("talk-document-log");
    magic[16] = 1;
    expect(validateBatches(magic).error!.reason).toBe("magic-unsupported");
    const length = vector("talk-document-log");
    length[11] = 10;
    expect(validateBatches(length).error!.reason).toBe("batch-length-invalid");
  });
});

describe("truncations", () => {
  it("every truncation of two batches keeps the first whole batch and reports the cut", () => {
    const first = vector("null-key-and-headers");
    const both = concat(first, vector("talk-document-log"));
    for (let cut = 0; cut < both.length; cut++) {
      const report = validateBatches(both.subarray(0, cut));
      const wholeFirst = cut >= first.length;
      expect(report.validBytes).toBe(wholeFirst ? first.length : 0);
      expect(report.batchCount).toBe(wholeFirst ? 1 : 0);
      if (cut === 0 || cut === first.length) {
        expect(report.error).toBeNull();
      } else {
        expect(report.error).toBeInstanceOf(CorruptRecordError);
        expect(["truncated-header", "truncated-batch"]).toContain(report.error!.reason);
        expect(() => decodeBatches(both.subarray(0, cut))).toThrow(CorruptRecordError);
      }
    }
  });
});

describe("structure inside a CRC-valid batch", () => {
  // Re-seal a batch after editing its records, so that only the structure is wrong.
  function reseal(bytes: Uint8Array): Uint8Array {
    new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setInt32(8, bytes.length - 12);
    return resealCrc(bytes);
  }

  it("a recordCount that disagrees with the records is refused", () => {
    const bytes = vector("talk-document-log");
    new DataView(bytes.buffer).setInt32(57, 5);
    expect(validateBatches(reseal(bytes)).error!.reason).toBe("record-count-invalid");
  });

  it("a record length that overruns the batch is refused", () => {
    const bytes = vector("talk-document-log");
    bytes[61] = 0x7e; // first record's length varint: 63 instead of 37
    expect(validateBatches(reseal(bytes)).error!.reason).toBe("record-malformed");
  });
});

/** Recomputes the CRC-32C of a batch with the bitwise method (independent of the wasm core). */
function resealCrc(bytes: Uint8Array): Uint8Array {
  let crc = ~0;
  for (let i = 21; i < bytes.length; i++) {
    crc ^= bytes[i]!;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(17, ~crc >>> 0);
  return bytes;
}

describe("arbitrary bytes", () => {
  it("never throw anything but a typed error, and never report more valid bytes than exist", () => {
    const seed = vector("idempotent-producer");
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          // mutations of a valid batch, re-sealed so they get past the CRC
          fc.array(fc.tuple(fc.nat(seed.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }).map((edits) => {
            const bytes = seed.slice();
            for (const [at, value] of edits) bytes[at < 21 ? 21 + at : at] = value;
            return resealCrc(bytes);
          }),
        ),
        (bytes) => {
          const report = validateBatches(bytes);
          expect(report.validBytes).toBeLessThanOrEqual(bytes.length);
          expect(report.error === null).toBe(report.validBytes === bytes.length);
          try {
            const batches = decodeBatches(bytes);
            for (const batch of batches) for (const record of batch.records) void [record.key, record.value, record.headers];
          } catch (error) {
            expect(error).toBeInstanceOf(LoglabError);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
