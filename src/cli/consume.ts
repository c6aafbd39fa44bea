// `loglab consume`: prints a topic's records, like kafka-console-consumer.sh
// without a group: from the end by default (so, from a file, nothing new), from
// the start with --from-beginning, or from an offset of one partition.

import { parseArgs } from "node:util";
import { decodeBatches } from "../format/index.ts";
import type { LogManager } from "../log/index.ts";
import { BYTE_ENCODINGS, type ByteEncoding, encodeBytes } from "./encoding.ts";
import type { Output } from "./platform.ts";
import { UsageError } from "./usage.ts";

const FETCH_BYTES = 1024 * 1024;

export async function consumeCommand(args: string[], open: (dataDir: string) => Promise<LogManager>, out: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      "data-dir": { type: "string" },
      "from-beginning": { type: "boolean" },
      partition: { type: "string" },
      offset: { type: "string" },
      "max-messages": { type: "string" },
      format: { type: "string", default: "text" },
      encoding: { type: "string", default: "utf8" },
    },
    strict: true,
  });
  const [topic] = positionals;
  if (topic === undefined || positionals.length > 1) throw new UsageError("consume needs exactly one TOPIC");
  if (values["data-dir"] === undefined) throw new UsageError("consume needs --data-dir DIR");
  if (values.format !== "text" && values.format !== "json") throw new UsageError(`--format must be text or json, got ${values.format}`);
  const encoding = values.encoding as ByteEncoding;
  if (!BYTE_ENCODINGS.includes(encoding)) throw new UsageError(`--encoding must be one of ${BYTE_ENCODINGS.join(", ")}, got ${values.encoding}`);
  const offsetOption = values.offset ?? (values["from-beginning"] ? "earliest" : "latest");
  const numericOffset = /^\d+$/.test(offsetOption) ? Number(offsetOption) : null;
  if (numericOffset === null && offsetOption !== "earliest" && offsetOption !== "latest") {
    throw new UsageError(`--offset must be earliest, latest or a non-negative integer, got ${offsetOption}`);
  }
  if (numericOffset !== null && values.partition === undefined) throw new UsageError("--offset N needs --partition P");
  const maxMessages = values["max-messages"] === undefined ? Infinity : Number(values["max-messages"]);
  if (!(maxMessages > 0)) throw new UsageError(`--max-messages must be a positive integer, got ${values["max-messages"]}`);

  const manager = await open(values["data-dir"]);
  let count = 0;
  try {
    const partitionCount = manager.describeTopic(topic).partitions;
    const partitions = values.partition === undefined
      ? Array.from({ length: partitionCount }, (_, p) => p)
      : [Number(values.partition)];
    for (const partition of partitions) {
      const log = manager.log(topic, partition);
      let offset = numericOffset ?? (offsetOption === "earliest" ? log.logStartOffset : log.logEndOffset);
      while (count < maxMessages && offset < log.logEndOffset) {
        const batches = decodeBatches((await log.read(offset, { maxBytes: FETCH_BYTES })).records);
        if (batches.length === 0) break;
        for (const batch of batches) {
          for (const record of batch.records) {
            if (record.offset < offset || batch.isControl || count >= maxMessages) continue;
            const value = encodeBytes(record.value, encoding);
            out.line(values.format === "text" ? String(value) : JSON.stringify({
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
      }
    }
  } finally {
    out.flush();
    await manager.close();
  }
  return count;
}
