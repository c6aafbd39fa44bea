// `loglab cleanup`: runs what Kafka's log cleaner and retention do in the
// background, now: deletes segments past retention and compacts compacted
// topics. The cleaner never touches a partition's active segment, so
// --roll first closes each active segment, as an elapsed segment.ms would.

import { parseArgs } from "node:util";
import type { LogManager } from "../log/index.ts";
import type { Output } from "./platform.ts";
import { UsageError } from "./usage.ts";

export async function cleanupCommand(args: string[], open: (dataDir: string) => Promise<LogManager>, out: Output): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { "data-dir": { type: "string" }, topic: { type: "string" }, roll: { type: "boolean" } },
    strict: true,
  });
  if (values["data-dir"] === undefined) throw new UsageError("cleanup needs --data-dir DIR");
  const manager = await open(values["data-dir"]);
  try {
    const topics = values.topic === undefined ? manager.listTopics() : [manager.describeTopic(values.topic).name];
    for (const topic of topics) {
      for (let partition = 0; partition < manager.describeTopic(topic).partitions; partition++) {
        const log = manager.log(topic, partition);
        if (values.roll) await log.roll();
        const policy = log.config.cleanupPolicy;
        const retention = policy === "compact" ? null : await log.applyRetention();
        const compaction = policy === "delete" ? null : await log.compact();
        const parts = [
          retention === null ? null : `deleted ${retention.deletedSegments.length} segments (log start offset ${retention.logStartOffset})`,
          compaction === null ? null :
            `compacted ${compaction.recordsBefore} records to ${compaction.recordsAfter} (${compaction.tombstonesRemoved} tombstones removed)`,
        ].filter((part) => part !== null);
        out.line(`${log.topicPartition}: ${parts.join(", ")}`);
      }
    }
  } finally {
    await manager.close();
  }
}
