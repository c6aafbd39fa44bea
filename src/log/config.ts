// Topic-level log configuration under Kafka's own names and defaults, parsed
// from the string form Kafka tools use (`--config segment.bytes=1048576`).

import { OFFSET_INDEX_ENTRY_BYTES } from "../format/index.ts";
import { InvalidConfigError } from "./errors.ts";

export type CleanupPolicy = "delete" | "compact" | "compact,delete";
export type TimestampTypeConfig = "CreateTime" | "LogAppendTime";

export interface LogConfig {
  /** segment.bytes: roll when a segment would grow past this. */
  readonly segmentBytes: number;
  /** segment.ms: roll when the segment's first record is this old. */
  readonly segmentMs: number;
  /** segment.index.bytes: roll when the offset index would grow past this. */
  readonly segmentIndexBytes: number;
  /** index.interval.bytes: log bytes between two index entries. */
  readonly indexIntervalBytes: number;
  /** max.message.bytes: the largest batch the log accepts. */
  readonly maxMessageBytes: number;
  /** retention.ms: delete segments whose newest record is older (-1 = forever). */
  readonly retentionMs: number;
  /** retention.bytes: delete old segments while the log is larger (-1 = unbounded). */
  readonly retentionBytes: number;
  /** cleanup.policy */
  readonly cleanupPolicy: CleanupPolicy;
  /** delete.retention.ms: how long compaction keeps a tombstone. */
  readonly deleteRetentionMs: number;
  /** message.timestamp.type */
  readonly messageTimestampType: TimestampTypeConfig;
  /** flush.messages: sync after this many unflushed records (Kafka's default: never, leave it to flush()). */
  readonly flushMessages: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const LONG_MAX = Number.MAX_SAFE_INTEGER;

export const DEFAULT_LOG_CONFIG: LogConfig = {
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 7 * DAY_MS,
  segmentIndexBytes: 10 * 1024 * 1024,
  indexIntervalBytes: 4096,
  maxMessageBytes: 1048588,
  retentionMs: 7 * DAY_MS,
  retentionBytes: -1,
  cleanupPolicy: "delete",
  deleteRetentionMs: DAY_MS,
  messageTimestampType: "CreateTime",
  flushMessages: LONG_MAX,
};

interface Key<T> {
  readonly field: keyof LogConfig;
  parse(value: string): T;
}

function integer(min: number): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(parsed) || parsed < min) {
      throw new Error(`expected an integer >= ${min}, got "${value}"`);
    }
    return parsed;
  };
}

function oneOf<T extends string>(...allowed: T[]): (value: string) => T {
  return (value) => {
    const normalised = value.split(",").map((part) => part.trim()).sort().join(",");
    const match = allowed.find((option) => option === normalised);
    if (match === undefined) throw new Error(`expected one of ${allowed.join(" | ")}, got "${value}"`);
    return match;
  };
}

/** The keys loglab understands, by Kafka name. */
export const LOG_CONFIG_KEYS: Readonly<Record<string, Key<unknown>>> = {
  "segment.bytes": { field: "segmentBytes", parse: integer(14) },
  "segment.ms": { field: "segmentMs", parse: integer(1) },
  // At least one offset index entry.
  "segment.index.bytes": { field: "segmentIndexBytes", parse: integer(OFFSET_INDEX_ENTRY_BYTES) },
  "index.interval.bytes": { field: "indexIntervalBytes", parse: integer(0) },
  "max.message.bytes": { field: "maxMessageBytes", parse: integer(0) },
  "retention.ms": { field: "retentionMs", parse: integer(-1) },
  "retention.bytes": { field: "retentionBytes", parse: integer(-1) },
  "cleanup.policy": { field: "cleanupPolicy", parse: oneOf<CleanupPolicy>("delete", "compact", "compact,delete") },
  "delete.retention.ms": { field: "deleteRetentionMs", parse: integer(0) },
  "message.timestamp.type": { field: "messageTimestampType", parse: oneOf<TimestampTypeConfig>("CreateTime", "LogAppendTime") },
  "flush.messages": { field: "flushMessages", parse: integer(1) },
};

/** Applies Kafka-named overrides (`{"segment.bytes": "1048576"}`) on top of `base`. */
export function parseLogConfig(overrides: Readonly<Record<string, string>>, base: LogConfig = DEFAULT_LOG_CONFIG): LogConfig {
  const config: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    // Own keys only: "constructor" or "__proto__" must not find Object.prototype's.
    const spec = Object.hasOwn(LOG_CONFIG_KEYS, key) ? LOG_CONFIG_KEYS[key] : undefined;
    if (spec === undefined) {
      throw new InvalidConfigError(key, `unknown key; known keys are ${Object.keys(LOG_CONFIG_KEYS).join(", ")}`);
    }
    try {
      config[spec.field] = spec.parse(value);
    } catch (error) {
      throw new InvalidConfigError(key, (error as Error).message);
    }
  }
  return config as unknown as LogConfig;
}

/** Parses "key=value" strings, as given to --config on the command line. */
export function parseConfigPairs(pairs: readonly string[]): Record<string, string> {
  // No prototype: a "__proto__" key is a key like any other (and then refused as unknown), not a prototype.
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const pair of pairs) {
    const equals = pair.indexOf("=");
    if (equals <= 0) throw new InvalidConfigError(pair, 'expected "key=value"');
    const key = pair.slice(0, equals).trim();
    if (Object.hasOwn(out, key)) throw new InvalidConfigError(key, "given more than once");
    out[key] = pair.slice(equals + 1).trim();
  }
  return out;
}
