// Corruption is never silent: a read that meets a damaged batch throws
// CorruptRecordError naming the file and byte, a wrong index entry is worked
// around with a warning, offsets only go forward, and recovery moves what it
// cuts to the quarantine instead of deleting it.

import { describe, expect, it } from "vitest";
import {
  Broker, checkDataDir, CorruptRecordError, decodeBatches, encodeBatch, LogManager, ManualClock, ManualScheduler, MemoryStorage, PartitionLog,
  ReadOnlyLogError, SeededRandom, segmentFileName,
} from "../../src/index.ts";
import { Consumer } from "../../src/client/consumer.ts";
import { InProcessTransport } from "../../src/client/transport.ts";
import { config, openLog, readAll, records } from "./helpers.ts";

const SMALL = { "segment.bytes": "400", "index.interval.bytes": "64" };
const clock = () => new ManualClock(1_700_000_000_000);

const reopen = (storage: MemoryStorage, options: { clean?: boolean; readOnly?: boolean; overrides?: Record<string, string> } = {}) =>
  PartitionLog.open({
    storage, clock: clock(), topic: "orders", partition: 0, config: config(options.overrides ?? SMALL),
    cleanShutdown: options.clean ?? false, readOnly: options.readOnly ?? false,
  });

/** A closed log of `count` records ("v0", "v1", …) over several segments. */
async function writtenLog(count: number, overrides: Record<string, string> = SMALL) {
  const { log, storage } = await openLog(overrides);
  for (let i = 0; i < count; i++) await log.appendRecords(records(`v${i}`));
  const segments = log.segmentBaseOffsets;
  await log.close();
  return { storage, segments };
}

async function fileBytes(storage: MemoryStorage, name: string): Promise<Uint8Array> {
  const file = await storage.open(name);
  return file.read(0, file.size);
}

async function rewrite(storage: MemoryStorage, name: string, change: (bytes: Uint8Array) => void): Promise<void> {
  const file = await storage.open(name);
  const bytes = await file.read(0, file.size);
  change(bytes);
  await file.truncate(0);
  await file.append(bytes);
  await file.sync();
}

/** Byte positions of the batches in a .log (each batch announces its length at +8). */
function batchPositions(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const positions: number[] = [];
  for (let at = 0; at + 12 <= bytes.length; at += view.getInt32(at + 8) + 12) positions.push(at);
  return positions;
}

/** Reads from `offset` until the log end or an error; returns the records read and the error. */
async function readUntilError(log: PartitionLog, offset = log.logStartOffset) {
  const read: [number, string | null][] = [];
  let next = offset;
  try {
    while (next < log.logEndOffset) {
      const batches = decodeBatches((await log.read(next, { maxBytes: 100 })).records);
      if (batches.length === 0) throw new Error(`silent short read at offset ${next}`);
      for (const batch of batches) {
        for (const r of batch.records) if (r.offset >= next) read.push([r.offset, r.value === null ? null : new TextDecoder().decode(r.value)]);
        next = batch.lastOffset + 1;
      }
    }
    return { read, error: null };
  } catch (error) {
    return { read, error };
  }
}

const logName = (base: number) => segmentFileName("orders-0", base, ".log");
const expected = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => [from + i, `v${from + i}`]);

