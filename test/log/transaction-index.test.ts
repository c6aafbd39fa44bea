// The .txnindex beside each segment: Kafka's 34-byte entries for the
// transactions an ABORT marker in the segment ended, written as markers are
// appended, created with the first entry, following the segment through
// rolls, retention, compaction and recovery, and rebuilt (with a warning)
// when torn.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ABORTED_TXN_ENTRY_BYTES, type AbortedTxn, checkDataDir, CONTROL_TYPE_ABORT, CONTROL_TYPE_COMMIT, controlRecordKey, controlRecordValue, CorruptIndexError,
  decodeAbortedTxns, encodeAbortedTxns, encodeBatch, ManualClock, MemoryStorage, PartitionLog, segmentFileName, TXN_INDEX_SUFFIX,
} from "../../src/index.ts";
import { PartitionTransactions } from "../../src/broker/partition-transactions.ts";
import { config, readAll } from "./helpers.ts";
import { toHex } from "../support/hex.ts";

const clock = () => new ManualClock(1_700_000_000_000);
const txnIndexName = (baseOffset: number) => segmentFileName("orders-0", baseOffset, TXN_INDEX_SUFFIX);

async function open(
  storage: MemoryStorage, overrides: Record<string, string> = {}, options: { cleanShutdown?: boolean; readOnly?: boolean; recoveryPoint?: number } = {},
) {
  const warnings: string[] = [];
  const log = await PartitionLog.open({
    storage, clock: clock(), topic: "orders", partition: 0, config: config(overrides), ...options, onWarning: (w) => void warnings.push(w.message),
  });
  return { log, warnings };
}

/** A transactional batch of `count` records from `producerId`. */
const data = (log: PartitionLog, producerId: number, count = 1) =>
  log.appendRecords(Array.from({ length: count }, (_, i) => ({ key: `p${producerId}`, value: `v${i}` })), {
    isTransactional: true, producerId, producerEpoch: 0, baseSequence: 0,
  });
const marker = (log: PartitionLog, producerId: number, commit: boolean) =>
  log.append(encodeBatch({
    isControl: true, isTransactional: true, producerId, producerEpoch: 0, baseTimestamp: 1_700_000_000_000,
    records: [{ key: controlRecordKey(commit ? CONTROL_TYPE_COMMIT : CONTROL_TYPE_ABORT), value: controlRecordValue() }],
  }));
const plain = (log: PartitionLog) => log.appendRecords([{ key: "k", value: "plain" }]);

async function fileBytes(storage: MemoryStorage, name: string): Promise<Uint8Array> {
  const file = await storage.open(name);
  const bytes = await file.read(0, file.size);
  await file.close();
  return bytes;
}

const entriesOf = (log: PartitionLog) => log.describeSegments().map((s) => s.abortedTransactions);

describe("the .txnindex entry format", () => {
  it("is Kafka's AbortedTxn: version int16 0, then producerId, firstOffset, lastOffset, lastStableOffset as big-endian int64", () => {
    const bytes = encodeAbortedTxns([{ producerId: 0x0102, firstOffset: 3, lastOffset: 9, lastStableOffset: 10 }]);
    expect(bytes.length).toBe(ABORTED_TXN_ENTRY_BYTES);
    expect(toHex(bytes)).toBe(
      "0000" + "0000000000000102" + "0000000000000003" + "0000000000000009" + "000000000000000a",
    );
    expect(decodeAbortedTxns(bytes, "x.txnindex", 0, 100)).toEqual([{ producerId: 0x0102, firstOffset: 3, lastOffset: 9, lastStableOffset: 10 }]);
  });

  it("refuses torn or impossible files with CorruptIndexError naming the file and byte, never a shorter list", () => {
    const two = encodeAbortedTxns([
      { producerId: 1, firstOffset: 0, lastOffset: 4, lastStableOffset: 5 },
      { producerId: 2, firstOffset: 2, lastOffset: 8, lastStableOffset: 9 },
    ]);
    const refusal = (bytes: Uint8Array, baseOffset = 0, limitOffset = 100) => {
      try {
        decodeAbortedTxns(bytes, "orders-0/x.txnindex", baseOffset, limitOffset);
      } catch (error) {
        expect(error).toBeInstanceOf(CorruptIndexError);
        return (error as Error).message;
      }
      throw new Error("accepted");
    };
    expect(refusal(two.subarray(0, 50))).toBe("corrupt index orders-0/x.txnindex at byte 34: 50 bytes are not whole 34-byte entries (a torn write?)");
    const version = two.slice();
    version[35] = 1;
    expect(refusal(version)).toMatch("at byte 34: entry version 1");
    expect(refusal(two, 5)).toMatch("at byte 0: marker offset 4 is not after 4");
    expect(refusal(two, 0, 8)).toMatch("at byte 34: marker offset 8 is not below 8, where the segment's offsets end");
    expect(refusal(encodeAbortedTxns([{ producerId: 1, firstOffset: 6, lastOffset: 4, lastStableOffset: 5 }]))).toMatch("first offset 6");
    expect(decodeAbortedTxns(new Uint8Array(0), "x", 0, 1)).toEqual([]);
  });
});

