// Property: whatever happens to a log's files, reading it never returns a
// wrong record and never falls silent. fast-check writes records across
// several segments, damages the files at random (flipped bytes, cuts,
// duplicated or reordered batches, zeroed ranges, garbage files, lost
// indexes, stray files), reopens the log (clean, unclean or read-only) and
// reads everything: each record returned is the one written at that offset,
// and each record not returned is reported (a gap, a damaged segment in the
// recovery report with its quarantine path) or was cut off by a typed error.
// A failure prints its seed and path; replay with fc.assert's { seed, path }.

import fc from "fast-check";
import { expect, it } from "vitest";
import {
  CorruptRecordError, decodeBatches, LoglabError, ManualClock, MemoryStorage, PartitionLog, type RecoveryReport,
} from "../../src/index.ts";
import { config, text } from "./helpers.ts";

const DIR = "orders-0";

type Damage =
  | { kind: "flip"; file: number; at: number; bit: number }
  | { kind: "truncate"; file: number; at: number }
  | { kind: "duplicate" | "reorder"; file: number; batch: number }
  | { kind: "zero"; file: number; at: number; length: number }
  | { kind: "garbage"; file: number; seed: number }
  | { kind: "delete-index"; file: number }
  | { kind: "stray"; name: string };

const fraction = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
const damage: fc.Arbitrary<Damage> = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), file: fc.nat(), at: fraction, bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant("truncate" as const), file: fc.nat(), at: fraction }),
  fc.record({ kind: fc.constantFrom("duplicate" as const, "reorder" as const), file: fc.nat(), batch: fc.nat() }),
  fc.record({ kind: fc.constant("zero" as const), file: fc.nat(), at: fraction, length: fc.integer({ min: 1, max: 80 }) }),
  fc.record({ kind: fc.constant("garbage" as const), file: fc.nat(), seed: fc.nat() }),
  fc.record({ kind: fc.constant("delete-index" as const), file: fc.nat() }),
  fc.record({
    kind: fc.constant("stray" as const),
    name: fc.constantFrom(
      `${DIR}/notes.txt`, `${DIR}/00000000000000000003.log.cleaned`, `${DIR}/00000000000000099999.index`,
      `${DIR}.quarantine/something`, `${DIR}/00000000000000000007.log`, `${DIR}/junk.log`,
    ),
  }),
);

async function bytesOf(storage: MemoryStorage, name: string): Promise<Uint8Array> {
  const file = await storage.open(name);
  return file.read(0, file.size);
}

async function replace(storage: MemoryStorage, name: string, bytes: Uint8Array): Promise<void> {
  const file = await storage.open(name);
  await file.truncate(0);
  await file.append(bytes);
  await file.sync();
}

/** Batch spans of a .log, read from the length each batch announces (stopping at anything implausible). */
function batchSpans(bytes: Uint8Array): [number, number][] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const spans: [number, number][] = [];
  for (let at = 0; at + 12 <= bytes.length;) {
    const size = view.getInt32(at + 8) + 12;
    if (size < 61 || at + size > bytes.length) break;
    spans.push([at, at + size]);
    at += size;
  }
  return spans;
}

