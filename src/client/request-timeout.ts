// request.timeout.ms for a client: a BrokerTransport whose every request
// fails with RequestTimedOutError when no answer comes in time. A late answer
// is dropped, so nothing acts on it; the request may still have been carried
// out (the two generals), which is why the error is retriable and callers
// treat its outcome as unknown.

import type { Scheduler } from "../runtime/index.ts";
import { RequestTimedOutError } from "./errors.ts";
import { mapTransport } from "./map-transport.ts";
import type { BrokerTransport } from "./transport.ts";

/** Milliseconds each request may wait; by default `timeoutMs`, per request type where given. */
export interface RequestTimeouts {
  readonly timeoutMs: number;
  readonly overrides?: Partial<Record<keyof BrokerTransport, number>>;
}

export function withRequestTimeouts(transport: BrokerTransport, scheduler: Scheduler, timeouts: RequestTimeouts): BrokerTransport {
  return mapTransport(transport, (name, call) => {
    const limitMs = timeouts.overrides?.[name] ?? timeouts.timeoutMs;
    return (...args) => answeredWithin(scheduler, limitMs, name, call(...args));
  });
}

/** `request`'s answer, or RequestTimedOutError naming `what` if none comes within `limitMs`. */
export function answeredWithin<T>(scheduler: Scheduler, limitMs: number, what: string, request: Promise<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = scheduler.setTimer(limitMs, () => reject(new RequestTimedOutError(limitMs, what)));
    request.then(
      (answer) => {
        timer.cancel();
        resolve(answer);
      },
      (error: unknown) => {
        timer.cancel();
        reject(error);
      },
    );
  });
}
