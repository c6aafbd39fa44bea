// A request the producer retries until it is answered or a deadline passes,
// as Kafka's producer retries InitProducerId, AddPartitionsToTxn,
// AddOffsetsToTxn, EndTxn and metadata: each attempt waits request.timeout.ms,
// a retriable error or no answer is tried again after retry.backoff.ms, and
// at the deadline the last error is thrown. So a lost request or answer ends
// in a typed error, never in a promise that waits forever.

import type { LoglabError } from "../format/index.ts";
import { type Scheduler, sleep } from "../runtime/index.ts";
import { asLoglabError, RequestTimedOutError } from "./errors.ts";
import { answeredWithin } from "./request-timeout.ts";

export interface RetryPolicy {
  readonly requestTimeoutMs: number;
  readonly retryBackoffMs: number;
  /** The scheduler's time after which no attempt starts, and at which the one in flight is given up. */
  readonly deadlineMs: number;
}

/**
 * Sends `send()` until it is answered. A request that is not idempotent must
 * be safe to repeat for its caller: the broker may have carried out an
 * attempt whose answer was lost.
 */
export async function retryRequest<T>(scheduler: Scheduler, policy: RetryPolicy, what: string, send: () => Promise<T>): Promise<T> {
  for (;;) {
    const remainingMs = policy.deadlineMs - scheduler.nowMs();
    if (remainingMs <= 0) throw new RequestTimedOutError(policy.requestTimeoutMs, what);
    const request = send();
    // An answer that comes after its attempt was given up is dropped, a late failure too.
    request.catch(() => undefined);
    let error: LoglabError;
    try {
      return await answeredWithin(scheduler, Math.min(policy.requestTimeoutMs, remainingMs), what, request);
    } catch (failure) {
      error = asLoglabError(failure);
    }
    if (!error.retriable || scheduler.nowMs() + policy.retryBackoffMs >= policy.deadlineMs) throw error;
    await sleep(scheduler, policy.retryBackoffMs);
  }
}