async function apply(storage: MemoryStorage, damage: Damage): Promise<void> {
  const files = (await storage.list(`${DIR}/`)).filter((name) => /\.(log|index|timeindex)$/.test(name));
  const logs = files.filter((name) => name.endsWith(".log"));
  const pick = (list: string[], n: number) => list[n % list.length]!;
  switch (damage.kind) {
    case "flip": {
      const name = pick(files, damage.file);
      const bytes = await bytesOf(storage, name);
      if (bytes.length === 0) return;
      bytes[Math.floor(damage.at * bytes.length)]! ^= 1 << damage.bit;
      return replace(storage, name, bytes);
    }
    case "truncate": {
      const name = pick(files, damage.file);
      const bytes = await bytesOf(storage, name);
      return replace(storage, name, bytes.subarray(0, Math.floor(damage.at * bytes.length)));
    }
    case "duplicate":
    case "reorder": {
      const name = pick(logs, damage.file);
      const bytes = await bytesOf(storage, name);
      const spans = batchSpans(bytes);
      if (spans.length < 2) return;
      const i = damage.batch % (spans.length - 1);
      const [a, b] = [spans[i]!, spans[i + 1]!];
      const first = bytes.subarray(a[0], a[1]);
      const second = bytes.subarray(b[0], b[1]);
      const middle = damage.kind === "duplicate" ? [first, first] : [second, first];
      return replace(storage, name, concat([bytes.subarray(0, a[0]), ...middle, bytes.subarray(b[1])]));
    }
    case "zero": {
      const name = pick(files, damage.file);
      const bytes = await bytesOf(storage, name);
      const at = Math.floor(damage.at * bytes.length);
      bytes.fill(0, at, at + damage.length);
      return replace(storage, name, bytes);
    }
    case "garbage": {
      const name = pick(files, damage.file);
      const size = (await bytesOf(storage, name)).length;
      let state = damage.seed | 1;
      const garbage = Uint8Array.from({ length: size }, () => (state = (state * 1103515245 + 12345) >>> 0) >>> 24);
      return replace(storage, name, garbage);
    }
    case "delete-index":
      return storage.delete(pick(files.filter((name) => !name.endsWith(".log")), damage.file));
    case "stray":
      return replace(storage, damage.name, new TextEncoder().encode("not a segment"));
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

async function snapshot(storage: MemoryStorage): Promise<Map<string, string>> {
  const names = await storage.list();
  return new Map(await Promise.all(names.map(async (name) => [name, (await bytesOf(storage, name)).join(",")] as const)));
}

/** Every record the log serves, read on past read errors at the next segment; which offsets each error covered. */
async function readEverything(log: PartitionLog) {
  const served = new Map<number, [string | null, string | null]>();
  const unreadable: [number, number][] = [];
  let next = log.logStartOffset;
  while (next < log.logEndOffset) {
    try {
      const batches = decodeBatches((await log.read(next, { maxBytes: 300 })).records);
      if (batches.length === 0) break;
      for (const batch of batches) {
        for (const record of batch.records) {
          if (record.offset < next) continue;
          expect(served.has(record.offset), `offset ${record.offset} served twice`).toBe(false);
          served.set(record.offset, [text(record.key), text(record.value)]);
        }
        expect(batch.lastOffset).toBeGreaterThanOrEqual(next);
        next = batch.lastOffset + 1;
      }
    } catch (error) {
      expect(error).toBeInstanceOf(CorruptRecordError);
      expect((error as CorruptRecordError).fileName).toMatch(/^orders-0\/\d{20}\.log$/);
      const resume = log.segmentBaseOffsets.find((base) => base > next) ?? log.logEndOffset;
      unreadable.push([next, resume]);
      next = resume;
    }
  }
  return { served, unreadable };
}

function expectQuarantineNamed(report: RecoveryReport): void {
  for (const segment of report.recovered) {
    if (segment.truncatedBytes === 0) continue;
    const moved = report.quarantined.find((q) => q.fromFile === segment.fileName && q.startByte === segment.validBytes);
    expect(moved, `cut of ${segment.fileName} has a quarantine path`).toBeDefined();
    expect(moved!.endByte - moved!.startByte).toBe(segment.truncatedBytes);
  }
}

it("reads of a damaged log return only records written at those offsets, and every missing record is reported", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.string({ maxLength: 12 }), { minLength: 5, maxLength: 40 }),
      fc.integer({ min: 250, max: 600 }),
      fc.integer({ min: 40, max: 200 }),
      fc.array(damage, { minLength: 1, maxLength: 3 }),
      fc.constantFrom("clean" as const, "unclean" as const, "read-only" as const),
      async (values, segmentBytes, indexIntervalBytes, damages, reopenAs) => {
        const storage = new MemoryStorage();
        const logConfig = config({ "segment.bytes": String(segmentBytes), "index.interval.bytes": String(indexIntervalBytes) });
        const options = { storage, clock: new ManualClock(1_700_000_000_000), topic: "orders", partition: 0, config: logConfig };
        const writer = await PartitionLog.open(options);
        for (const [i, value] of values.entries()) await writer.appendRecords([{ key: `k${i}`, value }]);
        await writer.close();
        for (const d of damages) await apply(storage, d);

        const before = await snapshot(storage);
        const log = await PartitionLog.open({
          ...options, recoveryPoint: values.length, cleanShutdown: reopenAs !== "unclean", readOnly: reopenAs === "read-only",
        });
        const { served, unreadable } = await readEverything(log);
        for (const [offset, record] of served) {
          expect(offset).toBeLessThan(values.length);
          expect(record, `record at offset ${offset}`).toEqual([`k${offset}`, values[offset]]);
        }
        const report = log.recovery;
        expectQuarantineNamed(report);
        const damageReported = report.recovered.some((r) => r.error !== null);
        for (let offset = 0; offset < values.length; offset++) {
          if (served.has(offset)) continue;
          const explained = report.gaps.some((g) => g.fromOffset <= offset && offset < g.toOffset) ||
            unreadable.some(([from, to]) => from <= offset && offset < to) ||
            (offset >= log.logEndOffset && damageReported);
          expect(explained, `offset ${offset} is missing without a report: ${JSON.stringify(report)}`).toBe(true);
        }
        if (reopenAs === "read-only") expect(await snapshot(storage)).toEqual(before);
        await log.close();
        // A second open finds the same records: recovery left the log consistent.
        if (reopenAs !== "read-only") {
          const again = await PartitionLog.open({ ...options, cleanShutdown: true });
          const second = await readEverything(again);
          for (const [offset, record] of second.served) expect(record).toEqual([`k${offset}`, values[offset]]);
          await again.close();
        }
      },
    ),
    { numRuns: 150 },
  );
}, 60_000);

it("a typed error, not a crash, is all a damaged log can raise on open", async () => {
  // Open never fails on damage alone; if it ever raises, it must be one of loglab's errors.
  const storage = new MemoryStorage();
  await replace(storage, `${DIR}/00000000000000000000.log`, new Uint8Array(100).fill(0xff));
  const log = await PartitionLog.open({ storage, clock: new ManualClock(0), topic: "orders", partition: 0, config: config(), cleanShutdown: true })
    .catch((error: unknown) => {
      expect(error).toBeInstanceOf(LoglabError);
      return null;
    });
  expect(log?.recovery.recovered[0]?.error?.fileName).toBe(`${DIR}/00000000000000000000.log`);
});
