// `loglab cleanup`: runs what Kafka's log cleaner and retention do in the
// background, now: deletes segments past retention and compacts compacted
// topics. The cleaner never touches a partition's active segment, so
// --roll first closes each active segment, as an elapsed segment.ms would.

import { LoglabError } from "../format/index.ts";
import type { LogManager, PartitionLog } from "../log/index.ts";
import { parseFlags, required } from "./flags.ts";
import type { Output } from "./platform.ts";

const FLAGS = { "data-dir": { type: "string" }, topic: { type: "string" }, roll: { type: "boolean" } } as const;

/** A cleanup that failed on one partition: says which, and which file when the cause names one. */
export class CleanupFailedError extends LoglabError {
  constructor(readonly topicPartition: string, override readonly cause: unknown) {
    const fileName = (cause as { fileName?: unknown }).fileName;
    const message = cause instanceof Error ? cause.message : String(cause);
    const file = typeof fileName === "string" && !message.includes(fileName) ? ` (in ${fileName})` : "";
    super(cause instanceof LoglabError ? cause.code : "UNKNOWN_SERVER_ERROR", `cleanup of ${topicPartition} failed: ${message}${file}`);
  }
}

async function cleanPartition(log: PartitionLog, roll: boolean): Promise<string> {
  if (roll) await log.roll();
  const policy = log.config.cleanupPolicy;
  const retention = policy === "compact" ? null : await log.applyRetention();
  const compaction = policy === "delete" ? null : await log.compact();
  const parts = [
    retention === null ? null : `deleted ${retention.deletedSegments.length} segments (log start offset ${retention.logStartOffset})`,
    compaction === null ? null :
      `compacted ${compaction.recordsBefore} records to ${compaction.recordsAfter} (${compaction.tombstonesRemoved} tombstones removed)`,
  ].filter((part) => part !== null);
  return `${log.topicPartition}: ${parts.join(", ")}`;
}

export async function cleanupCommand(args: string[], open: (dataDir: string) => Promise<LogManager>, out: Output): Promise<void> {
  const { values } = parseFlags("cleanup", args, FLAGS);
  const manager = await open(required("cleanup", "data-dir", values["data-dir"], "DIR"));
  try {
    const topics = values.topic === undefined ? manager.listTopics() : [manager.describeTopic(values.topic).name];
    for (const topic of topics) {
      for (let partition = 0; partition < manager.describeTopic(topic).partitions; partition++) {
        const log = manager.log(topic, partition);
        try {
          out.line(await cleanPartition(log, values.roll ?? false));
        } catch (error) {
          throw new CleanupFailedError(log.topicPartition, error);
        }
      }
    }
  } finally {
    out.flush(); // the partitions cleaned before a failure are reported too
    await manager.close();
  }
}