describe("corruption in the middle of a cleanly closed log", () => {
  it("throws CorruptRecordError naming the file and byte, after returning every record before it", async () => {
    const { storage, segments } = await writtenLog(40);
    const middle = segments[1]!;
    const second = batchPositions(await fileBytes(storage, logName(middle)))[1]!;
    await rewrite(storage, logName(middle), (bytes) => { bytes[second + 40]! ^= 0x01; });

    const log = await reopen(storage, { clean: true });
    const { read, error } = await readUntilError(log);
    expect(error).toBeInstanceOf(CorruptRecordError);
    expect(error).toMatchObject({ fileName: logName(middle), position: second, reason: "crc-mismatch" });
    expect((error as Error).message).toContain(logName(middle));
    expect(read).toEqual(expected(0, middle + 1));
  });

  it("falls back to a scan when an index entry points at the wrong batch, and warns", async () => {
    const { storage, segments } = await writtenLog(60, { "index.interval.bytes": "64" });
    expect(segments).toEqual([0]);
    const indexName = segmentFileName("orders-0", 0, ".index");
    const index = await fileBytes(storage, indexName);
    expect(index.length).toBeGreaterThanOrEqual(24);
    // Entry 1 gets entry 2's position: its batches would be skipped silently.
    await rewrite(storage, indexName, (bytes) => bytes.set(bytes.subarray(20, 24), 12));
    const view = new DataView(index.buffer, index.byteOffset);
    const target = view.getInt32(8); // the offset entry 1 names

    const warnings: string[] = [];
    const log = await PartitionLog.open({
      storage, clock: clock(), topic: "orders", partition: 0, config: config({ "index.interval.bytes": "64" }),
      cleanShutdown: true, onWarning: (w) => warnings.push(`${w.fileName}: ${w.message}`),
    });
    expect((await readAll(log, target))[0]).toEqual([target, `k-v${target}`, `v${target}`]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(indexName);
    expect(log.warnings).toHaveLength(1);
  });
});

describe("offsets only go forward", () => {
  it("recovery cuts at a batch whose offsets go backwards, so new records never reuse an offset", async () => {
    const { storage } = await writtenLog(5, {});
    await rewrite(storage, logName(0), (bytes) => {
      const third = batchPositions(bytes)[3]!;
      new DataView(bytes.buffer, bytes.byteOffset).setUint32(third + 4, 1); // batch 3 claims offset 1
    });
    const log = await reopen(storage, { overrides: {} });
    expect(log.recovery.recovered[0]!.error).toMatchObject({ reason: "offset-not-increasing", fileName: logName(0) });
    expect(log.logEndOffset).toBe(3);
    expect(log.recovery.quarantined[0]!.path).toMatch(/^orders-0\.quarantine\/00000000000000000000\.log\.\d+-\d+\.offset-not-increasing\.\d+$/);
    await log.appendRecords(records("new"));
    expect((await readAll(log)).map(([offset]) => offset)).toEqual([0, 1, 2, 3]);
  });

  for (const [policy, reason] of [["delete", "offset-not-contiguous"], ["compact", "offset-not-increasing"]] as const) {
    it(`a flipped baseOffset byte (outside the CRC) is caught at that batch, not served under a wrong offset (${policy})`, async () => {
      const overrides = { "cleanup.policy": policy };
      const { storage } = await writtenLog(5, overrides);
      await rewrite(storage, logName(0), (bytes) => { bytes[batchPositions(bytes)[2]! + 7]! ^= 0x10; }); // offset 2 -> 18
      const log = await reopen(storage, { clean: true, overrides });
      expect(log.recovery.recovered[0]!.error).toMatchObject({ reason });
      expect(await readAll(log)).toEqual([[0, "k-v0", "v0"], [1, "k-v1", "v1"]]);
      expect(log.recovery.quarantined.map((q) => q.fromFile)).toEqual([logName(0)]);
    });
  }

  it("a flipped baseOffset in the last batch of a log that is never compacted is caught too", async () => {
    const { storage } = await writtenLog(5, {});
    await rewrite(storage, logName(0), (bytes) => { bytes[batchPositions(bytes)[4]! + 7]! ^= 0x20; });
    const log = await reopen(storage, { clean: true, overrides: {} });
    expect(log.recovery.recovered[0]!.error).toMatchObject({ reason: "offset-not-contiguous" });
    expect(log.logEndOffset).toBe(4);
  });

  it("a base offset flipped past the next segment's is out of its segment", async () => {
    const { storage, segments } = await writtenLog(40);
    await rewrite(storage, logName(segments[1]!), (bytes) => {
      const positions = batchPositions(bytes);
      bytes[positions[positions.length - 1]! + 6]! ^= 0x01; // +256: past the third segment's base
    });
    const log = await reopen(storage, { clean: true });
    expect(log.recovery.recovered[0]!.error).toMatchObject({ reason: "offset-out-of-segment", fileName: logName(segments[1]!) });
    expect(log.gaps).toEqual([expect.objectContaining({ fromOffset: segments[2]! - 1, toOffset: segments[2]! })]);
  });

  it("an append refuses to write after bytes another writer put in the segment", async () => {
    const storage = new MemoryStorage();
    const first = await reopen(storage, { clean: true, overrides: {} });
    const second = await reopen(storage, { clean: true, overrides: {} });
    await first.appendRecords(records("a", "b"));
    await expect(second.appendRecords(records("c"))).rejects.toMatchObject({ reason: "offset-not-increasing", fileName: logName(0) });
    await first.close();
    const again = await reopen(storage, { clean: true, overrides: {} });
    expect(await readAll(again)).toEqual([[0, "k-a", "a"], [1, "k-b", "b"]]);
  });
});

describe("recovery deletes nothing", () => {
  const garbage = (bytes: Uint8Array) => bytes.fill(0x5a, 0);

  it("after a clean shutdown a garbage middle segment is a reported gap and its neighbours stay readable", async () => {
    const { storage, segments } = await writtenLog(40);
    const middle = segments[1]!;
    await rewrite(storage, logName(middle), garbage);
    const log = await reopen(storage, { clean: true });
    expect(log.recovery.gaps).toEqual([{ fromOffset: middle, toOffset: segments[2]!, fileName: logName(middle), position: 0, reason: "truncated-batch" }]);
    expect(log.recovery.quarantined).toEqual([]);
    const all = (await readAll(log)).map(([offset, , value]) => [offset, value]);
    expect(all).toEqual([...expected(0, middle), ...expected(segments[2]!, 40)]);
    expect((await fileBytes(storage, logName(middle))).every((b) => b === 0x5a)).toBe(true);
  });

  it("after an unclean shutdown it cuts there and moves the garbage and every later segment to the quarantine", async () => {
    const { storage, segments } = await writtenLog(40);
    const middle = segments[1]!;
    await rewrite(storage, logName(middle), garbage);
    const sizes = await Promise.all(segments.map(async (base) => (await fileBytes(storage, logName(base))).length));
    const log = await reopen(storage);
    const moved = log.recovery.quarantined.filter((q) => q.fromFile.endsWith(".log"));
    expect(moved.map((q) => [q.fromFile, q.startByte, q.endByte])).toEqual(segments.slice(1).map((base, i) => [logName(base), 0, sizes[i + 1]]));
    // The damaged segment stays, cut to nothing, as the new active segment.
    expect((await storage.list("orders-0/")).filter((name) => name.endsWith(".log"))).toEqual([logName(0), logName(middle)]);
    expect((await fileBytes(storage, logName(middle))).length).toBe(0);
    expect(log.logEndOffset).toBe(middle);
    expect((await storage.list("orders-0.quarantine/")).length).toBe(log.recovery.quarantined.length);
    // The quarantined bytes are the original ones.
    const last = moved.at(-1)!;
    expect(decodeBatches(await fileBytes(storage, last.path)).at(-1)!.lastOffset).toBe(39);
  });

  it("a base offset beyond 2^53 fails only its partition, naming the file", async () => {
    const storage = new MemoryStorage();
    const manager = await LogManager.open({ storage, clock: clock() });
    await manager.createTopic("bad", 1, { "index.interval.bytes": "64" });
    await manager.createTopic("good", 1);
    for (let i = 0; i < 20; i++) await manager.log("bad", 0).appendRecords(records(`v${i}`));
    await manager.log("good", 0).appendRecords(records("fine"));
    await manager.close();
    const bad = segmentFileName("bad-0", 0, ".log");
    await rewrite(storage, bad, (bytes) => { bytes[batchPositions(bytes)[1]!]! = 0x7f; });

    const again = await LogManager.open({ storage, clock: clock() });
    expect(await readAll(again.log("good", 0))).toEqual([[0, "k-fine", "fine"]]);
    const { read, error } = await readUntilError(again.log("bad", 0));
    expect(read).toEqual([[0, "v0"]]);
    expect(error).toBeInstanceOf(CorruptRecordError);
    expect(error).toMatchObject({ fileName: bad, reason: "offset-out-of-segment" });
    expect((error as Error).message).toMatch(/exceeds 2\^53/);
  });
  it("a broker opens over a corrupt middle segment: only reads of its offsets fail", async () => {
    const storage = new MemoryStorage();
    const manager = await LogManager.open({ storage, clock: clock() });
    await manager.createTopic("orders", 1, SMALL);
    for (let i = 0; i < 40; i++) await manager.log("orders", 0).appendRecords(records(`v${i}`));
    const segments = manager.log("orders", 0).segmentBaseOffsets;
    await manager.close();
    await rewrite(storage, logName(segments[1]!), (bytes) => { bytes[40]! ^= 0x01; });

    const broker = await Broker.open({ storage, scheduler: new ManualScheduler(1_700_000_000_000) });
    const log = broker.logs.log("orders", 0);
    await expect(log.read(segments[1]!)).rejects.toMatchObject({ fileName: logName(segments[1]!), reason: "crc-mismatch" });
    expect((await readAll(log, segments[2]!))[0]).toEqual([segments[2]!, `k-v${segments[2]!}`, `v${segments[2]!}`]);
  });
});

describe("the broker's replays of its internal topics", () => {
  it("skip a damaged segment of __consumer_offsets and __transaction_state, and say which offsets they skipped", async () => {
    const storage = new MemoryStorage();
    const manager = await LogManager.open({ storage, clock: clock() });
    const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
    const committed = (i: number) => ({ offset: i, metadata: "", commitTimestamp: 1_700_000_000_000 });
    const transaction = (i: number) => ({ transactionalId: `tx-${i % 3}`, producerId: i, producerEpoch: 0, state: "CompleteCommit", partitions: [], offsets: [] });
    for (const topic of ["__consumer_offsets", "__transaction_state"]) {
      await manager.createTopic(topic, 1, { ...SMALL, "cleanup.policy": "compact" });
      for (let i = 0; i < 40; i++) {
        await manager.log(topic, 0).appendRecords([topic === "__consumer_offsets"
          ? { key: json({ group: "g", topic: "t", partition: 0 }), value: json(committed(i)) }
          : { key: `tx-${i % 3}`, value: json(transaction(i)) }]);
      }
    }
    const damaged = (topic: string) => {
      const segments = manager.log(topic, 0).segmentBaseOffsets;
      return { topic, name: segmentFileName(`${topic}-0`, segments[1]!, ".log"), from: segments[1]!, to: segments[2]! };
    };
    const offsets = damaged("__consumer_offsets");
    const state = damaged("__transaction_state");
    await manager.close();
    for (const { name } of [offsets, state]) await rewrite(storage, name, (bytes) => { bytes[40]! ^= 0x01; });

    const broker = await Broker.open({ storage, scheduler: new ManualScheduler(1_700_000_000_000) });
    // The producer-state replay (of every log) reads past the same damage and says so too.
    expect(broker.warnings).toHaveLength(4);
    expect(broker.warnings).toEqual(expect.arrayContaining([offsets, state].map(({ topic, name, from, to }) => expect.stringMatching(new RegExp(
      `^replaying ${topic === "__consumer_offsets" ? "committed offsets" : "transaction state"} skipped offsets ${from} to ${to - 1} ` +
        `of ${topic}-0: corrupt record batch in ${name} at byte 0: crc-mismatch `,
    )))));
    // What the segments after the damage hold is replayed: the last commit is the one the broker knows.
    expect((await broker.offsetFetch("g", [{ topic: "t", partition: 0 }])).partitions[0]).toMatchObject({ offset: 39 });
    await broker.close();
  });
});

describe("consumers", () => {
  it("a consumer gets the records before a corrupt batch, then CorruptRecordError naming the file, not an endless wait", async () => {
    const storage = new MemoryStorage();
    const scheduler = new ManualScheduler(1_700_000_000_000);
    const broker = await Broker.open({ storage, scheduler, config: { "group.initial.rebalance.delay.ms": "0" } });
    await broker.logs.createTopic("test", 1);
    for (const value of ["1", "2", "3", "4"]) {
      await broker.produce({ acks: -1, partitions: [{ topic: "test", partition: 0, records: encodeBatch({ baseTimestamp: scheduler.nowMs(), records: [{ value }] }) }] });
    }
    const name = segmentFileName("test-0", 0, ".log");
    await rewrite(storage, name, (bytes) => { bytes[batchPositions(bytes)[2]! + 40]! ^= 0x01; });
    const consumer = new Consumer(new InProcessTransport(broker), { scheduler, random: new SeededRandom(1) }, { "auto.offset.reset": "earliest" });
    consumer.assign([{ topic: "test", partition: 0 }]);
    const seen: string[] = [];
    let failure: unknown = null;
    for (let i = 0; i < 5 && failure === null; i++) {
      try {
        seen.push(...(await scheduler.runUntilSettled(consumer.poll(100), 60_000)).map((r) => new TextDecoder().decode(r.value!)));
      } catch (error) {
        failure = error;
      }
    }
    expect(seen).toEqual(["1", "2"]);
    expect(failure).toMatchObject({ fileName: name, reason: "crc-mismatch" });
  });
});

describe("read-only logs", () => {
  it("change no file: a torn tail is reported and the log ends at the last whole batch", async () => {
    const { storage } = await writtenLog(5, {});
    await rewrite(storage, logName(0), () => undefined);
    const file = await storage.open(logName(0));
    await file.truncate(file.size - 3);
    await storage.delete(segmentFileName("orders-0", 0, ".index"));
    const before = new Map(await Promise.all((await storage.list()).map(async (n) => [n, await fileBytes(storage, n)] as const)));

    const log = await reopen(storage, { readOnly: true, overrides: {} });
    expect(log.recovery.recovered[0]).toMatchObject({ truncatedBytes: 0, error: { reason: "truncated-batch" } });
    expect(log.recovery.recovered[0]!.unreadBytes).toBeGreaterThan(0);
    expect(log.logEndOffset).toBe(4);
    expect((await readAll(log)).length).toBe(4);
    await expect(log.appendRecords(records("x"))).rejects.toThrow(ReadOnlyLogError);
    await expect(log.flush()).rejects.toThrow(ReadOnlyLogError);
    await expect(log.compact()).rejects.toThrow(ReadOnlyLogError);
    await log.close();
    const after = new Map(await Promise.all((await storage.list()).map(async (n) => [n, await fileBytes(storage, n)] as const)));
    expect(after).toEqual(before);
  });
});

describe("checkDataDir", () => {
  it("lists every problem with its file and byte, and changes nothing", async () => {
    const { storage, segments } = await writtenLog(40);
    expect((await checkDataDir(storage, clock())).problems).toEqual([]);
    const middle = segments[1]!;
    const second = batchPositions(await fileBytes(storage, logName(middle)))[1]!;
    await rewrite(storage, logName(middle), (bytes) => { bytes[second + 40]! ^= 0x01; });
    const indexName = segmentFileName("orders-0", 0, ".index");
    await rewrite(storage, indexName, (bytes) => bytes.set(bytes.subarray(12, 16), 4)); // entry 0 gets entry 1's position
    await rewrite(storage, segmentFileName("orders-0", 99_999, ".index"), () => undefined);
    const before = await Promise.all((await storage.list()).map(async (n) => [n, await fileBytes(storage, n)] as const));

    const report = await checkDataDir(storage, clock());
    expect(report).toMatchObject({ partitions: 1, segments: segments.length });
    expect(report.problems.map((p) => [p.fileName, p.position, p.reason])).toEqual([
      [segmentFileName("orders-0", 99_999, ".index"), 0, "orphan-index"],
      [indexName, 0, "index-entry-invalid"],
      [logName(middle), second, "crc-mismatch"],
    ]);
    expect(await Promise.all((await storage.list()).map(async (n) => [n, await fileBytes(storage, n)] as const))).toEqual(before);
  });
});
