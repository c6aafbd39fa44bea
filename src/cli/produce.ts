// `loglab produce`: records from standard input into a topic, one per line,
// like kafka-console-producer.sh. Records are batched per partition up to
// batch.size; a keyed record's partition comes from the chosen partitioner,
// and unkeyed records stick to one partition per batch as Java's producer does.
// A line's bytes are the record's bytes, whatever their encoding. With --bootstrap the records go to a Kafka
// cluster through loglab's Producer (idempotent, acks=all) instead, into the topic's existing or auto-created partitions.

import { BATCH_HEADER_BYTES, encodeBatch, FORMAT_BATCH_BYTES_MAX, type RecordInput, RecordTooLargeError } from "../format/index.ts";
import { Producer, type ProducerMessage } from "../client/index.ts";
import { type LogManager, PARTITIONS_MAX } from "../log/index.ts";
import { PARTITIONER_NAMES, partitionFor } from "../partitioner/index.ts";
import { type Clock, type Random, systemScheduler } from "../runtime/index.ts";
import { openCluster, recordSource, refuseWithBootstrap } from "./bootstrap.ts";
import { OversizedLineError, PartitionCountMismatchError } from "./errors.ts";
import { choiceFlag, optionalIntegerFlag, parseFlags } from "./flags.ts";
import { type InputLine, splitLines } from "./input.ts";
import { type StopRequest, untilStopped } from "./signals.ts";
import { UsageError } from "./usage.ts";

/** Kafka's producer default batch.size. */
export const BATCH_BYTES = 16384;
/** The most a record adds to its key and value: length, attributes, timestamp, offset and lengths as varints, no headers. */
const RECORD_OVERHEAD_BYTES_MAX = 36;

const FLAGS = {
  "data-dir": { type: "string" },
  bootstrap: { type: "string" },
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

/** Kafka's max.message.bytes default: the longest line sent to a cluster. */
const CLUSTER_LINE_BYTES_MAX = 1_048_588;
/** Sends awaited at once, at most, so a long input is not held in memory whole. */
const CLUSTER_SENDS_PENDING_MAX = 1000;

/** One line as a record: "key<SEP>value" when a separator is given, a null value for the null marker. */
function lineRecord(line: InputLine, separator: Uint8Array | undefined, nullMarker: Uint8Array | undefined): { key: Uint8Array | null; value: Uint8Array | null } {
  let key: Uint8Array | null = null;
  let value = line.bytes;
  if (separator !== undefined) {
    const at = indexOfBytes(line.bytes, separator);
    if (at >= 0) {
      key = line.bytes.subarray(0, at);
      value = line.bytes.subarray(at + separator.length);
    }
  }
  return { key, value: nullMarker !== undefined && equalBytes(value, nullMarker) ? null : value };
}

/** Lines to a Kafka cluster through loglab's Producer; returns how many records the cluster acknowledged. */
async function produceToCluster(
  topic: string, bootstrap: string, input: AsyncIterable<Uint8Array>, random: Random,
  separator: Uint8Array | undefined, nullMarker: Uint8Array | undefined, stop?: StopRequest,
): Promise<number> {
  const transport = await openCluster(bootstrap, "loglab-produce");
  let produced = 0;
  try {
    // Fails at once, with one line, when no bootstrap server answers or the topic cannot be had.
    const [metadata] = (await transport.metadata([topic])).topics;
    if (metadata!.error !== null) throw metadata!.error;
    const producer = new Producer(transport, { scheduler: systemScheduler, random }, { "client.id": "loglab-produce" });
    const sends = new Set<Promise<unknown>>();
    let failure: unknown = null;
    try {
      const lines = stop === undefined
        ? splitLines(input, CLUSTER_LINE_BYTES_MAX)
        : splitLines(untilStopped(input, stop), CLUSTER_LINE_BYTES_MAX, () => stop.signal !== null);
      for await (const line of lines) {
        if (failure !== null) break;
        if (line.bytes.length < line.lengthBytes) {
          await Promise.all(sends);
          throw new OversizedLineError(line.number, line.lengthBytes, true, CLUSTER_LINE_BYTES_MAX, topic, produced);
        }
        const message: ProducerMessage = lineRecord(line, separator, nullMarker);
        const sent = producer.send({ topic, messages: [message] }).then(() => {
          produced++;
        }, (error: unknown) => {
          failure ??= error;
        });
        sends.add(sent);
        void sent.finally(() => sends.delete(sent));
        if (sends.size >= CLUSTER_SENDS_PENDING_MAX) await Promise.race(sends);
      }
      await Promise.all(sends);
      if (failure !== null) throw failure;
    } finally {
      await producer.close();
    }
  } finally {
    transport.close();
  }
  return produced;
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
  const source = recordSource("produce", values["data-dir"], values.bootstrap);
  refuseWithBootstrap("produce", source, { partitions: values.partitions, partitioner: values.partitioner, "skip-oversized": values["skip-oversized"] });
  const partitioner = choiceFlag("partitioner", values.partitioner ?? "murmur2", PARTITIONER_NAMES);
  const partitions = optionalIntegerFlag("partitions", values.partitions, 1, PARTITIONS_MAX, undefined);
  const encoder = new TextEncoder();
  if (values["key-separator"] === "") throw new UsageError("--key-separator cannot be empty");
  const separator = values["key-separator"] === undefined ? undefined : encoder.encode(values["key-separator"]);
  // Kafka's console producer property null.marker: a value equal to it is a tombstone.
  const nullMarker = values["null-marker"] === undefined ? undefined : encoder.encode(values["null-marker"]);
  const skipOversized = values["skip-oversized"] ?? false;
  if (source.kind === "bootstrap") return produceToCluster(topic, source.bootstrap, input, random, separator, nullMarker, stop);

  const manager = await open(source.dataDir, { topics: [topic] });
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
      const { key, value } = lineRecord(line, separator, nullMarker);
      const record: RecordInput = { key, value, timestamp: clock.nowMs() };
      const recordBytes = RECORD_OVERHEAD_BYTES_MAX + (key?.length ?? 0) + (value?.length ?? 0);
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
