// The log layer: topics split into partitions, each an append-only sequence
// of segments in Kafka's file layout.

export { DEFAULT_LOG_CONFIG, LOG_CONFIG_KEYS, type CleanupPolicy, type LogConfig, parseConfigPairs, parseLogConfig } from "./config.ts";
export {
  InvalidConfigError, InvalidPartitionsError, InvalidTopicError, LogOfflineError, OffsetOutOfRangeError, TopicExistsError,
  UnknownTopicOrPartitionError,
} from "./errors.ts";
export { LogManager, type LogManagerOptions, PARTITIONS_MAX, type TopicDescription } from "./log-manager.ts";
export {
  type AppendInfo, type CompactionReport, type LogReadResult, PartitionLog, type PartitionLogOptions, type ReadOptions,
  type RecoveryReport, type RetentionReport,
} from "./partition-log.ts";
export { type SegmentDescription, type SegmentRecovery, segmentFileName } from "./segment.ts";
export { TOPIC_NAME_LENGTH_MAX, validateTopicName } from "./topic-name.ts";
