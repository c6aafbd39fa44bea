// Read-ahead (src/log/read-ahead.ts), as one suite run on each storage that reads in the background: a reader going
// through a log in order gets its bytes from windows read and checked ahead of it, and gets exactly what a log that
// reads nothing ahead serves, whatever appends, seeks, short budgets and other readers come between; damage in a
// window is still reported, named by file and byte, when a read reaches it.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CorruptRecordError, ManualClock, PartitionLog, ReadAheadBudget, returnServedBytes, segmentFileName, type Storage, type StorageFile,
  WindowPool,
} from "../../src/index.ts";
import { sameBytes } from "../support/bytes.ts";
import { config } from "./helpers.ts";

/** Counts the reads of .log files, in the foreground and in the background; gives every file readInBackground. */
class CountingStorage implements Storage {
  foreground = 0;
  background = 0;

  constructor(private readonly inner: Storage) {}

  get readOnly(): boolean {
    return this.inner.readOnly;
  }

  async open(name: string): Promise<StorageFile> {
    const file = await this.inner.open(name);
    const counts = this;
    const isLog = name.endsWith(".log");
    return {
      name: file.name,
      get size() {
        return file.size;
      },
      read(position, length) {
        if (isLog) counts.foreground++;
        return file.read(position, length);
      },
      readInBackground(position, length, into) {
        if (isLog) counts.background++;
        if (file.readInBackground !== undefined) return file.readInBackground(position, length, into);
        // Memory: the bytes as they are now, handed over a turn later (into the buffer given, if any), as a thread
        // pool would.
        const read = file.read(position, length).then((bytes) => {
          if (into === undefined || into.length < bytes.length) return bytes;
          into.set(bytes);
          return into.subarray(0, bytes.length);
        });
        return new Promise((resolve, reject) => setTimeout(() => read.then(resolve, reject), 0));
      },
      append: (bytes) => file.append(bytes),
      truncate: (size) => file.truncate(size),
      sync: () => file.sync(),
      close: () => file.close(),
    };
  }

  list(prefix?: string) {
    return this.inner.list(prefix);
  }
  exists(name: string) {
    return this.inner.exists(name);
  }
  delete(name: string) {
    return this.inner.delete(name);
  }
  rename(from: string, to: string) {
    return this.inner.rename(from, to);
  }
  lock(command: string) {
    return this.inner.lock(command);
  }
  close() {
    return this.inner.close();
  }
}

const LOG_CONFIG = { "segment.bytes": "30000", "index.interval.bytes": "4096" };
const value = (i: number, size: number) => `${String(i).padStart(6, "0")}${"v".repeat(size)}`;

function openLog(
  storage: Storage, clock: ManualClock, readAhead?: ReadAheadBudget, overrides: Record<string, string> = LOG_CONFIG, windowPool?: WindowPool,
) {
  return PartitionLog.open({
    storage, clock, topic: "orders", partition: 0, config: config(overrides), cleanShutdown: true,
    ...(readAhead === undefined ? {} : { readAhead }), ...(windowPool === undefined ? {} : { windowPool }),
  });
}

/** The offset after the last batch of `records` (Kafka's record batches: lastOffsetDelta at byte 23). */
function nextOffsetAfter(records: Uint8Array): number {
  const view = new DataView(records.buffer, records.byteOffset, records.byteLength);
  let position = 0;
  let next = -1;
  while (position < records.length) {
    next = Number(view.getBigInt64(position)) + view.getInt32(position + 23) + 1;
    position += 12 + view.getInt32(position + 8);
  }
  return next;
}

interface StoredBatch {
  readonly baseOffset: number;
  readonly lastOffset: number;
  readonly bytes: Uint8Array;
}

/** The batches in `records`, each with its offsets (base offset at byte 0, lastOffsetDelta at byte 23). */
function batchesIn(records: Uint8Array): StoredBatch[] {
  const view = new DataView(records.buffer, records.byteOffset, records.byteLength);
  const out: StoredBatch[] = [];
  for (let position = 0; position < records.length;) {
    const size = 12 + view.getInt32(position + 8);
    const baseOffset = Number(view.getBigInt64(position));
    out.push({ baseOffset, lastOffset: baseOffset + view.getInt32(position + 23), bytes: records.subarray(position, position + size) });
    position += size;
  }
  return out;
}

