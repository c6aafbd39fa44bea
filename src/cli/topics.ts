// `loglab topics`: list, describe or create topics, like kafka-topics.sh.

import { parseArgs } from "node:util";
import { type LogManager, parseConfigPairs } from "../log/index.ts";
import type { Output } from "./platform.ts";
import { UsageError } from "./usage.ts";

export async function topicsCommand(args: string[], open: (dataDir: string) => Promise<LogManager>, out: Output): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      "data-dir": { type: "string" },
      create: { type: "string" },
      partitions: { type: "string" },
      config: { type: "string", multiple: true },
      list: { type: "boolean" },
      describe: { type: "boolean" },
      topic: { type: "string" },
    },
    strict: true,
  });
  if (values["data-dir"] === undefined) throw new UsageError("topics needs --data-dir DIR");
  const manager = await open(values["data-dir"]);
  try {
    if (values.create !== undefined) {
      const partitions = values.partitions === undefined ? 1 : Number(values.partitions);
      await manager.createTopic(values.create, partitions, parseConfigPairs(values.config ?? []));
      out.line(`Created topic ${values.create}.`);
      return;
    }
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
