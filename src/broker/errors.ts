// Typed errors of the broker, with Kafka's error names.

import { LoglabError } from "../format/index.ts";

/** A sequence gap or a replay older than the broker remembers: OUT_OF_ORDER_SEQUENCE_NUMBER. */
export class OutOfOrderSequenceError extends LoglabError {
  constructor(
    readonly producerId: number,
    readonly topicPartition: string,
    readonly expectedSequence: number,
    readonly receivedSequence: number,
  ) {
    super(
      "OUT_OF_ORDER_SEQUENCE_NUMBER",
      `producer ${producerId} sent sequence ${receivedSequence} to ${topicPartition}, expected ${expectedSequence}`,
    );
  }
}

/** A producer whose epoch is older than the partition's: it has been fenced (INVALID_PRODUCER_EPOCH). */
export class InvalidProducerEpochError extends LoglabError {
  constructor(readonly producerId: number, readonly epoch: number, readonly currentEpoch: number) {
    super(
      "INVALID_PRODUCER_EPOCH",
      `producer ${producerId} with epoch ${epoch} is fenced: the current epoch is ${currentEpoch}`,
    );
  }
}

/** An acks value Kafka does not know: INVALID_REQUIRED_ACKS. */
export class InvalidRequiredAcksError extends LoglabError {
  constructor(readonly acks: number) {
    super("INVALID_REQUIRED_ACKS", `acks must be 0, 1 or -1 (all), got ${acks}`);
  }
}

/** A request from a generation the group has moved past: ILLEGAL_GENERATION. */
export class IllegalGenerationError extends LoglabError {
  constructor(readonly groupId: string, readonly generationId: number, readonly currentGeneration: number) {
    super("ILLEGAL_GENERATION", `group ${groupId} is at generation ${currentGeneration}, the request is from generation ${generationId}`);
  }
}

/** A member the group does not know (never joined, left, or timed out): UNKNOWN_MEMBER_ID. */
export class UnknownMemberIdError extends LoglabError {
  constructor(readonly groupId: string, readonly memberId: string) {
    super("UNKNOWN_MEMBER_ID", `group ${groupId} has no member "${memberId}"`);
  }
}

/** The group is rebalancing: the member must rejoin (REBALANCE_IN_PROGRESS). */
export class RebalanceInProgressError extends LoglabError {
  constructor(readonly groupId: string) {
    super("REBALANCE_IN_PROGRESS", `group ${groupId} is rebalancing: rejoin the group`);
  }
}

/** A session timeout outside the broker's bounds: INVALID_SESSION_TIMEOUT. */
export class InvalidSessionTimeoutError extends LoglabError {
  constructor(readonly sessionTimeoutMs: number, min: number, max: number) {
    super("INVALID_SESSION_TIMEOUT", `session.timeout.ms=${sessionTimeoutMs} is outside group.min.session.timeout.ms=${min} to group.max.session.timeout.ms=${max}`);
  }
}

/** No protocol (assignor) that every member supports: INCONSISTENT_GROUP_PROTOCOL. */
export class InconsistentGroupProtocolError extends LoglabError {
  constructor(readonly groupId: string, protocols: readonly string[]) {
    super("INCONSISTENT_GROUP_PROTOCOL", `member protocols [${protocols.join(", ")}] share nothing with the rest of group ${groupId}`);
  }
}

/** A transactional request the transaction's state does not allow: INVALID_TXN_STATE. */
export class InvalidTxnStateError extends LoglabError {
  constructor(readonly transactionalId: string, state: string, action: string) {
    super("INVALID_TXN_STATE", `transaction ${transactionalId} is ${state}: cannot ${action}`);
  }
}

/** A producer id that is not the one this transactional id maps to: INVALID_PRODUCER_ID_MAPPING. */
export class InvalidProducerIdMappingError extends LoglabError {
  constructor(readonly transactionalId: string, readonly producerId: number) {
    super("INVALID_PRODUCER_ID_MAPPING", `producer ${producerId} does not own transactional.id ${transactionalId}`);
  }
}

/**
 * A commit from a group member for a partition its assignment does not hold.
 * Kafka's classic protocol cannot check this (assignments are opaque to the
 * broker); loglab's consumer protocol lets it, so it refuses such commits.
 */
export class PartitionNotAssignedError extends LoglabError {
  constructor(readonly groupId: string, readonly memberId: string, readonly topicPartition: string) {
    super("PARTITION_NOT_ASSIGNED", `member ${memberId} of group ${groupId} does not own ${topicPartition} in this generation`);
  }
}

/**
 * A request to a broker that was closed: Kafka's BROKER_NOT_AVAILABLE. Not
 * retriable: this broker object will not serve again (open a new one).
 */
export class BrokerNotAvailableError extends LoglabError {
  constructor(readonly request: string) {
    super("BROKER_NOT_AVAILABLE", `the broker is closed: cannot serve ${request}`);
  }
}

/** OFFSET_METADATA_TOO_LARGE: commit metadata over offset.metadata.max.bytes. */
export class OffsetMetadataTooLargeError extends LoglabError {
  constructor(readonly sizeBytes: number, readonly limitBytes: number) {
    super("OFFSET_METADATA_TOO_LARGE", `offset metadata of ${sizeBytes} bytes exceeds offset.metadata.max.bytes=${limitBytes}`);
  }
}

/** A negative or non-integer committed offset: INVALID_COMMIT_OFFSET_SIZE. */
export class InvalidCommitOffsetError extends LoglabError {
  constructor(readonly offset: number) {
    super("INVALID_COMMIT_OFFSET_SIZE", `a committed offset must be a non-negative integer, got ${offset}`);
  }
}

/** A transaction still being completed (its markers are being written): CONCURRENT_TRANSACTIONS, retriable. */
export class ConcurrentTransactionsError extends LoglabError {
  constructor(readonly transactionalId: string, state: string) {
    super("CONCURRENT_TRANSACTIONS", `transaction ${transactionalId} is ${state}: retry once it completes`, true);
  }
}

/**
 * A committed offset asked for with require_stable while a transaction still
 * holds offsets for that partition: UNSTABLE_OFFSET_COMMIT, retriable.
 */
export class UnstableOffsetCommitError extends LoglabError {
  constructor(readonly groupId: string, readonly topicPartition: string) {
    super("UNSTABLE_OFFSET_COMMIT", `group ${groupId} has offsets for ${topicPartition} in a transaction not yet complete`, true);
  }
}