describe("a log's .txnindex", () => {
  it("gets one entry per ABORT marker of a transaction with records, with Kafka's last stable offset", async () => {
    const storage = new MemoryStorage();
    const { log } = await open(storage);
    await data(log, 7, 2); // 0-1
    await data(log, 8); // 2
    await plain(log); // 3
    await marker(log, 7, false); // 4: producer 8 is still open from 2
    await data(log, 7); // 5
    await marker(log, 8, true); // 6: commit, no entry
    await marker(log, 7, false); // 7: nothing else open
    await marker(log, 9, false); // 8: producer 9 never wrote here, no entry (as in Kafka)
    const expected: AbortedTxn[] = [
      { producerId: 7, firstOffset: 0, lastOffset: 4, lastStableOffset: 2 },
      { producerId: 7, firstOffset: 5, lastOffset: 7, lastStableOffset: 8 },
    ];
    expect(entriesOf(log)).toEqual([expected]);
    expect(log.abortedTransactions(0, 9)).toEqual(expected);
    expect(log.abortedTransactions(5, 9)).toEqual([expected[1]]);
    await log.close();
    expect(await fileBytes(storage, txnIndexName(0))).toEqual(encodeAbortedTxns(expected));
    const { log: again, warnings } = await open(storage, {}, { cleanShutdown: true });
    expect(entriesOf(again)).toEqual([expected]);
    expect(warnings).toEqual([]);
    await again.close();
  });

  it("is created with its first entry: a segment without aborts has no .txnindex, as in Kafka", async () => {
    const storage = new MemoryStorage();
    const { log } = await open(storage);
    await data(log, 1);
    await marker(log, 1, true);
    await log.flush();
    expect(await storage.exists(txnIndexName(0))).toBe(false);
    expect(log.describeSegments()[0]!.fileNames.some((name) => name.endsWith(TXN_INDEX_SUFFIX))).toBe(false);
    await data(log, 1);
    await marker(log, 1, false);
    expect(await storage.exists(txnIndexName(0))).toBe(false); // written at the next flush, as the other indexes
    await log.flush();
    expect((await fileBytes(storage, txnIndexName(0))).length).toBe(ABORTED_TXN_ENTRY_BYTES);
    expect(log.describeSegments()[0]!.fileNames).toContain(txnIndexName(0));
    await log.close();
  });

  it("puts an entry in the segment of its marker, though the transaction began in an earlier one", async () => {
    const storage = new MemoryStorage();
    const { log } = await open(storage);
    await data(log, 3, 2); // 0-1
    await log.roll();
    await data(log, 3); // 2
    await marker(log, 3, false); // 3
    expect(log.segmentBaseOffsets).toEqual([0, 2]);
    expect(entriesOf(log)).toEqual([[], [{ producerId: 3, firstOffset: 0, lastOffset: 3, lastStableOffset: 4 }]]);
    expect(log.abortedTransactions(1, 4)).toEqual([{ producerId: 3, firstOffset: 0, lastOffset: 3, lastStableOffset: 4 }]);
    await log.close();
    expect(await storage.exists(txnIndexName(0))).toBe(false);
    expect(await storage.exists(txnIndexName(2))).toBe(true);
  });

  it("knows the transactions open before it was reopened", async () => {
    const storage = new MemoryStorage();
    const first = await open(storage);
    await data(first.log, 4); // 0
    await data(first.log, 5); // 1
    await first.log.close();
    const { log } = await open(storage, {}, { cleanShutdown: true });
    await marker(log, 5, false); // 2: producer 4 still open from 0
    expect(entriesOf(log)).toEqual([[{ producerId: 5, firstOffset: 1, lastOffset: 2, lastStableOffset: 0 }]]);
    await log.close();
  });

  it("a control batch whose key names no marker is stored and ends nothing", async () => {
    const { log } = await open(new MemoryStorage());
    await data(log, 6);
    const odd = encodeBatch({
      isControl: true, isTransactional: true, producerId: 6, producerEpoch: 0, baseTimestamp: 1_700_000_000_000, records: [{ key: new Uint8Array(2), value: null }],
    });
    expect((await log.append(odd)).firstOffset).toBe(1);
    await marker(log, 6, false);
    expect(entriesOf(log)).toEqual([[{ producerId: 6, firstOffset: 0, lastOffset: 2, lastStableOffset: 3 }]]);
    await log.close();
  });

  it("agrees with the broker's replayed transaction state on every fetch range (property)", async () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant("data" as const), producerId: fc.integer({ min: 1, max: 3 }) }),
      fc.record({ kind: fc.constant("end" as const), producerId: fc.integer({ min: 1, max: 3 }), commit: fc.boolean() }),
      fc.constant({ kind: "plain" as const }),
      fc.constant({ kind: "roll" as const }),
    );
    await fc.assert(fc.asyncProperty(fc.array(op, { maxLength: 30 }), async (ops) => {
      const { log } = await open(new MemoryStorage());
      const broker = new PartitionTransactions();
      for (const step of ops) {
        if (step.kind === "data") broker.transactionalBatch(step.producerId, (await data(log, step.producerId)).firstOffset);
        if (step.kind === "end") broker.marker(step.producerId, (await marker(log, step.producerId, step.commit)).firstOffset, step.commit);
        if (step.kind === "plain") await plain(log);
        if (step.kind === "roll") await log.roll();
      }
      const end = log.logEndOffset;
      for (let from = 0; from <= end; from++) {
        for (let to = from; to <= end; to++) {
          const fromIndex = log.abortedTransactions(from, to).map(({ producerId, firstOffset, lastOffset }) => ({ producerId, firstOffset, lastOffset }));
          expect(fromIndex).toEqual(broker.abortedBetween(from, to));
        }
      }
      await log.close();
    }), { numRuns: 60 });
  });
});

