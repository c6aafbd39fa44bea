// The topics metadata file (loglab-topics.json): each topic's partition count
// and config overrides. Read strictly: a damaged file is an error naming it,
// never "no topics", since the next write would then erase them all.

import { InvalidTopicsFileError } from "./errors.ts";
import { foundTopicId } from "./topic-id.ts";
import { validateTopicName } from "./topic-name.ts";

export const TOPICS_FILE = "loglab-topics.json";

export interface TopicEntry {
  readonly partitions: number;
  readonly config: Readonly<Record<string, string>>;
  /** Its Kafka topic id (lowercase uuid); files written before ids have none, and the reader derives one. */
  readonly id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** The topics `text` records; `partitionsMax` bounds each count, as createTopic does. */
export function parseTopicsFile(text: string, partitionsMax: number): Map<string, TopicEntry> {
  const fail = (problem: string): never => {
    throw new InvalidTopicsFileError(TOPICS_FILE, problem);
  };
  if (text.trim() === "") fail("it is empty");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    fail(`it is not JSON (${(error as Error).message})`);
  }
  if (!isObject(parsed) || parsed.version !== 1 || !isObject(parsed.topics)) fail('expected {"version": 1, "topics": {...}}');
  const topics = new Map<string, TopicEntry>();
  for (const [name, entry] of Object.entries((parsed as { topics: Record<string, unknown> }).topics)) {
    try {
      validateTopicName(name);
    } catch (error) {
      fail((error as Error).message);
    }
    if (!isObject(entry)) fail(`topic ${name} is not an object`);
    const { partitions, config, id } = entry as { partitions?: unknown; config?: unknown; id?: unknown };
    if (typeof partitions !== "number" || !Number.isInteger(partitions) || partitions < 1 || partitions > partitionsMax) {
      fail(`topic ${name} has ${JSON.stringify(partitions)} partitions, expected an integer from 1 to ${partitionsMax}`);
    }
    if (!isObject(config) || Object.values(config).some((value) => typeof value !== "string")) fail(`topic ${name} has a config that is not an object of strings`);
    if (id !== undefined && (typeof id !== "string" || !UUID.test(id))) fail(`topic ${name} has id ${JSON.stringify(id)}, expected a lowercase uuid`);
    topics.set(name, {
      partitions: partitions as number,
      config: Object.assign(Object.create(null) as Record<string, string>, config),
      id: (id as string | undefined) ?? foundTopicId(name),
    });
  }
  return topics;
}

export function formatTopicsFile(topics: ReadonlyMap<string, TopicEntry>): string {
  const entries = [...topics].map(([name, entry]) => [name, { partitions: entry.partitions, config: { ...entry.config }, id: entry.id }] as const);
  return JSON.stringify({ version: 1, topics: Object.fromEntries(entries) }, null, 2);
}
