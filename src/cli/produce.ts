// `loglab produce`: records from standard input into a topic, one per line,
// like kafka-console-producer.sh. Records are batched per partition up to
// batch.size; a keyed record's partition comes from the chosen partitioner,
// and unkeyed records stick to one partition per batch as Java's producer does.
// A line's bytes are the record's bytes, whatever their encoding.

import { BATCH_HEADER_BYTES, encodeBatch, FORMAT_BATCH_BYTES_MAX, type RecordInput, RecordTooLargeError } from "../format/index.ts";
import { type LogManager, PARTITIONS_MAX } from "../log/index.ts";
import { PARTITIONER_NAMES, partitionFor } from "../partitioner/index.ts";
import { type Clock, type Random } from "../runtime/index.ts";
import { OversizedLineError, PartitionCountMismatchError } from "./errors.ts";
import { choiceFlag, optionalIntegerFlag, parseFlags, required } from "./flags.ts";
import { splitLines } from "./input.ts";
import { type StopRequest, untilStopped } from "./signals.ts";
import { UsageError } from "./usage.ts";

/** Kafka's producer default batch.size. */
export const BATCH_BYTES = 16384;
/** The most a record adds to its key and value: length, attributes, timestamp, offset and lengths as varints, no headers. */
const RECORD_OVERHEAD_BYTES_MAX = 36;

const FLAGS = {
  "data-dir": { type: "string" },
  partitions: { type: "string" },
  "key-separator": { type: "string" },
  partitioner: { type: "string" },
  "null-marker": { type: "string" },
  "skip-oversized": { type: "boolean" },
} as const;

interface PendingBatch {
  records: RecordInput[];
  /** An upper bound of the encoded batch's size. */
  bytes: number;
}

function indexOfBytes(haystack: Uint8Array, needle: Uint8Array): number {
  const first = needle[0]!;
  for (let at = haystack.indexOf(first); at >= 0 && at + needle.length <= haystack.length; at = haystack.indexOf(first, at + 1)) {
    let i = 1;
    while (i < needle.length && haystack[at + i] === needle[i]) i++;
    if (i === needle.length) return at;
  }
  return -1;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** The exact size of `record` alone in a batch (only asked for records near the limit). */
function soleRecordBatchBytes(record: RecordInput): number {
  try {
    return encodeBatch({ records: [record] }).length;
  } catch (error) {
    if (error instanceof RecordTooLargeError) return error.sizeBytes;
    throw error;
  }
}

export async function produceCommand(
  args: string[],
  input: AsyncIterable<Uint8Array>,
  open: (dataDir: string, request?: { readonly topics?: readonly string[] }) => Promise<LogManager>,
  clock: Clock,
  random: Random,
  warn: (text: string) => void,
  /** Once it comes, no more input is read: what was read is stored and the data dir closed. */
  stop?: StopRequest,
): Promise<number> {
  const { values, positionals } = parseFlags("produce", args, FLAGS, ["TOPIC"]);
  const [topic] = positionals;
  if (topic === undefined) throw new UsageError("produce needs a TOPIC");
  const dataDir = required("produce", "data-dir", values["data-dir"], "DIR");
  const partitioner = choiceFlag("partitioner", values.partitioner ?? "murmur2", PARTITIONER_NAMES);
  const partitions = optionalIntegerFlag("partitions", values.partitions, 1, PARTITIONS_MAX, undefined);
  const encoder = new TextEncoder();
  if (values["key-separator"] === "") throw new UsageError("--key-separator cannot be empty");
  const separator = values["key-separator"] === undefined ? undefined : encoder.encode(values["key-separator"]);
  // Kafka's console producer property null.marker: a value equal to it is a tombstone.
  const nullMarker = values["null-marker"] === undefined ? undefined : encoder.encode(values["null-marker"]);
  const skipOversized = values["skip-oversized"] ?? false;

  const manager = await open(dataDir, { topics: [topic] });
  let produced = 0;
  try {
    if (!manager.hasTopic(topic)) await manager.createTopic(topic, partitions ?? 1);
    const description = manager.describeTopic(topic);
    const partitionCount = description.partitions;
    if (partitions !== undefined && partitions !== partitionCount) throw new PartitionCountMismatchError(topic, partitionCount, partitions);
    const maxMessageBytes = description.config.maxMessageBytes;
    const batchBytesMax = Math.min(maxMessageBytes, FORMAT_BATCH_BYTES_MAX);
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
    const sendAll = async (): Promise<void> => {
      for (const partition of [...pending.keys()].sort((a, b) => a - b)) await send(partition);
    };
    const choosePartition = (key: Uint8Array | null): number =>
      // Java's default partitioner sticks unkeyed records to one partition per batch.
      key === null && partitioner === "murmur2" ? stickyPartition : partitionFor(partitioner, key, partitionCount, random);

    // No line is kept whole beyond what could be stored.
    const lines = stop === undefined
      ? splitLines(input, batchBytesMax)
      : splitLines(untilStopped(input, stop), batchBytesMax, () => stop.signal !== null);
    for await (const line of lines) {
      let key: Uint8Array | null = null;
      let value = line.bytes;
      if (separator !== undefined) {
        const at = indexOfBytes(line.bytes, separator);
        if (at >= 0) {
          key = line.bytes.subarray(0, at);
          value = line.bytes.subarray(at + separator.length);
        }
      }
      const tombstone = nullMarker !== undefined && equalBytes(value, nullMarker);
      const record: RecordInput = { key, value: tombstone ? null : value, timestamp: clock.nowMs() };
      const recordBytes = RECORD_OVERHEAD_BYTES_MAX + (key?.length ?? 0) + (tombstone ? 0 : value.length);
      if (BATCH_HEADER_BYTES + recordBytes > batchBytesMax) {
        // A line cut at batchBytesMax cannot fit: its batch is at least its key and value plus a batch header.
        const cut = line.bytes.length < line.lengthBytes;
        const size = cut ? BATCH_HEADER_BYTES + line.lengthBytes - (separator?.length ?? 0) : soleRecordBatchBytes(record);
        if (cut || size > batchBytesMax) {
          // Everything before this line is stored before it is refused or skipped.
          await sendAll();
          if (!skipOversized) throw new OversizedLineError(line.number, size, cut, maxMessageBytes, topic, produced);
          warn(`skipped line ${line.number}: its record batch of ${cut ? "at least " : ""}${size} bytes is over max.message.bytes=${maxMessageBytes} of topic ${topic}`);
          continue;
        }
      }
      let partition = choosePartition(key);
      // A batch never grows past max.message.bytes: the record starts the next one.
      if ((pending.get(partition)?.bytes ?? BATCH_HEADER_BYTES) + recordBytes > batchBytesMax) {
        await send(partition);
        partition = choosePartition(key);
      }
      const batch = pending.get(partition) ?? { records: [], bytes: BATCH_HEADER_BYTES };
      pending.set(partition, batch);
      batch.records.push(record);
      batch.bytes += recordBytes;
      if (batch.bytes >= BATCH_BYTES) await send(partition);
    }
    await sendAll();
  } finally {
    // Closing flushes: whatever was appended before an error is kept.
    await manager.close();
  }
  return produced;
}
