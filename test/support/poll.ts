// Reading a real-time consumer in tests: poll until enough records came, failing with what did come.

import type { Consumer, ConsumerRecord } from "../../src/index.ts";

/** Polls until `count` records came, or fails after `limitMs` (real time: a broker over TCP answers when it does). */
export async function pollUntil(consumer: Consumer, count: number, limitMs: number): Promise<ConsumerRecord[]> {
  const records: ConsumerRecord[] = [];
  const deadline = Date.now() + limitMs;
  while (records.length < count) {
    if (Date.now() > deadline) throw new Error(`got ${records.length} of ${count} records in ${limitMs} ms`);
    records.push(...await consumer.poll(200));
  }
  return records;
}
