// Verifies every partition of a data dir without changing anything: each
// segment's batches (CRC, sizes, offsets in order and inside the segment),
// each index entry against the log, and segments that end before the next
// begins in a log that is never compacted. What `loglab check` reports.

import type { Clock } from "../runtime/index.ts";
import { readTextFile, type Storage } from "../storage/index.ts";
import { DEFAULT_LOG_CONFIG, type LogConfig, parseLogConfig } from "./config.ts";
import type { LogProblem } from "./index-check.ts";
import { LogSegment, parseSegmentFileName } from "./segment.ts";

/** The topics file's name (the LogManager's, repeated here so a check needs no LogManager). */
const TOPICS_FILE = "loglab-topics.json";

export interface DataDirCheck {
  readonly partitions: number;
  readonly segments: number;
  readonly batches: number;
  /** Everything wrong, in file order. */
  readonly problems: readonly LogProblem[];
}

/** Partition folders (`<topic>-<n>/`) directly under the root and the files in each; quarantine folders are not partitions. */
function partitionFolders(names: readonly string[]): Map<string, { topic: string; files: string[] }> {
  const folders = new Map<string, { topic: string; files: string[] }>();
  for (const name of names) {
    const match = /^((.+)-\d+)\/[^/]+$/.exec(name);
    if (match === null) continue;
    const folder = folders.get(match[1]!) ?? { topic: match[2]!, files: [] };
    folder.files.push(name);
    folders.set(match[1]!, folder);
  }
  return folders;
}

/** Each topic's config as the topics file gives it; a missing or unreadable file gives the defaults. */
async function topicConfigs(storage: Storage): Promise<(topic: string) => LogConfig> {
  let topics: Record<string, { config?: Record<string, string> }> = {};
  try {
    const text = await readTextFile(storage, TOPICS_FILE);
    if (text !== null) topics = (JSON.parse(text) as { topics?: typeof topics }).topics ?? {};
  } catch {
    // A check reports the log files; the topics file is not a log.
  }
  return (topic) => {
    try {
      const overrides = Object.hasOwn(topics, topic) ? topics[topic]!.config ?? {} : {};
      return parseLogConfig(overrides, DEFAULT_LOG_CONFIG);
    } catch {
      return DEFAULT_LOG_CONFIG;
    }
  };
}

/** Checks every partition of the data dir in `storage` (which may be read-only). */
export async function checkDataDir(storage: Storage, clock: Clock): Promise<DataDirCheck> {
  const configOf = await topicConfigs(storage);
  const problems: LogProblem[] = [];
  let segments = 0;
  let batches = 0;
  const folders = partitionFolders(await storage.list());
  for (const [dir, { topic, files }] of [...folders].sort(([a], [b]) => a.localeCompare(b))) {
    const config = configOf(topic);
    const bases = files.map(parseSegmentFileName).filter((p) => p?.suffix === ".log").map((p) => p!.baseOffset).sort((a, b) => a - b);
    for (const name of files) {
      const parsed = parseSegmentFileName(name);
      if (parsed !== null && parsed.suffix !== ".log" && !bases.includes(parsed.baseOffset)) {
        problems.push({ fileName: name, position: 0, reason: "orphan-index", detail: "an index file without its .log" });
      }
    }
    for (let i = 0; i < bases.length; i++) {
      const limitOffset = bases[i + 1] ?? Infinity;
      const segment = await LogSegment.open(storage, dir, bases[i]!, config, clock.nowMs(), { readOnly: true, limitOffset });
      try {
        const check = await segment.verify();
        segments++;
        batches += check.batchCount;
        problems.push(...check.problems);
        if (config.cleanupPolicy === "delete" && limitOffset !== Infinity && check.nextOffset < limitOffset && check.problems.length === 0) {
          problems.push({
            fileName: segment.fileName, position: check.validBytes, reason: "offset-not-contiguous",
            detail: `the segment ends at offset ${check.nextOffset - 1} but the next one starts at ${limitOffset}: offsets ${check.nextOffset} to ${limitOffset - 1} are missing`,
          });
        }
      } finally {
        await segment.close();
      }
    }
  }
  return { partitions: folders.size, segments, batches, problems };
}