/** Every batch of `log`, in order. */
async function allBatches(log: PartitionLog): Promise<StoredBatch[]> {
  const out: StoredBatch[] = [];
  for (let next = log.logStartOffset; next < log.logEndOffset;) {
    const batches = batchesIn((await log.read(next, { maxBytes: 1 << 30 })).records);
    if (batches.length === 0) break;
    out.push(...batches);
    next = batches.at(-1)!.lastOffset + 1;
  }
  return out;
}

/**
 * What a read of `offset` may serve (Kafka's fetch, KIP-74): the log's own batches, whole and in order, from the
 * one holding `offset`, at most `maxBytes` of them unless there is only one, none starting at or past `maxOffset`.
 */
function expectServable(served: Uint8Array, log: readonly StoredBatch[], offset: number, maxBytes: number, maxOffset: number, what: string): void {
  const batches = batchesIn(served);
  if (batches.length === 0) return;
  const first = log.findIndex((b) => b.lastOffset >= offset);
  expect(first, what).toBeGreaterThanOrEqual(0);
  batches.forEach((batch, i) => {
    const stored = log[first + i];
    expect(stored !== undefined && sameBytes(batch.bytes, stored.bytes), `${what}: batch ${i} is not the log's batch there`).toBe(true);
    expect(batch.baseOffset, what).toBeLessThan(maxOffset);
  });
  if (batches.length > 1) expect(served.length, what).toBeLessThanOrEqual(maxBytes);
}

