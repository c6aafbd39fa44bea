// The check reads use on stored batches: header and CRC-32C, no record walk. It must catch every byte that changed
// under the CRC (a flipped bit inside a record included), agree with validateBatches wherever it stops, and make no
// error object for a batch cut by the end of the buffer until one is asked for.

import { describe, expect, it } from "vitest";
import { BATCH_CRC_START, BATCH_HEADER, checkBatchCrcs, CorruptRecordError, crc32c, validateBatches } from "../../src/index.ts";
import { concat } from "../support/bytes.ts";
import { fromHex } from "../support/hex.ts";
import batchVectors from "../vectors/record-batches.json" with { type: "json" };

const vector = (name: string) => fromHex(batchVectors.batches.find((b) => b.name === name)!.hex);
const NAMES = ["talk-document-log", "null-key-and-headers", "idempotent-producer", "transactional"];

describe("checkBatchCrcs", () => {
  it("passes valid batches whole and reads the same headers as validateBatches", () => {
    const bytes = concat(...NAMES.map(vector));
    const report = checkBatchCrcs(bytes);
    expect(report.stopReason).toBeNull();
    expect(report.error()).toBeNull();
    expect(report.validBytes).toBe(bytes.length);
    expect(report.headers).toEqual(validateBatches(bytes).headers);
  });

  for (const name of NAMES) {
    it(`${name}: every flip of a byte the CRC covers, records included, stops at the batch's position`, () => {
      const first = vector("talk-document-log");
      const target = vector(name);
      for (let i = BATCH_HEADER.crc.offset; i < target.length; i++) {
        const corrupted = concat(first, target);
        corrupted[first.length + i]! ^= 0x10;
        const report = checkBatchCrcs(corrupted);
        expect(report.stopReason, `flip at ${i}`).toBe("crc-mismatch");
        expect(report.validBytes).toBe(first.length);
        expect(report.headers).toHaveLength(1);
        const error = report.error();
        expect(error).toBeInstanceOf(CorruptRecordError);
        expect(error!.position).toBe(first.length);
        // The same words validateBatches uses for the same damage.
        expect(error!.message).toBe(validateBatches(corrupted).error!.message);
      }
    });
  }

  it("a batch cut by the end of the buffer is a truncated-batch stop, its error made only when asked, once", () => {
    const whole = concat(vector("talk-document-log"), vector("transactional"));
    const cut = whole.subarray(0, whole.length - 5);
    const report = checkBatchCrcs(cut);
    expect(report).toMatchObject({ stopReason: "truncated-batch", validBytes: vector("talk-document-log").length });
    const error = report.error();
    expect(error).toBe(report.error());
    expect(error!.message).toBe(validateBatches(cut).error!.message);
    expect(checkBatchCrcs(whole.subarray(0, 30)).stopReason).toBe("truncated-header");
  });

  it("a wrong magic or batch length stops there, as validateBatches does", () => {
    const bytes = vector("talk-document-log");
    const magic = bytes.slice();
    magic[BATCH_HEADER.magic.offset] = 1;
    expect(checkBatchCrcs(magic).stopReason).toBe("magic-unsupported");
    const length = bytes.slice();
    new DataView(length.buffer).setInt32(BATCH_HEADER.batchLength.offset, 3);
    expect(checkBatchCrcs(length).stopReason).toBe("batch-length-invalid");
    expect(checkBatchCrcs(length).error()!.message).toBe(validateBatches(length).error!.message);
  });

  it("does not walk records: malformed records under a CRC that matches them pass (appends walk them; reads need not)", () => {
    const bytes = vector("talk-document-log");
    const forged = bytes.slice();
    forged[forged.length - 1]! ^= 0xff;
    new DataView(forged.buffer).setUint32(BATCH_HEADER.crc.offset, crc32c(forged.subarray(BATCH_CRC_START)));
    expect(validateBatches(forged).error?.reason).toMatch(/record|offset/);
    expect(checkBatchCrcs(forged).stopReason).toBeNull();
  });
});
