// Kafka's numeric error codes in a response, back to loglab's typed errors: the class that carries that error name
// in loglab (so `instanceof` checks in the clients hold), Kafka's retriable flag, and what the request was about.

import {
  ConcurrentTransactionsError, IllegalGenerationError, InconsistentGroupProtocolError, InvalidCommitOffsetError, InvalidProducerEpochError,
  InvalidProducerIdMappingError, InvalidRequiredAcksError, InvalidSessionTimeoutError, InvalidTxnStateError, OffsetMetadataTooLargeError,
  OutOfOrderSequenceError, RebalanceInProgressError, UnknownMemberIdError,
} from "../broker/index.ts";
import { RequestTimedOutError, UnknownServerError } from "../client/index.ts";
import { CorruptRecordError, InvalidRecordError, LoglabError, RecordTooLargeError, UnsupportedCompressionError } from "../format/index.ts";
import {
  InvalidConfigError, InvalidPartitionsError, InvalidRequestError, InvalidTopicError, LogOfflineError, OffsetOutOfRangeError,
  TopicExistsError, UnknownTopicOrPartitionError,
} from "../log/index.ts";
import { KAFKA_ERROR_CODES } from "./error-codes.ts";
import { UnsupportedVersionError } from "./primitives.ts";

/** A connection to a broker failed or closed before the answer came (Kafka's NETWORK_EXCEPTION): retriable. */
export class NetworkError extends LoglabError {
  constructor(readonly address: string, reason: string) {
    super("NETWORK_EXCEPTION", `broker ${address}: ${reason}`, true);
  }
}

/** Codes a client meets that loglab's broker never sends, on top of error-codes.ts. */
const CLIENT_ONLY_CODES: Readonly<Record<string, number>> = {
  NETWORK_EXCEPTION: 13,
  COORDINATOR_LOAD_IN_PROGRESS: 14,
  RECORD_LIST_TOO_LARGE: 18,
  NOT_ENOUGH_REPLICAS: 19,
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: 20,
  TOPIC_AUTHORIZATION_FAILED: 29,
  GROUP_AUTHORIZATION_FAILED: 30,
  CLUSTER_AUTHORIZATION_FAILED: 31,
  NOT_CONTROLLER: 41,
  CONCURRENT_TRANSACTIONS: 51,
  TRANSACTION_COORDINATOR_FENCED: 52,
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: 53,
  UNKNOWN_PRODUCER_ID: 59,
  FETCH_SESSION_ID_NOT_FOUND: 70,
  INVALID_FETCH_SESSION_EPOCH: 71,
  FENCED_LEADER_EPOCH: 74,
  UNKNOWN_LEADER_EPOCH: 75,
  OFFSET_NOT_AVAILABLE: 78,
  MEMBER_ID_REQUIRED: 79,
  GROUP_MAX_SIZE_REACHED: 81,
  FENCED_INSTANCE_ID: 82,
  UNSTABLE_OFFSET_COMMIT: 88,
  PRODUCER_FENCED: 90,
  TRANSACTION_ABORTABLE: 120,
};

const NAMES_BY_CODE: ReadonlyMap<number, string> = new Map(
  Object.entries({ ...KAFKA_ERROR_CODES, ...CLIENT_ONLY_CODES }).map(([name, code]) => [code, name]),
);

/** The numeric code of a Kafka error name; throws for a name in neither table (a typo in this module). */
export function errorCodeOf(name: string): number {
  const code = KAFKA_ERROR_CODES[name] ?? CLIENT_ONLY_CODES[name];
  if (code === undefined) throw new RangeError(`no Kafka error code named ${name}`);
  return code;
}

/** Kafka's RetriableException subclasses, by error name. */
const RETRIABLE = new Set([
  "CORRUPT_MESSAGE", "UNKNOWN_TOPIC_OR_PARTITION", "LEADER_NOT_AVAILABLE", "NOT_LEADER_OR_FOLLOWER", "REQUEST_TIMED_OUT", "NETWORK_EXCEPTION",
  "COORDINATOR_LOAD_IN_PROGRESS", "COORDINATOR_NOT_AVAILABLE", "NOT_COORDINATOR", "NOT_ENOUGH_REPLICAS", "NOT_ENOUGH_REPLICAS_AFTER_APPEND",
  "NOT_CONTROLLER", "KAFKA_STORAGE_ERROR", "CONCURRENT_TRANSACTIONS", "FETCH_SESSION_ID_NOT_FOUND", "INVALID_FETCH_SESSION_EPOCH",
  "FENCED_LEADER_EPOCH", "UNKNOWN_LEADER_EPOCH", "OFFSET_NOT_AVAILABLE", "UNSTABLE_OFFSET_COMMIT", "BROKER_NOT_AVAILABLE",
]);