export function readAheadCases(name: string, createStorage: () => Storage): void {
  describe(`read-ahead on ${name}`, () => {
    it("serves a reader going through the log in order from windows read in the background, and lets them go at the end", async () => {
      const storage = new CountingStorage(createStorage());
      const clock = new ManualClock(1_700_000_000_000);
      const budget = new ReadAheadBudget(64 << 20);
      const log = await openLog(storage, clock, budget, { "index.interval.bytes": "4096" });
      for (let i = 0; i < 20; i++) await log.appendRecords([{ value: value(i, 3000) }]);
      const first = await log.read(0, { maxBytes: 1 });
      expect(nextOffsetAfter(first.records)).toBe(1);
      const foregroundAfterFirst = storage.foreground;
      for (let offset = 1; offset < 20; offset++) {
        const { records } = await log.read(offset, { maxBytes: 1 });
        expect(nextOffsetAfter(records), `read at ${offset}`).toBe(offset + 1);
      }
      // Every read after the first found its batch read ahead: no .log read in the foreground, one in the background
      // per read that left batches after it.
      expect(storage.foreground).toBe(foregroundAfterFirst);
      expect(storage.background).toBe(19);
      expect(budget.bytes).toBe(0);
      await log.close();
    });

    it("reads windows into the pool's buffers again once the bytes served from them are returned, and only then", async () => {
      for (const returned of [true, false]) {
        const storage = new CountingStorage(createStorage());
        const pool = new WindowPool(1 << 20);
        const log = await openLog(storage, new ManualClock(1_700_000_000_000), new ReadAheadBudget(1 << 20), { "index.interval.bytes": "4096" }, pool);
        for (let i = 0; i < 20; i++) await log.appendRecords([{ value: value(i, 3000) }]);
        await log.flush(); // on disk, not in a write buffer: reads go to the file
        const buffers = new Set<ArrayBufferLike>();
        const served: { bytes: Uint8Array; copy: Uint8Array }[] = [];
        for (let offset = 0; offset < 20; offset++) {
          const { records } = await log.read(offset, { maxBytes: 1 });
          expect(nextOffsetAfter(records)).toBe(offset + 1);
          if (offset > 0) buffers.add(records.buffer);
          served.push({ bytes: records, copy: records.slice() });
          if (returned) returnServedBytes(records);
        }
        // Returned at once, the same two buffers take turns (one served, one read ahead); held, each read has its own.
        expect(buffers.size, returned ? "returned" : "held").toBe(returned ? 2 : 19);
        if (!returned) for (const { bytes, copy } of served) expect(sameBytes(bytes, copy)).toBe(true);
        await log.close();
      }
    });

    it("serves a window only to a fetch of the size it was read for, and not once the segment grew past where it stopped", async () => {
      const clock = new ManualClock(1_700_000_000_000);
      const oneSegment = { "index.interval.bytes": "4096" };
      const plain = await openLog(createStorage(), clock, undefined, oneSegment);
      const storage = new CountingStorage(createStorage());
      const ahead = await openLog(storage, clock, new ReadAheadBudget(1 << 20), oneSegment);
      for (let i = 0; i < 30; i++) {
        const records = [{ value: value(i, 1000) }];
        await plain.appendRecords(records);
        await ahead.appendRecords(records);
      }
      await ahead.read(0, { maxBytes: 1 });
      expect(storage.background).toBe(1);
      const expected = await plain.read(1, { maxBytes: 20_000 });
      expect(nextOffsetAfter(expected.records)).toBeGreaterThan(10);
      expect(sameBytes((await ahead.read(1, { maxBytes: 20_000 })).records, expected.records)).toBe(true);

      // A window read up to the end of the log (less than the fetch may take), then more appended: the window is
      // stale, and the read is served as without read-ahead.
      const next = nextOffsetAfter(expected.records);
      expect(next).toBeLessThan(30);
      expect(storage.background).toBe(2);
      for (let i = 30; i < 40; i++) {
        const records = [{ value: value(i, 1000) }];
        await plain.appendRecords(records);
        await ahead.appendRecords(records);
      }
      const grown = await plain.read(next, { maxBytes: 20_000 });
      expect(nextOffsetAfter(grown.records)).toBeGreaterThan(30);
      expect(sameBytes((await ahead.read(next, { maxBytes: 20_000 })).records, grown.records)).toBe(true);
      await plain.close();
      await ahead.close();
    });

    it("serves what a fetch may serve whenever a log without read-ahead serves something, whatever appends, seeks and readers come between", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.oneof(
              { weight: 2, arbitrary: fc.record({ op: fc.constant("append" as const), count: fc.integer({ min: 1, max: 10 }), size: fc.integer({ min: 10, max: 3000 }) }) },
              {
                weight: 6,
                arbitrary: fc.record({
                  op: fc.constant("read" as const), reader: fc.integer({ min: 0, max: 2 }), maxBytes: fc.integer({ min: 1, max: 12_000 }), below: fc.nat(3),
                  sent: fc.boolean(),
                }),
              },
              { weight: 1, arbitrary: fc.record({ op: fc.constant("seek" as const), reader: fc.integer({ min: 0, max: 2 }), to: fc.double({ min: 0, max: 1, noNaN: true }) }) },
            ),
            { minLength: 20, maxLength: 80 },
          ),
          fc.integer({ min: 0, max: 80_000 }),
          async (ops, budgetBytes) => {
            const clock = new ManualClock(1_700_000_000_000);
            const plain = await openLog(createStorage(), clock);
            const budget = new ReadAheadBudget(budgetBytes);
            const pool = new WindowPool(1 << 20);
            const ahead = await openLog(new CountingStorage(createStorage()), clock, budget, LOG_CONFIG, pool);
            // Served bytes still held (never returned to the pool): later windows must never overwrite them.
            const held: { bytes: Uint8Array; copy: Uint8Array }[] = [];
            const positions = [0, 0, 0];
            let written = 0;
            for (const op of ops) {
              if (op.op === "append") {
                const records = Array.from({ length: op.count }, () => ({ value: value(written++, op.size) }));
                await plain.appendRecords(records);
                await ahead.appendRecords(records);
                clock.advance(1);
              } else if (op.op === "seek") {
                positions[op.reader] = Math.floor(plain.logEndOffset * op.to);
              } else {
                const offset = Math.min(positions[op.reader]!, plain.logEndOffset);
                // Some reads stop below the log end, as a read_committed fetch stops at the last stable offset.
                const maxOffset = Math.max(offset, plain.logEndOffset - op.below);
                const options = { maxBytes: op.maxBytes, maxOffset };
                const expected = await plain.read(offset, options);
                const got = await ahead.read(offset, options);
                // Not always the same bytes as without read-ahead: a window read from the batch the reader is at may
                // hold more batches than a read from the index entry's; but always what a fetch may serve, and
                // something whenever there is something.
                const what = `read of ${offset}, max ${op.maxBytes} bytes, below ${maxOffset}`;
                expect(got.records.length > 0, what).toBe(expected.records.length > 0);
                expectServable(got.records, await allBatches(plain), offset, op.maxBytes, maxOffset, what);
                // Sent: as a socket shell does once it wrote them, the bytes go back to the pool; else they stay held.
                if (op.sent) returnServedBytes(got.records);
                else held.push({ bytes: got.records, copy: got.records.slice() });
                if (got.records.length > 0) positions[op.reader] = nextOffsetAfter(got.records);
                expect(budget.bytes).toBeLessThanOrEqual(budgetBytes);
              }
            }
            await plain.close();
            await ahead.close();
            expect(budget.bytes).toBe(0);
            for (const { bytes, copy } of held) expect(sameBytes(bytes, copy), "bytes served and still held were overwritten").toBe(true);
          },
        ),
        { numRuns: 25 },
      );
    });

    it("reports damage in a window read ahead when a read reaches it, naming the file and the batch's byte", async () => {
      const inner = createStorage();
      const clock = new ManualClock(1_700_000_000_000);
      const writer = await openLog(inner, clock);
      for (let i = 0; i < 8; i++) await writer.appendRecords([{ value: value(i, 2500) }]);
      await writer.close();
      const logName = segmentFileName("orders-0", 0, ".log");
      const file = await inner.open(logName);
      const bytes = await file.read(0, file.size);
      const batchBytes = bytes.length / 8;
      bytes[5 * batchBytes + 1000]! ^= 0x10; // inside batch 5's record value
      await file.truncate(0);
      await file.append(bytes);
      await file.sync();
      await file.close();
      const storage = new CountingStorage(inner);
      const log = await openLog(storage, clock, new ReadAheadBudget(1 << 20));
      for (let offset = 0; offset < 5; offset++) expect(nextOffsetAfter((await log.read(offset, { maxBytes: 1 })).records)).toBe(offset + 1);
      expect(storage.background).toBeGreaterThan(0);
      const error = await log.read(5, { maxBytes: 1 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CorruptRecordError);
      expect(error).toMatchObject({ reason: "crc-mismatch", fileName: logName, position: 5 * batchBytes });
      await log.close();
    });

    it("counts the whole of a batch larger than its window, or lets the window go when the budget cannot hold it", async () => {
      for (const [budgetBytes, kept] of [[200_000, true], [30_000, false]] as const) {
        const storage = new CountingStorage(createStorage());
        const budget = new ReadAheadBudget(budgetBytes);
        const log = await openLog(storage, new ManualClock(1_700_000_000_000), budget, { "index.interval.bytes": "4096" });
        await log.appendRecords([{ value: value(0, 100) }]);
        await log.appendRecords([{ value: value(1, 50_000) }]);
        await log.appendRecords([{ value: value(2, 100) }]);
        await log.read(0, { maxBytes: 1 });
        // The window counts 4,161 bytes (a fetch of 1 byte) until its two background reads are in: the cut first
        // window, then the whole batch.
        const counted = budget.bytes;
        expect(counted).toBe(4096 + 1 + 64);
        for (const deadline = Date.now() + 5_000; budget.bytes === counted && Date.now() < deadline;) {
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        // Kept: the window holds the whole 50 kB batch and counts it; else nothing is held.
        if (kept) expect(budget.bytes, `budget ${budgetBytes}`).toBeGreaterThan(50_000);
        else expect(budget.bytes, `budget ${budgetBytes}`).toBe(0);
        const foreground = storage.foreground;
        expect(nextOffsetAfter((await log.read(1, { maxBytes: 1 })).records)).toBe(2);
        expect(storage.foreground > foreground, `budget ${budgetBytes}: read in the foreground`).toBe(!kept);
        await log.close();
        expect(budget.bytes).toBe(0);
      }
    });

    it("keeps the windows of many partitions within one budget, dropping the oldest", async () => {
      const clock = new ManualClock(1_700_000_000_000);
      const budget = new ReadAheadBudget(2 * (4096 + 1 + 64));
      const logs = await Promise.all([0, 1, 2].map(async (partition) => {
        const log = await PartitionLog.open({
          storage: new CountingStorage(createStorage()), clock, topic: "orders", partition, config: config(LOG_CONFIG), readAhead: budget,
        });
        for (let i = 0; i < 10; i++) await log.appendRecords([{ value: value(i, 500) }]);
        return log;
      }));
      for (let offset = 0; offset < 10; offset++) {
        for (const log of logs) {
          expect(nextOffsetAfter((await log.read(offset, { maxBytes: 1 })).records)).toBe(offset + 1);
          expect(budget.bytes).toBeLessThanOrEqual(budget.maxBytes);
        }
      }
      for (const log of logs) await log.close();
      expect(budget.bytes).toBe(0);
    });
  });
}
