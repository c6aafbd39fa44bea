// `loglab consume`: prints a topic's records, like kafka-console-consumer.sh
// without a group: from the end by default (so, from a file, nothing new), from
// the start with --from-beginning, or from an offset of one partition. With --bootstrap it reads a Kafka
// cluster through loglab's Consumer (no group) instead, up to each partition's end when it started.

import { Consumer, type ConsumerRecord } from "../client/index.ts";
import { decodeBatches, type RecordHeader } from "../format/index.ts";
import { type LogGap, type LogManager, OffsetOutOfRangeError, PARTITIONS_MAX, UnknownTopicOrPartitionError } from "../log/index.ts";
import { systemRandom, systemScheduler } from "../runtime/index.ts";
import { openCluster, recordSource } from "./bootstrap.ts";
import { type ByteEncoding, BYTE_ENCODINGS, encodeBytes } from "./encoding.ts";
import { MissingOffsetsError } from "./errors.ts";
import { choiceFlag, integerFlag, optionalIntegerFlag, parseFlags } from "./flags.ts";
import type { Output } from "./platform.ts";
import { nextTurn, type StopRequest } from "./signals.ts";
import { UsageError } from "./usage.ts";

const FETCH_BYTES = 1024 * 1024;

const FLAGS = {
  "data-dir": { type: "string" },
  bootstrap: { type: "string" },
  "from-beginning": { type: "boolean" },
  partition: { type: "string" },
  offset: { type: "string" },
  "max-messages": { type: "string" },
  format: { type: "string" },
  encoding: { type: "string" },
} as const;

interface PrintOptions {
  readonly format: "text" | "json";
  readonly encoding: ByteEncoding;
}

/** One record as consume prints it: its value, or a JSON object of everything it has. */
function recordLine(
  record: { readonly offset: number; readonly timestamp: number; readonly key: Uint8Array | null; readonly value: Uint8Array | null; readonly headers: readonly RecordHeader[] },
  partition: number, { format, encoding }: PrintOptions,
): string {
  const value = encodeBytes(record.value, encoding);
  return format === "text" ? String(value) : JSON.stringify({
    partition,
    offset: record.offset,
    timestamp: record.timestamp,
    key: encodeBytes(record.key, encoding),
    value,
    headers: record.headers.map((h) => ({ key: h.key, value: encodeBytes(h.value, encoding) })),
  });
}

interface ClusterRead {
  readonly topic: string;
  readonly bootstrap: string;
  readonly start: "earliest" | "latest" | number;
  readonly partition: number | undefined;
  readonly maxMessages: number;
  readonly print: PrintOptions;
}

/** Reads a topic of a Kafka cluster from `start` up to each partition's end offset when the read began. */
async function consumeFromCluster(read: ClusterRead, out: Output, stop?: StopRequest): Promise<number> {
  const { topic } = read;
  const transport = await openCluster(read.bootstrap, "loglab-consume");
  let count = 0;
  try {
    const [metadata] = (await transport.metadata([topic])).topics;
    if (metadata!.error !== null) throw metadata!.error;
    if (read.partition !== undefined && read.partition >= metadata!.partitions) throw new UnknownTopicOrPartitionError(topic, read.partition, metadata!.partitions);
    const partitions = (read.partition === undefined ? Array.from({ length: metadata!.partitions }, (_, p) => p) : [read.partition])
      .map((partition) => ({ topic, partition }));
    const offsets = async (timestamp: "earliest" | "latest"): Promise<number[]> => {
      const { partitions: answers } = await transport.listOffsets({ partitions: partitions.map((tp) => ({ ...tp, timestamp })) });
      return answers.map((answer) => {
        if (answer.error !== null) throw answer.error;
        return answer.offset;
      });
    };
    const [starts, ends] = [await offsets("earliest"), await offsets("latest")];
    const consumer = new Consumer(transport, { scheduler: systemScheduler, random: systemRandom }, { "client.id": "loglab-consume", "enable.auto.commit": false });
    try {
      consumer.assign(partitions);
      partitions.forEach((tp, i) => {
        const offset = read.start === "earliest" ? starts[i]! : read.start === "latest" ? ends[i]! : read.start;
        if (offset < starts[i]! || offset > ends[i]!) throw new OffsetOutOfRangeError(offset, starts[i]!, ends[i]!, `${topic}-${tp.partition}`);
        consumer.seek(tp, offset);
      });
      const stopped = (): boolean => out.readerGone || (stop?.signal ?? null) !== null;
      const unread = (): boolean => partitions.some((tp, i) => (consumer.position(tp) ?? 0) < ends[i]!);
      while (count < read.maxMessages && unread() && !stopped()) {
        const records: ConsumerRecord[] = await consumer.poll(500);
        for (const record of records) {
          if (count >= read.maxMessages || record.offset >= ends[partitions.findIndex((tp) => tp.partition === record.partition)]!) continue;
          out.line(recordLine(record, record.partition, read.print));
          count++;
        }
        out.flush();
        await (stop === undefined ? out.drained() : Promise.race([out.drained().then(nextTurn), stop.stopped]));
      }
    } finally {
      await consumer.close();
    }
  } finally {
    out.flush();
    transport.close();
  }
  return count;
}

