// Log benchmarks: append to the in-memory and the filesystem log (100-byte
// records, batches of 1 and 100) next to raw fs.writeSync bandwidth measured
// in the same run, sequential reads from an offset, and index lookups.

import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  decodeBatches, encodeBatch, ManualClock, MemoryStorage, OffsetIndex, parseLogConfig, PartitionLog, type Storage,
} from "../src/index.ts";
import { NodeFsStorage } from "../src/storage/node-fs.ts";
import { type Report, throughput } from "./harness.ts";

const RECORD_BYTES = 100;
/** Files are replaced at this size in the filesystem runs, keeping them in the page cache. */
const FILE_BYTES_CAP = 64 << 20;
const MB = 1e6;
const clock = new ManualClock(1_700_000_000_000);
const config = parseLogConfig({ "segment.bytes": String(256 << 20) });

function batchOf(records: number): Uint8Array {
  return encodeBatch({
    baseTimestamp: clock.nowMs(),
    records: Array.from({ length: records }, (_, i) => ({ value: new Uint8Array(RECORD_BYTES).fill(i & 0xff) })),
  });
}

const openLog = (storage: Storage) => PartitionLog.open({ storage, clock, topic: "bench", partition: 0, config });

/**
 * Appends `batch` over and over to a log that is replaced whenever it passes
 * `capBytes`; `durable` flushes (fsyncs) each log before replacing it.
 */
async function appendRate(newStorage: () => Storage, batch: Uint8Array, recordsPerBatch: number, capBytes: number, durable: boolean): Promise<number> {
  let log = await openLog(newStorage());
  let written = 0;
  const rate = await throughput(async () => {
    await log.append(batch);
    written += batch.length;
    if (written > capBytes) {
      await log.close({ sync: durable });
      log = await openLog(newStorage());
      written = 0;
    }
  }, recordsPerBatch);
  await log.close();
  return rate;
}

/**
 * Raw bandwidth of fs.writeSync in 64 KiB chunks, with the same file
 * replacement as the log runs (and an fsync per file when `durable`).
 */
async function rawWriteRate(dir: string, capBytes: number, durable: boolean): Promise<number> {
  const chunk = new Uint8Array(64 * 1024).fill(7);
  let file = 0;
  const open = () => {
    fs.rmSync(join(dir, `raw-${file}.bin`), { force: true });
    return fs.openSync(join(dir, `raw-${++file}.bin`), "w");
  };
  let fd = open();
  let written = 0;
  const rate = await throughput(() => {
    fs.writeSync(fd, chunk);
    written += chunk.length;
    if (written > capBytes) {
      if (durable) fs.fdatasyncSync(fd);
      fs.closeSync(fd);
      fd = open();
      written = 0;
    }
  }, chunk.length);
  fs.closeSync(fd);
  return rate;
}

export async function benchLog(report: Report): Promise<void> {
  for (const size of [1, 100]) {
    const rate = await appendRate(() => new MemoryStorage(), batchOf(size), size, 256 << 20, false);
    report.add(`append-memory-batch${size}`, "loglab", rate, "records/s");
  }

  // Files are replaced every 64 MiB and deleted: without fsync both sides write
  // into the page cache; with it, both wait for the disk once per file.
  const dir = fs.mkdtempSync(join(tmpdir(), "loglab-bench-"));
  try {
    let folder = 0;
    const newFsStorage = () => {
      fs.rmSync(join(dir, `log-${folder}`), { recursive: true, force: true });
      return new NodeFsStorage(join(dir, `log-${++folder}`));
    };
    for (const durable of [false, true]) {
      const raw = await rawWriteRate(dir, FILE_BYTES_CAP, durable);
      for (const size of durable ? [100] : [1, 100]) {
        const batch = batchOf(size);
        const records = await appendRate(newFsStorage, batch, size, FILE_BYTES_CAP, durable);
        const name = `append-fs-batch${size}${durable ? "-fsync-per-64MiB" : ""}`;
        report.add(name, "loglab", (records / size) * batch.length / MB, "MB/s");
        report.add(name, "native", raw / MB, "MB/s");
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }

  // Sequential reads from an offset through a 1M-record in-memory log, records decoded.
  const log = await openLog(new MemoryStorage());
  const batch = batchOf(100);
  for (let i = 0; i < 10_000; i++) await log.append(batch);
  let offset = 0;
  report.add("read-memory-1MiB-fetches", "loglab", await throughput(async () => {
    const { records } = await log.read(offset, { maxBytes: 1 << 20 });
    let count = 0;
    for (const b of decodeBatches(records)) {
      count += b.records.length;
      offset = b.lastOffset + 1;
    }
    if (offset >= log.logEndOffset) offset = 0;
    return count;
  }, 100 * Math.floor((1 << 20) / batch.length)), "records/s");

  // Lookups in a resident offset index of 100 000 entries (a 400 MB segment at 4 KiB intervals).
  const index = OffsetIndex.create();
  for (let i = 0; i < 100_000; i++) index.append(i * 40, i * 4096);
  const targets = Int32Array.from({ length: 4096 }, (_, i) => (i * 2_654_435_761) % 4_000_000);
  report.add("offset-index-lookup", "loglab", await throughput(() => {
    let sum = 0;
    for (let i = 0; i < targets.length; i++) sum += index.lookup(targets[i]!);
    return sum;
  }, targets.length), "lookups/s");
}
