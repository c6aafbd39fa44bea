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
  /** `partitionCount`, when known, is named in the message: the partitions the topic does have. */
  constructor(readonly topic: string, readonly partition?: number, readonly partitionCount?: number) {
    super(
      "UNKNOWN_TOPIC_OR_PARTITION",
      (partition === undefined ? `unknown topic "${topic}"` : `unknown topic or partition ${topic}-${partition}`) +
        (partitionCount === undefined ? "" : `: topic "${topic}" has ${partitionCount} partition${partitionCount === 1 ? "" : "s"} (0 to ${partitionCount - 1})`),
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

/**
 * compression.type names a codec loglab reads but cannot write (no maintained
 * pure-JS compressor for it): refused when the config is read, not at the first send.
 */
export class UnwritableCompressionTypeError extends InvalidConfigError {
  constructor(readonly codec: string, writable: readonly string[]) {
    super("compression.type", `${codec} is read but not written by loglab (no maintained compressor); use one of ${writable.join(", ")}`);
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

/**
 * An operation on a PartitionLog or LogManager after close(): loglab's own
 * code (Kafka has no equivalent; its logs close only with the broker). Not
 * retriable: the object is finished, open a new one.
 */
export class LogClosedError extends LoglabError {
  constructor(readonly what: string) {
    super("LOG_CLOSED", `${what} is closed`);
  }
}

/**
 * A write to a log opened read-only (a reading command, or a second process
 * while another one writes): loglab's own code. Not retriable on this log.
 */
export class ReadOnlyLogError extends LoglabError {
  constructor(readonly what: string, readonly operation: string) {
    super("LOG_READ_ONLY", `${what} is open read-only: ${operation} is refused`);
  }
}

/**
 * A topics metadata file (loglab-topics.json) that is empty or not what
 * loglab writes: refused rather than read as "no topics", which would let the
 * next write replace every topic's partitions and configs.
 */
export class InvalidTopicsFileError extends LoglabError {
  constructor(readonly fileName: string, problem: string) {
    super("INVALID_TOPICS_FILE", `topics file ${fileName} is damaged: ${problem}; restore it, or remove it to rediscover topics from their folders (configs are lost)`);
  }
}

/** A new topic whose partition folder name is taken by a file in the data dir: nothing of the topic is created. */
export class PartitionFolderTakenError extends LoglabError {
  constructor(readonly topic: string, readonly folder: string) {
    super("KAFKA_STORAGE_ERROR", `cannot create topic ${topic}: the data dir holds a file named ${folder} where its partition folder would go`);
  }
}

/** A request this object cannot serve as it was opened (a log manager asked for a log it did not open): INVALID_REQUEST. */
export class InvalidRequestError extends LoglabError {
  constructor(message: string) {
    super("INVALID_REQUEST", message);
  }
}

/**
 * An index file whose bytes cannot be what the log wrote (Kafka's
 * CorruptIndexException): it is never read as a shorter index; the log
 * rebuilds it from the segment and says so.
 */
export class CorruptIndexError extends LoglabError {
  constructor(readonly fileName: string, readonly position: number, readonly detail: string) {
    super("CORRUPT_INDEX", `corrupt index ${fileName} at byte ${position}: ${detail}`);
  }
}
