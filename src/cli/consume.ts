// `loglab consume`: prints a topic's records, like kafka-console-consumer.sh
// without a group: from the end by default (so, from a file, nothing new), from
// the start with --from-beginning, or from an offset of one partition.

import { decodeBatches } from "../format/index.ts";
import { type LogGap, type LogManager, OffsetOutOfRangeError, PARTITIONS_MAX, UnknownTopicOrPartitionError } from "../log/index.ts";
import { BYTE_ENCODINGS, encodeBytes } from "./encoding.ts";
import { MissingOffsetsError } from "./errors.ts";
import { choiceFlag, integerFlag, optionalIntegerFlag, parseFlags, required } from "./flags.ts";
import type { Output } from "./platform.ts";
import { nextTurn, type StopRequest } from "./signals.ts";
import { UsageError } from "./usage.ts";

const FETCH_BYTES = 1024 * 1024;

const FLAGS = {
  "data-dir": { type: "string" },
  "from-beginning": { type: "boolean" },
  partition: { type: "string" },
  offset: { type: "string" },
  "max-messages": { type: "string" },
  format: { type: "string" },
  encoding: { type: "string" },
} as const;

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
  const dataDir = required("consume", "data-dir", values["data-dir"], "DIR");
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

  const manager = await open(dataDir, { topics: [topic] });
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
            const value = encodeBytes(record.value, encoding);
            out.line(format === "text" ? String(value) : JSON.stringify({
              partition,
              offset: record.offset,
              timestamp: record.timestamp,
              key: encodeBytes(record.key, encoding),
              value,
              headers: record.headers.map((h) => ({ key: h.key, value: encodeBytes(h.value, encoding) })),
            }));
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