type ErrorClass = { readonly prototype: LoglabError; readonly name: string };

/** The loglab class for each Kafka error name it has one for; PRODUCER_FENCED is the newer name of a fenced epoch. */
const CLASSES: Readonly<Record<string, ErrorClass>> = {
  UNKNOWN_SERVER_ERROR: UnknownServerError,
  OFFSET_OUT_OF_RANGE: OffsetOutOfRangeError,
  CORRUPT_MESSAGE: CorruptRecordError,
  UNKNOWN_TOPIC_OR_PARTITION: UnknownTopicOrPartitionError,
  REQUEST_TIMED_OUT: RequestTimedOutError,
  MESSAGE_TOO_LARGE: RecordTooLargeError,
  OFFSET_METADATA_TOO_LARGE: OffsetMetadataTooLargeError,
  INVALID_TOPIC_EXCEPTION: InvalidTopicError,
  INVALID_REQUIRED_ACKS: InvalidRequiredAcksError,
  ILLEGAL_GENERATION: IllegalGenerationError,
  INCONSISTENT_GROUP_PROTOCOL: InconsistentGroupProtocolError,
  UNKNOWN_MEMBER_ID: UnknownMemberIdError,
  INVALID_SESSION_TIMEOUT: InvalidSessionTimeoutError,
  REBALANCE_IN_PROGRESS: RebalanceInProgressError,
  INVALID_COMMIT_OFFSET_SIZE: InvalidCommitOffsetError,
  UNSUPPORTED_VERSION: UnsupportedVersionError,
  TOPIC_ALREADY_EXISTS: TopicExistsError,
  INVALID_PARTITIONS: InvalidPartitionsError,
  INVALID_CONFIG: InvalidConfigError,
  INVALID_REQUEST: InvalidRequestError,
  OUT_OF_ORDER_SEQUENCE_NUMBER: OutOfOrderSequenceError,
  INVALID_PRODUCER_EPOCH: InvalidProducerEpochError,
  PRODUCER_FENCED: InvalidProducerEpochError,
  INVALID_TXN_STATE: InvalidTxnStateError,
  INVALID_PRODUCER_ID_MAPPING: InvalidProducerIdMappingError,
  CONCURRENT_TRANSACTIONS: ConcurrentTransactionsError,
  KAFKA_STORAGE_ERROR: LogOfflineError,
  UNSUPPORTED_COMPRESSION_TYPE: UnsupportedCompressionError,
  INVALID_RECORD: InvalidRecordError,
};

/** The Kafka error name of a numeric code (UNKNOWN_ERROR_<code> for one neither table knows). */
export function errorName(code: number): string {
  return NAMES_BY_CODE.get(code) ?? `UNKNOWN_ERROR_${code}`;
}

/**
 * The typed error for a code in a response, null for 0. `about` says what the request concerned (a partition,
 * a group); `detail` is the broker's error message where the response carries one.
 */
export function errorFromCode(code: number, about: string, detail?: string | null): LoglabError | null {
  if (code === 0) return null;
  const name = errorName(code);
  const errorClass = CLASSES[name] ?? LoglabError;
  // The class's constructor wants the broker-side facts (offsets, epochs) the wire does not carry: the instance is
  // built on its prototype instead, with Kafka's name, retriability and a message naming what was asked.
  const error = Object.create(errorClass.prototype) as LoglabError;
  const fields = {
    name: errorClass.name, code: name, retriable: RETRIABLE.has(name),
    message: `${name} (${code}) from the broker for ${about}${detail ? `: ${detail}` : ""}`,
    stack: `${errorClass.name}: ${name} (${code}) for ${about}`,
  };
  for (const [key, value] of Object.entries(fields)) Object.defineProperty(error, key, { value, writable: true, configurable: true, enumerable: key !== "stack" && key !== "message" });
  return error;
}
