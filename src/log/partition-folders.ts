// Which folders of a data dir are partitions: "<topic>-<partition>/" directly
// under the root, holding segment files, with a valid topic name and a
// partition number below the limit. Anything else is skipped and reported,
// never filled in: a stray "foo-99999/" must not open 100,000 partitions.

import { QUARANTINE_SUFFIX } from "./quarantine.ts";
import { validateTopicName } from "./topic-name.ts";

const PARTITION_FOLDER = /^(.+)-(0|[1-9]\d*)$/;
const SEGMENT_FILE = /^\d{20}\.log$/;

export interface PartitionFolders {
  /** Each topic's partitions that have a folder with segments, ascending. */
  readonly partitions: ReadonlyMap<string, readonly number[]>;
  /** One line per folder skipped, for the user. */
  readonly warnings: readonly string[];
}

/** The partition folders among `fileNames` (a storage's list()), under `partitionsMax`. */
export function findPartitionFolders(fileNames: readonly string[], partitionsMax: number): PartitionFolders {
  const found = new Map<string, Set<number>>();
  const skipped = new Map<string, string>();
  for (const name of fileNames) {
    const slash = name.indexOf("/");
    if (slash < 0) continue; // a file in the root: metadata, the lock, or a stray file
    const folder = name.slice(0, slash);
    const inside = name.slice(slash + 1);
    if (folder.endsWith(QUARANTINE_SUFFIX) || skipped.has(folder)) continue;
    if (inside.includes("/")) {
      const nested = inside.slice(0, inside.indexOf("/"));
      skipped.set(`${folder}/${nested}`, `skipped folder ${folder}/${nested}: partition folders sit directly in the data dir`);
      continue;
    }
    if (!SEGMENT_FILE.test(inside)) continue;
    const match = PARTITION_FOLDER.exec(folder);
    if (match === null) {
      skipped.set(folder, `skipped folder ${folder}: not <topic>-<partition>`);
      continue;
    }
    const [, topic, digits] = match as unknown as [string, string, string];
    try {
      validateTopicName(topic);
    } catch (error) {
      skipped.set(folder, `skipped folder ${folder}: ${(error as Error).message}`);
      continue;
    }
    const partition = Number(digits);
    if (partition >= partitionsMax) {
      skipped.set(folder, `skipped folder ${folder}: partition ${digits} is at or above the limit of ${partitionsMax} partitions`);
      continue;
    }
    let partitions = found.get(topic);
    if (partitions === undefined) found.set(topic, (partitions = new Set()));
    partitions.add(partition);
  }
  const partitions = new Map([...found].map(([topic, set]) => [topic, [...set].sort((a, b) => a - b)] as const));
  return { partitions, warnings: [...skipped.values()] };
}
