// Typed errors of the log layer, with Kafka's error names. Each message names
// the offending value and the rule or the valid range.

import { LoglabError } from "../format/index.ts";

/** A fetch or seek outside [logStartOffset, logEndOffset]: OFFSET_OUT_OF_RANGE. */
export class OffsetOutOfRangeError extends LoglabError {
  constructor(
    readonly offset: number,
    readonly logStartOffset: number,
    readonly logEndOffset: number,
    readonly topicPartition: string,
  ) {
    super(
      "OFFSET_OUT_OF_RANGE",
      `offset ${offset} is out of range for ${topicPartition}: valid offsets are ${logStartOffset} to ${logEndOffset}`,
    );
  }
}

/** A topic name that breaks Kafka's rules: INVALID_TOPIC_EXCEPTION. */
export class InvalidTopicError extends LoglabError {
  constructor(readonly topic: string, rule: string) {
    super("INVALID_TOPIC_EXCEPTION", `invalid topic name "${topic}": ${rule}`);
  }
}

export class TopicExistsError extends LoglabError {
  constructor(readonly topic: string) {
    super("TOPIC_ALREADY_EXISTS", `topic "${topic}" already exists`);
  }
}

/** UNKNOWN_TOPIC_OR_PARTITION (retriable in Kafka: metadata may be catching up). */
export class UnknownTopicOrPartitionError extends LoglabError {
  constructor(readonly topic: string, readonly partition?: number) {
    super(
      "UNKNOWN_TOPIC_OR_PARTITION",
      partition === undefined ? `unknown topic "${topic}"` : `unknown topic or partition ${topic}-${partition}`,
      true,
    );
  }
}

/** A config key or value Kafka would refuse: INVALID_CONFIG. */
export class InvalidConfigError extends LoglabError {
  constructor(readonly key: string, message: string) {
    super("INVALID_CONFIG", `invalid config ${key}: ${message}`);
  }
}

/** A partition count below 1 or above the limit: INVALID_PARTITIONS. */
export class InvalidPartitionsError extends LoglabError {
  constructor(readonly partitions: number, limit: number) {
    super("INVALID_PARTITIONS", `partitions must be an integer from 1 to ${limit}, got ${partitions}`);
  }
}

/**
 * KAFKA_STORAGE_ERROR for a partition whose fsync failed. After a failed
 * fsync the OS may have dropped the unsynced pages, so a later fsync that
 * succeeds would vouch for bytes that are gone; like Kafka, which takes the
 * log dir offline, the log refuses every operation until it is reopened and
 * recovered from what is durable. Retriable: a restarted broker serves again.
 */
export class LogOfflineError extends LoglabError {
  constructor(readonly topicPartition: string, override readonly cause: unknown) {
    super(
      "KAFKA_STORAGE_ERROR",
      `${topicPartition} is offline after a failed fsync (${cause instanceof Error ? cause.message : String(cause)}); reopen the log to recover it`,
      true,
    );
  }
}
