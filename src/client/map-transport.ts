// Wrappers that treat every request alike (timeouts, crashes, simulated
// links) built from one function: mapTransport hands it each request of
// BROKER_REQUESTS in turn, so a wrapper cannot leave a request out.

import { BROKER_REQUESTS, type BrokerTransport } from "./transport.ts";

/** The name of one request a BrokerTransport carries. */
export type BrokerRequest = (typeof BROKER_REQUESTS)[number];

/** One request as a wrapper sees it: arguments in, an answer (or a rejection) out. */
export type RequestCall = (...args: unknown[]) => Promise<unknown>;

/** What answers every request: a BrokerTransport, or a Broker itself. */
export type RequestTarget = { readonly [Name in BrokerRequest]: (...args: never[]) => unknown };

/**
 * Each request of `inner` as a RequestCall. `inner` may be a function
 * returning the current target, looked up at each call (a restarted broker
 * takes the old one's place).
 */
export function requestCalls(inner: RequestTarget | (() => RequestTarget)): Record<BrokerRequest, RequestCall> {
  const current = typeof inner === "function" ? inner : () => inner;
  const calls: Partial<Record<BrokerRequest, RequestCall>> = {};
  for (const name of BROKER_REQUESTS) {
    calls[name] = (...args) => {
      const target = current();
      return Promise.resolve((target[name] as (...a: unknown[]) => unknown).apply(target, args));
    };
  }
  return calls as Record<BrokerRequest, RequestCall>;
}

/** A BrokerTransport whose every request is `wrap(name, call)`, where `call` sends the request on to `inner` (see requestCalls). */
export function mapTransport(
  inner: RequestTarget | (() => RequestTarget),
  wrap: (name: BrokerRequest, call: RequestCall) => RequestCall,
): BrokerTransport {
  const calls = requestCalls(inner);
  const mapped: Partial<Record<BrokerRequest, RequestCall>> = {};
  for (const name of BROKER_REQUESTS) mapped[name] = wrap(name, calls[name]);
  // Every request of BROKER_REQUESTS, which the compiler checks is every method of BrokerTransport.
  return mapped as BrokerTransport;
}
