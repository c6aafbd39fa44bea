// The broker: Kafka's request handlers over the log, without sockets or timers.

export { Broker, type BrokerOptions, OFFSET_METADATA_BYTES_MAX } from "./broker.ts";
export {
  BrokerNotAvailableError, IllegalGenerationError, InconsistentGroupProtocolError, InvalidCommitOffsetError, InvalidProducerEpochError,
  InvalidProducerIdMappingError, InvalidRequiredAcksError, InvalidSessionTimeoutError, InvalidTxnStateError, OffsetMetadataTooLargeError,
  OutOfOrderSequenceError, PartitionNotAssignedError, RebalanceInProgressError, UnknownMemberIdError, ConcurrentTransactionsError,
  UnstableOffsetCommitError,
} from "./errors.ts";
export { type AbortedTransaction } from "./partition-transactions.ts";
export { TRANSACTION_STATE_TOPIC, type TransactionOffsets, type TransactionState } from "./transaction-coordinator.ts";
export {
  GROUP_DEFAULTS, GroupCoordinator, type GroupCoordinatorOptions, IN_PROCESS_CLIENT_HOST, type GroupDescription, type GroupProtocol, type GroupState,
  type JoinGroupRequest, type JoinGroupResponse, type MemberRequest, type SyncGroupRequest, type SyncGroupResponse,
} from "./group-coordinator.ts";
export { OFFSETS_TOPIC, type OffsetAndMetadata } from "./offset-store.ts";
export { PRODUCER_ID_BLOCK_SIZE } from "./producer-ids.ts";
export { PRODUCER_BATCHES_REMEMBERED } from "./producer-state.ts";
export type * from "./protocol.ts";
