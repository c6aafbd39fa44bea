// `loglab produce`: records from standard input into a topic, one per line,
// like kafka-console-producer.sh. Records are batched per partition up to
// batch.size; a keyed record's partition comes from the chosen partitioner,
// and unkeyed records stick to one partition per batch as Java's producer does.

import { parseArgs } from "node:util";
import type { RecordInput } from "../format/index.ts";
import type { LogManager } from "../log/index.ts";
import { PARTITIONER_NAMES, type PartitionerName, partitionFor } from "../partitioner/index.ts";
import { type Clock, type Random } from "../runtime/index.ts";
import { UsageError } from "./usage.ts";

/** Kafka's producer default batch.size. */
export const BATCH_BYTES = 16384;

interface PendingBatch {
  records: RecordInput[];
  bytes: number;
}

export async function produceCommand(
  args: string[],
  lines: AsyncIterable<string>,
  open: (dataDir: string) => Promise<LogManager>,
  clock: Clock,
  random: Random,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      "data-dir": { type: "string" },
      partitions: { type: "string" },
      "key-separator": { type: "string" },
      partitioner: { type: "string", default: "murmur2" },
      "null-marker": { type: "string" },
    },
    strict: true,
  });
  const [topic] = positionals;
  if (topic === undefined || positionals.length > 1) throw new UsageError("produce needs exactly one TOPIC");
  if (values["data-dir"] === undefined) throw new UsageError("produce needs --data-dir DIR");
  const partitioner = values.partitioner as PartitionerName;
  if (!PARTITIONER_NAMES.includes(partitioner)) {
    throw new UsageError(`--partitioner must be one of ${PARTITIONER_NAMES.join(", ")}, got ${values.partitioner}`);
  }
  const separator = values["key-separator"];
  // Kafka's console producer property null.marker: a value equal to it is a tombstone.
  const nullMarker = values["null-marker"];
  if (separator === "") throw new UsageError("--key-separator cannot be empty");

  const manager = await open(values["data-dir"]);
  const encoder = new TextEncoder();
  let produced = 0;
  try {
    if (!manager.hasTopic(topic)) await manager.createTopic(topic, values.partitions === undefined ? 1 : Number(values.partitions));
    const partitionCount = manager.describeTopic(topic).partitions;
    const pending = new Map<number, PendingBatch>();
    let stickyPartition = random.nextInt(partitionCount);

    const send = async (partition: number): Promise<void> => {
      const batch = pending.get(partition);
      if (batch === undefined || batch.records.length === 0) return;
      pending.delete(partition);
      await manager.log(topic, partition).appendRecords(batch.records);
      produced += batch.records.length;
      if (partition === stickyPartition) stickyPartition = random.nextInt(partitionCount);
    };

    for await (const line of lines) {
      let key: Uint8Array | null = null;
      let value = line;
      if (separator !== undefined) {
        const at = line.indexOf(separator);
        if (at >= 0) {
          key = encoder.encode(line.slice(0, at));
          value = line.slice(at + separator.length);
        }
      }
      // Java's default partitioner sticks unkeyed records to one partition per batch.
      const partition = key === null && partitioner === "murmur2"
        ? stickyPartition
        : partitionFor(partitioner, key, partitionCount, random);
      const batch = pending.get(partition) ?? { records: [], bytes: 0 };
      pending.set(partition, batch);
      const tombstone = nullMarker !== undefined && value === nullMarker;
      batch.records.push({ key, value: tombstone ? null : encoder.encode(value), timestamp: clock.nowMs() });
      batch.bytes += value.length + (key?.length ?? 0) + 16;
      if (batch.bytes >= BATCH_BYTES) await send(partition);
    }
    for (const partition of [...pending.keys()]) await send(partition);
  } finally {
    // Closing flushes: whatever was appended before an error is kept.
    await manager.close();
  }
  return produced;
}