export async function consumeCommand(
  args: string[],
  open: (dataDir: string, request?: { readonly topics?: readonly string[] }) => Promise<LogManager>,
  out: Output,
  /** Once it comes, reading stops: what was read is printed. */
  stop?: StopRequest,
): Promise<number> {
  const { values, positionals } = parseFlags("consume", args, FLAGS, ["TOPIC"]);
  const [topic] = positionals;
  if (topic === undefined) throw new UsageError("consume needs a TOPIC");
  const source = recordSource("consume", values["data-dir"], values.bootstrap);
  const format = choiceFlag("format", values.format ?? "text", ["text", "json"] as const);
  const encoding = choiceFlag("encoding", values.encoding ?? "utf8", BYTE_ENCODINGS);
  const offsetOption = values.offset ?? (values["from-beginning"] ? "earliest" : "latest");
  if (values.offset !== undefined && values["from-beginning"]) throw new UsageError("consume takes --from-beginning or --offset, not both");
  if (offsetOption !== "earliest" && offsetOption !== "latest" && !/^\d+$/.test(offsetOption)) {
    throw new UsageError(`--offset must be earliest, latest or a non-negative integer, got ${JSON.stringify(offsetOption)}`);
  }
  const numericOffset = offsetOption === "earliest" || offsetOption === "latest" ? null : integerFlag("offset", offsetOption, 0);
  const requestedPartition = optionalIntegerFlag("partition", values.partition, 0, PARTITIONS_MAX - 1, undefined);
  if (numericOffset !== null && requestedPartition === undefined) throw new UsageError("--offset N needs --partition P");
  const maxMessages = optionalIntegerFlag("max-messages", values["max-messages"], 1, Number.MAX_SAFE_INTEGER, Infinity);

  if (source.kind === "bootstrap") {
    const start = numericOffset ?? (offsetOption === "earliest" ? "earliest" : "latest");
    return consumeFromCluster({ topic, bootstrap: source.bootstrap, start, partition: requestedPartition, maxMessages, print: { format, encoding } }, out, stop);
  }

  const manager = await open(source.dataDir, { topics: [topic] });
  let count = 0;
  const missing: { topicPartition: string; gap: LogGap }[] = [];
  try {
    const partitionCount = manager.describeTopic(topic).partitions;
    if (requestedPartition !== undefined && requestedPartition >= partitionCount) throw new UnknownTopicOrPartitionError(topic, requestedPartition);
    const partitions = requestedPartition === undefined
      ? Array.from({ length: partitionCount }, (_, p) => p)
      : [requestedPartition];
    const stopped = (): boolean => out.readerGone || (stop?.signal ?? null) !== null;
    for (const partition of partitions) {
      if (stopped()) break;
      const log = manager.log(topic, partition);
      let offset = numericOffset ?? (offsetOption === "earliest" ? log.logStartOffset : log.logEndOffset);
      // Kafka's console consumer would not print nothing for an offset the log does not have.
      if (offset < log.logStartOffset || offset > log.logEndOffset) {
        throw new OffsetOutOfRangeError(offset, log.logStartOffset, log.logEndOffset, log.topicPartition);
      }
      const start = offset;
      // Records are printed as they are read, one fetch at a time: waiting for
      // standard output to drain keeps memory flat, and a reader that went
      // away (`| head -1`) stops the reading.
      while (count < maxMessages && offset < log.logEndOffset && !stopped()) {
        const batches = decodeBatches((await log.read(offset, { maxBytes: FETCH_BYTES })).records);
        if (batches.length === 0) break;
        for (const batch of batches) {
          for (const record of batch.records) {
            if (record.offset < offset || batch.isControl || count >= maxMessages) continue;
            out.line(recordLine(record, partition, { format, encoding }));
            count++;
          }
          offset = batch.lastOffset + 1;
        }
        out.flush();
        // A signal is heard on a later turn of the event loop: reads and writes may all be done within this one.
        await (stop === undefined ? out.drained() : Promise.race([out.drained().then(nextTurn), stop.stopped]));
      }
      // Reads skip what a damaged segment lost (a gap opening reported); a range that went past one did not get every offset.
      const end = count < maxMessages && !stopped() ? Math.max(offset, log.logEndOffset) : offset;
      for (const gap of log.gaps) if (gap.fromOffset < end && gap.toOffset > start) missing.push({ topicPartition: log.topicPartition, gap });
    }
    if (missing.length > 0) throw new MissingOffsetsError(missing);
  } finally {
    out.flush();
    await manager.close();
  }
  return count;
}
