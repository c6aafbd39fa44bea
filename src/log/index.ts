// The log layer: topics split into partitions, each an append-only sequence
// of segments in Kafka's file layout.

export { DEFAULT_LOG_CONFIG, LOG_CONFIG_KEYS, type CleanupPolicy, type LogConfig, parseConfigPairs, parseLogConfig } from "./config.ts";
export {
  CorruptIndexError, InvalidConfigError, InvalidPartitionsError, InvalidRequestError, InvalidTopicError, InvalidTopicsFileError, LogClosedError, LogOfflineError, OffsetOutOfRangeError, PartitionFolderTakenError, ReadOnlyLogError,
  TopicExistsError,
  UnknownTopicOrPartitionError, UnwritableCompressionTypeError,
} from "./errors.ts";
export { LogManager, type LogManagerOptions, PARTITIONS_MAX, type TopicDescription } from "./log-manager.ts";
export {
  type AppendInfo, type CompactionReport, type LogReadResult, PartitionLog, type PartitionLogOptions, type ReadOptions,
  type LogGap, type RecoveryReport, type RetentionReport,
} from "./partition-log.ts";
export { checkDataDir, type DataDirCheck } from "./verify.ts";
export { type ReadAheadHolder, ReadAheadBudget, type ReadAheadShares } from "./read-ahead.ts";
export { PooledBuffer, returnServedBytes, WindowPool } from "./window-pool.ts";
export { QUARANTINE_SUFFIX, type QuarantinedFile, quarantineFolder } from "./quarantine.ts";
export { type LogProblem } from "./index-check.ts";
export { type LogWarning, type SegmentDescription, type SegmentRecovery, segmentFileName } from "./segment.ts";
export { TOPIC_NAME_LENGTH_MAX, validateTopicName } from "./topic-name.ts";
export { ABORTED_TXN_ENTRY_BYTES, type AbortedTxn, decodeAbortedTxns, encodeAbortedTxns, TXN_INDEX_SUFFIX } from "./transaction-index.ts";
