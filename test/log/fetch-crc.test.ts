// Reads check stored batches by header and CRC-32C only (their records were walked when appended): a byte that
// changed on disk inside a record is still caught there, named by file and byte, and never served. The batch a
// read's window cuts at its end is no damage, and no error is made for it.

import { describe, expect, it, vi } from "vitest";
import { CorruptRecordError, decodeBatches, ManualClock, MemoryStorage, PartitionLog, segmentFileName } from "../../src/index.ts";
import { config, openLog } from "./helpers.ts";
import { indexOfBytes } from "../support/bytes.ts";

/** Batches of two ~2,500-byte records, each above index.interval.bytes: every batch but the first is indexed. */
const BIG = { "index.interval.bytes": "4096" };
const BATCHES = 8;
const value = (i: number) => `${String(i).padStart(4, "0")}${"v".repeat(2496)}`;
const logName = segmentFileName("orders-0", 0, ".log");

async function storedLog(): Promise<{ storage: MemoryStorage; batchBytes: number }> {
  const { log, storage } = await openLog(BIG);
  for (let i = 0; i < BATCHES; i++) await log.appendRecords([{ value: value(2 * i) }, { value: value(2 * i + 1) }]);
  await log.close();
  const file = await storage.open(logName);
  return { storage, batchBytes: file.size / BATCHES };
}

/** Flips one bit of the record value `text` starts, `into` bytes into it; returns the byte flipped. */
async function flipInsideRecord(storage: MemoryStorage, text: string, into: number): Promise<number> {
  const file = await storage.open(logName);
  const bytes = await file.read(0, file.size);
  const at = indexOfBytes(bytes, text) + into;
  expect(at).toBeGreaterThan(into);
  bytes[at]! ^= 0x01;
  await file.truncate(0);
  await file.append(bytes);
  await file.sync();
  return at;
}

const reopen = (storage: MemoryStorage) =>
  PartitionLog.open({ storage, clock: new ManualClock(1_700_000_000_000), topic: "orders", partition: 0, config: config(BIG), cleanShutdown: true });

const offsetsOf = (records: Uint8Array) => decodeBatches(records).flatMap((b) => b.records.map((r) => r.offset));

describe("a byte flipped inside a record of a stored batch", () => {
  it("is caught when a read reaches its batch: CorruptRecordError naming the file and the batch's byte", async () => {
    const { storage, batchBytes } = await storedLog();
    // Batch 3 holds offsets 6 and 7; the flip is in the middle of record 7's value, far from any header field.
    const flipped = await flipInsideRecord(storage, value(7).slice(0, 8), 1200);
    const log = await reopen(storage);
    const damagedAt = 3 * batchBytes;
    expect(flipped).toBeGreaterThan(damagedAt + 61);
    expect(flipped).toBeLessThan(damagedAt + batchBytes);
    for (const offset of [6, 7]) {
      const error = await log.read(offset, { maxBytes: 1 }).catch((e: unknown) => e);
      expect(error, `read at ${offset}`).toBeInstanceOf(CorruptRecordError);
      expect(error).toMatchObject({ reason: "crc-mismatch", fileName: logName, position: damagedAt });
    }
    await log.close();
  });

  it("the batches before it are served, and a read from there stops before the damage instead of serving it", async () => {
    const { storage } = await storedLog();
    await flipInsideRecord(storage, value(7).slice(0, 8), 1200);
    const log = await reopen(storage);
    expect(offsetsOf((await log.read(0, { maxBytes: 1 << 20 })).records)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(offsetsOf((await log.read(8, { maxBytes: 1 << 20 })).records)).toEqual([8, 9, 10, 11, 12, 13, 14, 15]);
    await log.close();
  });
});

describe("a read whose window ends inside a batch", () => {
  it("makes no CorruptRecordError for the batch it cut (that batch is read whole next time)", async () => {
    const { storage, batchBytes } = await storedLog();
    const log = await reopen(storage);
    const inFile = vi.spyOn(CorruptRecordError.prototype, "inFile");
    try {
      // Each window holds a batch and a half: the half is cut by the read, not damaged.
      for (let offset = 0; offset < 2 * BATCHES; offset += 2) {
        expect(offsetsOf((await log.read(offset, { maxBytes: Math.floor(1.5 * batchBytes) })).records)).toEqual([offset, offset + 1]);
      }
      expect(inFile).not.toHaveBeenCalled();
    } finally {
      inFile.mockRestore();
      await log.close();
    }
  });
});