describe("the .txnindex follows its segment", () => {
  it("is deleted with its segment by retention", async () => {
    const storage = new MemoryStorage();
    const { log } = await open(storage, { "retention.bytes": "1" });
    await data(log, 1);
    await marker(log, 1, false);
    await log.roll();
    await plain(log);
    await log.flush();
    expect(await storage.exists(txnIndexName(0))).toBe(true);
    expect((await log.applyRetention()).deletedSegments).toEqual([0]);
    expect(await storage.exists(txnIndexName(0))).toBe(false);
    expect(log.abortedTransactions(0, 10)).toEqual([]);
    await log.close();
  });

  it("keeps its entries through compaction, which keeps markers at their offsets", async () => {
    const storage = new MemoryStorage();
    const { log } = await open(storage, { "cleanup.policy": "compact" });
    await data(log, 1); // 0, key p1
    await data(log, 1); // 1, key p1: supersedes 0
    await marker(log, 1, false); // 2
    await log.roll();
    await plain(log);
    const before = entriesOf(log)[0];
    expect(before).toEqual([{ producerId: 1, firstOffset: 0, lastOffset: 2, lastStableOffset: 3 }]);
    const report = await log.compact();
    expect(report.recordsAfter).toBeLessThan(report.recordsBefore);
    expect(entriesOf(log)[0]).toEqual(before);
    await log.close();
    const { log: again, warnings } = await open(storage, { "cleanup.policy": "compact" }, { cleanShutdown: true });
    expect(entriesOf(again)[0]).toEqual(before);
    expect(warnings).toEqual([]);
    await again.close();
  });

  it("is rebuilt when its segment is recovered: a lost file comes back, a torn-off marker's entry goes", async () => {
    const storage = new MemoryStorage();
    const { log } = await open(storage);
    await data(log, 1); // 0
    await marker(log, 1, false); // 1
    await data(log, 2); // 2
    await marker(log, 2, false); // 3
    await log.close();
    const entries = entriesOf(log)[0]!;
    expect(entries).toHaveLength(2);

    await storage.delete(txnIndexName(0));
    const recovered = await open(storage); // no clean shutdown: every segment is recovered
    expect(entriesOf(recovered.log)).toEqual([entries]);
    await recovered.log.close();
    expect(await fileBytes(storage, txnIndexName(0))).toEqual(encodeAbortedTxns(entries));

    // Cut the last marker in half: recovery truncates the .log before it, and its entry with it.
    const logFile = await storage.open(segmentFileName("orders-0", 0, ".log"));
    await logFile.truncate(logFile.size - 10);
    await logFile.close();
    const cut = await open(storage);
    expect(cut.log.logEndOffset).toBe(3);
    expect(entriesOf(cut.log)).toEqual([[entries[0]]]);
    await cut.log.close();
    expect(await fileBytes(storage, txnIndexName(0))).toEqual(encodeAbortedTxns([entries[0]!]));
  });

  it("after a crash with no marker in the recovered segment, empties its stale file and still knows the transactions open", async () => {
    const storage = new MemoryStorage();
    const { log } = await open(storage);
    await data(log, 1); // 0
    await marker(log, 1, false); // 1
    await log.roll();
    await data(log, 2); // 2, open across the crash
    await log.flush();
    await log.close();
    // A stale file left beside the recovered segment: it names a marker the segment does not hold.
    const stale = await storage.open(txnIndexName(2));
    await stale.append(encodeAbortedTxns([{ producerId: 9, firstOffset: 2, lastOffset: 2, lastStableOffset: 3 }]));
    await stale.close();
    const recovered = await open(storage, {}, { recoveryPoint: 2 }); // unclean: the segment from offset 2 is recovered, and holds no marker
    const again = recovered.log;
    expect(entriesOf(again)).toEqual([[{ producerId: 1, firstOffset: 0, lastOffset: 1, lastStableOffset: 2 }], []]);
    expect(await fileBytes(storage, txnIndexName(2))).toEqual(new Uint8Array(0));
    await marker(again, 2, false); // 3: producer 2's transaction began before the crash
    expect(entriesOf(again)[1]).toEqual([{ producerId: 2, firstOffset: 2, lastOffset: 3, lastStableOffset: 4 }]);
    await again.close();
  });

  it("is rebuilt, with a warning, when a clean shutdown left it torn or wrong", async () => {
    const storage = new MemoryStorage();
    const { log } = await open(storage);
    await data(log, 1);
    await marker(log, 1, false);
    await log.close();
    const good = await fileBytes(storage, txnIndexName(0));
    const file = await storage.open(txnIndexName(0));
    await file.append(new Uint8Array(5)); // a torn second entry
    await file.close();

    const torn = await open(storage, {}, { cleanShutdown: true });
    expect(torn.warnings).toEqual([
      `corrupt index ${txnIndexName(0)} at byte 34: 39 bytes are not whole 34-byte entries (a torn write?); ` +
        "rebuilding it from orders-0/00000000000000000000.log and the segments before it",
    ]);
    expect(entriesOf(torn.log)).toEqual([decodeAbortedTxns(good, "x", 0, 10)]);
    await torn.log.close();
    expect(await fileBytes(storage, txnIndexName(0))).toEqual(good);
  });

  it("`loglab check` (checkDataDir) reports a torn or wrong .txnindex and passes a good one", async () => {
    const storage = new MemoryStorage();
    const { log } = await open(storage);
    await data(log, 1);
    await marker(log, 1, false);
    await log.close();
    expect((await checkDataDir(storage, clock())).problems).toEqual([]);
    const file = await storage.open(txnIndexName(0));
    await file.truncate(0);
    await file.append(encodeAbortedTxns([{ producerId: 1, firstOffset: 0, lastOffset: 5, lastStableOffset: 6 }]));
    await file.close();
    expect((await checkDataDir(storage, clock())).problems).toEqual([{
      fileName: txnIndexName(0), position: 0, reason: "index-entry-invalid", detail: "marker offset 5 is not below 2, where the segment's offsets end",
    }]);
  });

  it("read-only: a torn file is rebuilt in memory and left as it is", async () => {
    const storage = new MemoryStorage();
    const { log } = await open(storage);
    await data(log, 1);
    await marker(log, 1, false);
    await log.close();
    const file = await storage.open(txnIndexName(0));
    await file.truncate(20);
    await file.close();
    const readOnly = await open(storage, {}, { cleanShutdown: true, readOnly: true });
    expect(readOnly.warnings[0]).toMatch("20 bytes are not whole 34-byte entries");
    expect(entriesOf(readOnly.log)).toEqual([[{ producerId: 1, firstOffset: 0, lastOffset: 1, lastStableOffset: 2 }]]);
    expect((await readAll(readOnly.log)).map(([offset]) => offset)).toEqual([0, 1]);
    await readOnly.log.close();
    expect((await fileBytes(storage, txnIndexName(0))).length).toBe(20);
  });
});
