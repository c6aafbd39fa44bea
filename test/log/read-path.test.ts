// What a read costs: the offset index names the batch before the one a read
// starts at (its entries hold a batch's last offset), so a read steps over that
// batch by its header, as Kafka does, instead of reading and checking all of it.
// What is served is still whole valid batches, and damage is still named.

import { describe, expect, it } from "vitest";
import {
  CorruptRecordError, decodeBatches, ManualClock, MemoryStorage, PartitionLog, segmentFileName, type Storage, type StorageFile,
} from "../../src/index.ts";
import { config, openLog } from "./helpers.ts";

/** Batches of two ~2,500-byte records: each batch is above index.interval.bytes, so each (but the first) is indexed. */
const BIG = { "index.interval.bytes": "4096" };
const BATCHES = 10;
const value = (i: number) => `${String(i).padStart(4, "0")}${"v".repeat(2496)}`;
const logName = segmentFileName("orders-0", 0, ".log");

async function twoRecordBatches(): Promise<MemoryStorage> {
  const { log, storage } = await openLog(BIG);
  for (let i = 0; i < BATCHES; i++) await log.appendRecords([{ value: value(2 * i) }, { value: value(2 * i + 1) }]);
  await log.close();
  return storage;
}

async function rewrite(storage: MemoryStorage, name: string, change: (bytes: Uint8Array) => void): Promise<void> {
  const file = await storage.open(name);
  const bytes = await file.read(0, file.size);
  change(bytes);
  await file.truncate(0);
  await file.append(bytes);
  await file.sync();
}

async function reopen(storage: MemoryStorage, warnings: string[] = []): Promise<PartitionLog> {
  return PartitionLog.open({
    storage, clock: new ManualClock(1_700_000_000_000), topic: "orders", partition: 0, config: config(BIG), cleanShutdown: true,
    onWarning: (w) => warnings.push(w.message),
  });
}

const served = (records: Uint8Array) =>
  decodeBatches(records).flatMap((b) => b.records.map((r) => [r.offset, new TextDecoder().decode(r.value!).slice(0, 4)]));

async function batchBytes(storage: MemoryStorage): Promise<number> {
  const file = await storage.open(logName);
  expect(file.size % BATCHES).toBe(0);
  return file.size / BATCHES;
}

describe("reads from an indexed log", () => {
  it("fill maxBytes with whole batches from the one asked for, not from the batch the index names", async () => {
    const storage = await twoRecordBatches();
    const size = await batchBytes(storage);
    const warnings: string[] = [];
    const log = await reopen(storage, warnings);
    // The index names batch 4 (offsets 8-9) for offset 10: reading from there, two batches' room held batch 5 only.
    expect(served((await log.read(10, { maxBytes: 2 * size })).records)).toEqual([[10, "0010"], [11, "0011"], [12, "0012"], [13, "0013"]]);
    expect(served((await log.read(11, { maxBytes: 1 })).records)).toEqual([[10, "0010"], [11, "0011"]]);
    expect(warnings).toEqual([]);
    await log.close();
  });

  it("a damaged batch before the one asked for is still named when its own offsets are read", async () => {
    const storage = await twoRecordBatches();
    const size = await batchBytes(storage);
    await rewrite(storage, logName, (bytes) => { bytes[4 * size + 100]! ^= 0x01; }); // batch 4's records: its CRC no longer matches
    const log = await reopen(storage);
    expect(served((await log.read(10, { maxBytes: size })).records)).toEqual([[10, "0010"], [11, "0011"]]);
    for (const offset of [8, 9]) {
      const failure = await log.read(offset, { maxBytes: size }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(CorruptRecordError);
      expect(failure).toMatchObject({ fileName: logName, position: 4 * size, reason: "crc-mismatch" });
    }
    await log.close();
  });

  it("an index entry whose batch does not end at the entry's offset is read from its start, with a warning", async () => {
    const storage = await twoRecordBatches();
    const size = await batchBytes(storage);
    // Entries are (relative offset, position), 8 bytes each, one per batch from batch 1: batch 4's entry gets batch 3's position.
    await rewrite(storage, segmentFileName("orders-0", 0, ".index"), (bytes) => {
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      expect([view.getInt32(3 * 8), view.getInt32(3 * 8 + 4)]).toEqual([9, 4 * size]);
      view.setInt32(3 * 8 + 4, 3 * size);
    });
    const warnings: string[] = [];
    const log = await reopen(storage, warnings);
    expect(served((await log.read(10, { maxBytes: 1 })).records)).toEqual([[10, "0010"], [11, "0011"]]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`index entry for offset 9 points at byte ${3 * size}`);
    await log.close();
  });

  it("a read at the log end while an append is half written finds nothing, not damage", async () => {
    // The second piece of a .log append (a batch is written as its stamped head, then the rest) waits for `release`.
    let hold = false;
    let release!: () => void;
    let firstPieceWritten!: () => void;
    const gate = new Promise<void>((resolve) => { release = resolve; });
    const halfWritten = new Promise<void>((resolve) => { firstPieceWritten = resolve; });
    const holding = (file: StorageFile): StorageFile => new Proxy(file, {
      get(target, property) {
        if (property === "append" && target.name.endsWith(".log")) {
          return async (bytes: Uint8Array) => {
            if (hold) {
              hold = false;
              await target.append(bytes);
              firstPieceWritten();
              return gate;
            }
            return target.append(bytes);
          };
        }
        const got: unknown = Reflect.get(target, property, target);
        return typeof got === "function" ? got.bind(target) : got;
      },
    });
    const memory = new MemoryStorage();
    const storage = new Proxy(memory, {
      get(target, property) {
        if (property === "open") return async (name: string) => holding(await target.open(name));
        const got: unknown = Reflect.get(target, property, target);
        return typeof got === "function" ? got.bind(target) : got;
      },
    }) as Storage;
    const log = await PartitionLog.open({ storage, clock: new ManualClock(1_700_000_000_000), topic: "orders", partition: 0, config: config(BIG) });
    for (let i = 0; i < 3; i++) await log.appendRecords([{ value: value(2 * i) }, { value: value(2 * i + 1) }]);
    const end = log.logEndOffset;
    hold = true;
    const appending = log.appendRecords([{ value: value(6) }, { value: value(7) }]);
    await halfWritten;
    expect((await log.read(end, { maxBytes: 1 << 20 })).records.length).toBe(0);
    release();
    await appending;
    expect(served((await log.read(end, { maxBytes: 1 << 20 })).records)).toEqual([[6, "0006"], [7, "0007"]]);
    await log.close();
  });
});
