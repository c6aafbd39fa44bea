// Client-side errors, with Kafka's names.

import {
  IllegalGenerationError, InvalidProducerEpochError, InvalidProducerIdMappingError, RebalanceInProgressError, UnknownMemberIdError,
} from "../broker/index.ts";
import { LoglabError } from "../format/index.ts";

/**
 * No answer within request.timeout.ms: REQUEST_TIMED_OUT. The request may or
 * may not have been carried out (the two generals), so it is retriable, and
 * a retry is safe only for an idempotent producer.
 */
export class RequestTimedOutError extends LoglabError {
  constructor(readonly timeoutMs: number, what: string) {
    super("REQUEST_TIMED_OUT", `${what} got no answer within request.timeout.ms=${timeoutMs}`, true);
  }
}

/** A batch that could not be delivered within delivery.timeout.ms. */
export class DeliveryTimeoutError extends LoglabError {
  constructor(readonly recordCount: number, readonly topicPartition: string, readonly elapsedMs: number, readonly lastError: LoglabError | null) {
    super(
      "DELIVERY_TIMEOUT",
      `expiring ${recordCount} record(s) for ${topicPartition}: ${elapsedMs} ms has passed since batch creation` +
        (lastError === null ? "" : ` (last error: ${lastError.message})`),
    );
  }
}

/** The client was closed and refuses more work. */
export class ClientClosedError extends LoglabError {
  constructor(what: string) {
    super("CLIENT_CLOSED", `${what} is closed`);
  }
}

/** No committed offset and auto.offset.reset=none: Kafka's NoOffsetForPartitionException. */
export class NoOffsetForPartitionError extends LoglabError {
  constructor(readonly topicPartition: string) {
    super("NO_OFFSET_FOR_PARTITION", `no committed offset for ${topicPartition} and auto.offset.reset=none`);
  }
}

/** A call the client's state does not allow (Kafka's IllegalStateException): the caller's mistake, not retriable. */
export class IllegalStateError extends LoglabError {
  constructor(message: string) {
    super("ILLEGAL_STATE", message);
  }
}

/** A group operation on a client configured without group.id: INVALID_GROUP_ID. */
export class InvalidGroupIdError extends LoglabError {
  constructor(readonly operation: string) {
    super("INVALID_GROUP_ID", `${operation} needs group.id`);
  }
}

/** An error that carried no type of its own (a plain Error or a thrown value): Kafka's UNKNOWN_SERVER_ERROR. */
export class UnknownServerError extends LoglabError {
  constructor(message: string) {
    super("UNKNOWN_SERVER_ERROR", message);
  }
}

/** A rejection from a transport or from a caller's callback, as a typed error (UnknownServerError when untyped). */
export function asLoglabError(error: unknown): LoglabError {
  if (error instanceof LoglabError) return error;
  return new UnknownServerError(error instanceof Error ? error.message : String(error));
}

/**
 * Whether a producer has been fenced: a newer producer with its
 * transactional id (or a newer epoch of its id) has taken over, so nothing
 * it sends will be accepted again.
 */
export function isFenced(error: unknown): error is InvalidProducerEpochError | InvalidProducerIdMappingError {
  return error instanceof InvalidProducerEpochError || error instanceof InvalidProducerIdMappingError;
}

/** Whether a group member must rejoin the group (its generation or membership is gone) before it may go on. */
export function needsRejoin(error: unknown): error is RebalanceInProgressError | IllegalGenerationError | UnknownMemberIdError {
  return error instanceof RebalanceInProgressError || error instanceof IllegalGenerationError || error instanceof UnknownMemberIdError;
}
