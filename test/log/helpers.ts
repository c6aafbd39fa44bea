// Small helpers for the log tests.

import {
  decodeBatches, type LogConfig, ManualClock, MemoryStorage, parseLogConfig, PartitionLog, type RecordInput,
} from "../../src/index.ts";

export const text = (bytes: Uint8Array | null) => (bytes === null ? null : new TextDecoder().decode(bytes));

export function config(overrides: Record<string, string> = {}): LogConfig {
  return parseLogConfig(overrides);
}

export async function openLog(overrides: Record<string, string> = {}, storage = new MemoryStorage(), clock = new ManualClock(1_700_000_000_000)) {
  const log = await PartitionLog.open({ storage, clock, topic: "orders", partition: 0, config: config(overrides) });
  return { log, storage, clock };
}

/** Every record from `offset` to the log end, as [offset, key, value]. */
export async function readAll(log: PartitionLog, offset = log.logStartOffset): Promise<[number, string | null, string | null][]> {
  const out: [number, string | null, string | null][] = [];
  let next = offset;
  while (next < log.logEndOffset) {
    const { records } = await log.read(next, { maxBytes: 4096 });
    const batches = decodeBatches(records);
    if (batches.length === 0) break;
    for (const batch of batches) {
      for (const record of batch.records) if (record.offset >= next) out.push([record.offset, text(record.key), text(record.value)]);
      next = batch.lastOffset + 1;
    }
  }
  return out;
}

export const records = (...values: string[]): RecordInput[] => values.map((value) => ({ key: `k-${value}`, value }));
