// The consumer's configuration under Kafka's names and defaults (Java's, and
// librdkafka's for the offset store the talk's PHP consumer uses).

import type { IsolationLevel } from "../broker/index.ts";
import { InvalidConfigError } from "../log/index.ts";
import { ASSIGNOR_NAMES, type AssignorName } from "./assignors.ts";

export type OffsetResetPolicy = "earliest" | "latest" | "none";

export interface ConsumerConfig {
  readonly "group.id"?: string;
  readonly "client.id"?: string;
  readonly "enable.auto.commit"?: boolean;
  readonly "auto.commit.interval.ms"?: number;
  /** librdkafka: store the offset of each record handed to the application automatically. */
  readonly "enable.auto.offset.store"?: boolean;
  readonly "auto.offset.reset"?: OffsetResetPolicy;
  readonly "session.timeout.ms"?: number;
  readonly "heartbeat.interval.ms"?: number;
  readonly "max.poll.interval.ms"?: number;
  readonly "max.poll.records"?: number;
  readonly "max.partition.fetch.bytes"?: number;
  readonly "partition.assignment.strategy"?: AssignorName;
  readonly "isolation.level"?: IsolationLevel;
  /** How long poll() waits between empty fetches (Kafka's fetch.max.wait.ms plays this part on the broker). */
  readonly "fetch.backoff.ms"?: number;
  /** How long a request may go unanswered before the consumer gives up on it and retries (JoinGroup waits longer: the rebalance timeout too). */
  readonly "request.timeout.ms"?: number;
  /**
   * How long the consumer waits before asking again for a committed offset the group coordinator could not give yet
   * (UNSTABLE_OFFSET_COMMIT: a transaction holds newer ones), doubled per attempt up to retry.backoff.max.ms (Java's 100 and 1000).
   */
  readonly "retry.backoff.ms"?: number;
  readonly "retry.backoff.max.ms"?: number;
}

export interface ResolvedConsumerConfig {
  readonly groupId: string | null;
  readonly clientId: string;
  readonly autoCommit: boolean;
  readonly autoCommitIntervalMs: number;
  readonly autoOffsetStore: boolean;
  readonly autoOffsetReset: OffsetResetPolicy;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly maxPollIntervalMs: number;
  readonly maxPollRecords: number;
  readonly maxPartitionFetchBytes: number;
  readonly assignor: AssignorName;
  readonly isolationLevel: IsolationLevel;
  readonly fetchBackoffMs: number;
  readonly requestTimeoutMs: number;
  readonly retryBackoffMs: number;
  readonly retryBackoffMaxMs: number;
}

function positive(key: string, value: number | undefined, fallback: number): number {
  const resolved = value ?? fallback;
  if (!Number.isInteger(resolved) || resolved < 1) throw new InvalidConfigError(key, `expected an integer >= 1, got ${resolved}`);
  return resolved;
}

export function resolveConsumerConfig(config: ConsumerConfig): ResolvedConsumerConfig {
  const reset = config["auto.offset.reset"] ?? "latest";
  if (!["earliest", "latest", "none"].includes(reset)) throw new InvalidConfigError("auto.offset.reset", `expected earliest, latest or none, got ${reset}`);
  const assignor = config["partition.assignment.strategy"] ?? "range";
  if (!ASSIGNOR_NAMES.includes(assignor)) throw new InvalidConfigError("partition.assignment.strategy", `expected one of ${ASSIGNOR_NAMES.join(", ")}, got ${assignor}`);
  const sessionTimeoutMs = positive("session.timeout.ms", config["session.timeout.ms"], 45_000);
  const heartbeatIntervalMs = positive("heartbeat.interval.ms", config["heartbeat.interval.ms"], 3_000);
  if (heartbeatIntervalMs >= sessionTimeoutMs) {
    throw new InvalidConfigError("heartbeat.interval.ms", `must be lower than session.timeout.ms=${sessionTimeoutMs}, got ${heartbeatIntervalMs}`);
  }
  const retryBackoffMs = positive("retry.backoff.ms", config["retry.backoff.ms"], 100);
  const retryBackoffMaxMs = positive("retry.backoff.max.ms", config["retry.backoff.max.ms"], Math.max(1_000, retryBackoffMs));
  if (retryBackoffMaxMs < retryBackoffMs) {
    throw new InvalidConfigError("retry.backoff.max.ms", `must be at least retry.backoff.ms=${retryBackoffMs}, got ${retryBackoffMaxMs}`);
  }
  return {
    groupId: config["group.id"] ?? null,
    clientId: config["client.id"] ?? "consumer",
    autoCommit: config["enable.auto.commit"] ?? true,
    autoCommitIntervalMs: positive("auto.commit.interval.ms", config["auto.commit.interval.ms"], 5_000),
    autoOffsetStore: config["enable.auto.offset.store"] ?? true,
    autoOffsetReset: reset,
    sessionTimeoutMs,
    heartbeatIntervalMs,
    maxPollIntervalMs: positive("max.poll.interval.ms", config["max.poll.interval.ms"], 300_000),
    maxPollRecords: positive("max.poll.records", config["max.poll.records"], 500),
    maxPartitionFetchBytes: positive("max.partition.fetch.bytes", config["max.partition.fetch.bytes"], 1024 * 1024),
    assignor,
    isolationLevel: config["isolation.level"] ?? "read_uncommitted",
    fetchBackoffMs: positive("fetch.backoff.ms", config["fetch.backoff.ms"], 100),
    requestTimeoutMs: positive("request.timeout.ms", config["request.timeout.ms"], 30_000),
    retryBackoffMs,
    retryBackoffMaxMs,
  };
}
