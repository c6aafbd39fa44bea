// `loglab topics`: list, describe or create topics, like kafka-topics.sh.

import { type LogManager, PARTITIONS_MAX, parseConfigPairs, UnknownTopicOrPartitionError } from "../log/index.ts";
import { optionalIntegerFlag, parseFlags, required } from "./flags.ts";
import type { Output } from "./platform.ts";
import { UsageError } from "./usage.ts";

const FLAGS = {
  "data-dir": { type: "string" },
  create: { type: "string" },
  partitions: { type: "string" },
  config: { type: "string", multiple: true },
  list: { type: "boolean" },
  describe: { type: "boolean" },
  topic: { type: "string" },
} as const;

/** `open` as run.ts gives it: read-only or not, and which topics' logs to open. */
type OpenManager = (dataDir: string, request?: { readonly readOnly?: boolean; readonly topics?: readonly string[] }) => Promise<LogManager>;

export async function topicsCommand(args: string[], open: OpenManager, out: Output): Promise<void> {
  const { values } = parseFlags("topics", args, FLAGS);
  const dataDir = required("topics", "data-dir", values["data-dir"], "DIR");
  const actions = [values.create !== undefined && "--create", values.list && "--list", values.describe && "--describe"].filter(Boolean);
  if (actions.length > 1) throw new UsageError(`topics takes one of --create, --list and --describe, got ${actions.join(" and ")}`);
  if (values.create === undefined && values.partitions !== undefined) throw new UsageError("--partitions is for --create");
  if (values.create === undefined && values.config !== undefined) throw new UsageError("--config is for --create");
  if (values.create !== undefined && values.topic !== undefined) throw new UsageError("--topic is for --list and --describe; --create names its topic");
  const partitions = optionalIntegerFlag("partitions", values.partitions, 1, PARTITIONS_MAX, 1);
  // Creating writes (under the lock) and opens no existing log; listing reads
  // only metadata; describing reads the logs it describes, read-only.
  const request = values.create !== undefined
    ? { topics: [] }
    : { readOnly: true, topics: values.describe && values.topic !== undefined ? [values.topic] : values.describe ? undefined : [] };
  const manager = await open(dataDir, request.topics === undefined ? { readOnly: true } : request);
  try {
    if (values.create !== undefined) {
      await manager.createTopic(values.create, partitions, parseConfigPairs(values.config ?? []));
      out.line(`Created topic ${values.create}.`);
      return;
    }
    if (values.topic !== undefined && !manager.hasTopic(values.topic)) throw new UnknownTopicOrPartitionError(values.topic);
    const topics = manager.listTopics().filter((t) => values.topic === undefined || t === values.topic);
    for (const topic of topics) {
      if (!values.describe) {
        out.line(topic);
        continue;
      }
      const description = manager.describeTopic(topic);
      const configs = Object.entries(description.configOverrides).map(([k, v]) => `${k}=${v}`).join(",");
      out.line(`Topic: ${topic}\tPartitionCount: ${description.partitions}\tConfigs: ${configs}`);
      for (let partition = 0; partition < description.partitions; partition++) {
        const log = manager.log(topic, partition);
        out.line(
          `\tTopic: ${topic}\tPartition: ${partition}\tLogStartOffset: ${log.logStartOffset}\tLogEndOffset: ${log.logEndOffset}\tSize: ${log.sizeInBytes}\tSegments: ${log.segmentBaseOffsets.length}`,
        );
      }
    }
  } finally {
    await manager.close();
  }
}
