// Client-side errors, with Kafka's names.

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

/** A rejection from a transport or from a caller's callback, as a typed error (Kafka's UNKNOWN_SERVER_ERROR when untyped). */
export function asLoglabError(error: unknown): LoglabError {
  if (error instanceof LoglabError) return error;
  return new LoglabError("UNKNOWN_SERVER_ERROR", error instanceof Error ? error.message : String(error));
}
