// One client connection to one Kafka broker: a socket from the caller's `dial`, the sans-I/O ClientConnection,
// the ApiVersions exchange that picks each API's version, and request timeouts on the caller's scheduler. A request
// that times out closes the connection (responses come in order, so nothing after it could be read), as Kafka's
// clients do; every request still waiting then fails with NetworkError.

import { RequestTimedOutError } from "../client/index.ts";
import type { LoglabError } from "../format/index.ts";
import type { Scheduler, Timer } from "../runtime/index.ts";
import { ClientConnection, negotiateVersions } from "./client-connection.ts";
import { NetworkError } from "./client-errors.ts";
import { wireApisByKey } from "./framing.ts";
import { type ApiVersionsRequest, type ApiVersionsResponse, apiKeys } from "./generated/index.ts";
import { UnsupportedVersionError } from "./primitives.ts";

/** What a socket shell hands the link: bytes out, and a way to close. */
export interface WireSocket {
  write(bytes: Uint8Array): void;
  close(): void;
}

/** What the link hands the socket shell: bytes read (the link copies what it keeps), and the end of the socket. */
export interface SocketEvents {
  data(bytes: Uint8Array): void;
  closed(reason: string): void;
}

/** Opens a TCP connection to host:port; rejects when it cannot. */
export type Dial = (host: string, port: number, events: SocketEvents) => Promise<WireSocket>;

export interface BrokerAddress {
  readonly host: string;
  readonly port: number;
}

export interface BrokerLinkOptions {
  readonly address: BrokerAddress;
  readonly dial: Dial;
  readonly scheduler: Scheduler;
  readonly clientId: string;
  readonly requestTimeoutMs: number;
  readonly inFlightMax?: number;
  /** Called once when the link closes, for whatever reason. */
  readonly onClose?: (link: BrokerLink) => void;
}

const CLIENT_SOFTWARE_NAME = "loglab";
const CLIENT_SOFTWARE_VERSION = "0.1.0";
/** The ApiVersions version asked first: the highest this client speaks. */
const API_VERSIONS_FIRST = 3;

interface Waiter {
  readonly resolve: (body: object | null) => void;
  readonly reject: (error: LoglabError) => void;
  readonly timer: Timer;
}

export class BrokerLink {
  readonly address: string;
  readonly #options: BrokerLinkOptions;
  readonly #core: ClientConnection;
  readonly #waiters = new Map<number, Waiter>();
  #socket: WireSocket | null = null;
  #versions = new Map<number, number>();
  #closed: LoglabError | null = null;
  readonly #ready: Promise<void>;

  constructor(options: BrokerLinkOptions) {
    this.#options = options;
    this.address = `${options.address.host}:${options.address.port}`;
    this.#core = new ClientConnection({ clientId: options.clientId, inFlightMax: options.inFlightMax });
    this.#ready = this.#open();
    // A failure to open is reported to every request through ready(); this keeps it from going unhandled.
    this.#ready.catch(() => undefined);
  }

  /** Resolves once connected and the versions are known; rejects with NetworkError (or a timeout) otherwise. */
  ready(): Promise<void> {
    return this.#ready;
  }

  get closed(): boolean {
    return this.#closed !== null;
  }

  /** The version negotiated for an API, or undefined when the broker speaks none this client knows. */
  version(apiKey: number): number | undefined {
    return this.#versions.get(apiKey);
  }

  /**
   * Sends a request of the negotiated version (`build` fills the body for it) and resolves with the response
   * body, or null for an unanswered Produce with acks=0. `extraTimeoutMs` adds to request.timeout.ms for requests
   * the broker holds on purpose (a fetch's max wait, a join's rebalance).
   */
  async request<Body extends object>(apiKey: number, build: (version: number) => object, options: { readonly answered?: boolean; readonly extraTimeoutMs?: number } = {}): Promise<{ version: number; body: Body | null }> {
    await this.#ready;
    const version = this.#versions.get(apiKey);
    if (version === undefined) {
      throw new UnsupportedVersionError(`broker ${this.address} speaks no version of ${wireApisByKey.get(apiKey)?.name ?? `API ${apiKey}`} this client knows`);
    }
    const body = await this.#exchange(apiKey, version, build(version), options.answered ?? true, options.extraTimeoutMs ?? 0);
    return { version, body: body as Body | null };
  }

  /** Closes the link; every request waiting fails with `reason` (an error as it is, a string as a NetworkError). */
  close(reason: string | LoglabError = "closed by the client"): void {
    this.#fail(typeof reason === "string" ? new NetworkError(this.address, reason) : reason);
  }

  async #open(): Promise<void> {
    const { host, port } = this.#options.address;
    const events: SocketEvents = {
      data: (bytes) => this.#receive(bytes),
      closed: (reason) => this.#fail(new NetworkError(this.address, reason)),
    };
    const dialed = this.#options.dial(host, port, events);
    const socket = await this.#withTimeout(dialed, "connect", this.#options.requestTimeoutMs).catch((error: unknown) => {
      void dialed.then((late) => late.close(), () => undefined);
      const failure = error instanceof RequestTimedOutError ? error : new NetworkError(this.address, `cannot connect: ${error instanceof Error ? error.message : String(error)}`);
      this.#fail(failure);
      throw failure;
    });
    if (this.#closed !== null) {
      socket.close();
      throw this.#closed;
    }
    this.#socket = socket;
    const ask = (version: number): Promise<ApiVersionsResponse> => this.#exchange(apiKeys.ApiVersions, version, {
      ...(version >= 3 ? { clientSoftwareName: CLIENT_SOFTWARE_NAME, clientSoftwareVersion: CLIENT_SOFTWARE_VERSION } : {}),
    } satisfies ApiVersionsRequest, true, 0) as Promise<ApiVersionsResponse>;
    let answer = await ask(API_VERSIONS_FIRST);
    if (answer.errorCode !== 0) {
      // KIP-511: the broker does not know our version and named its range; ask again in the highest it knows (in v0,
      // which every broker reads, when its answer named no range).
      const theirs = answer.apiKeys.find((api) => api.apiKey === apiKeys.ApiVersions);
      if (theirs !== undefined && theirs.maxVersion < 0) throw this.#fail(new NetworkError(this.address, `ApiVersions failed with error ${answer.errorCode}`));
      answer = await ask(theirs === undefined ? 0 : Math.min(theirs.maxVersion, API_VERSIONS_FIRST));
      if (answer.errorCode !== 0) throw this.#fail(new NetworkError(this.address, `ApiVersions failed with error ${answer.errorCode}`));
    }
    this.#versions = negotiateVersions(answer);
  }

  #withTimeout<T>(promise: Promise<T>, what: string, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = this.#options.scheduler.setTimer(timeoutMs, () => reject(new RequestTimedOutError(timeoutMs, `${what} to ${this.address}`)));
      promise.then((value) => {
        timer.cancel();
        resolve(value);
      }, (error: unknown) => {
        timer.cancel();
        reject(error);
      });
    });
  }

  #exchange(apiKey: number, version: number, body: object, answered: boolean, extraTimeoutMs: number): Promise<object | null> {
    if (this.#closed !== null) return Promise.reject(this.#closed);
    let correlationId: number;
    try {
      correlationId = this.#core.send(apiKey, version, body, answered);
    } catch (error) {
      return Promise.reject(error);
    }
    const name = wireApisByKey.get(apiKey)?.name ?? `API ${apiKey}`;
    const timeoutMs = this.#options.requestTimeoutMs + extraTimeoutMs;
    const answer = new Promise<object | null>((resolve, reject) => {
      const timer = this.#options.scheduler.setTimer(timeoutMs, () => {
        this.#waiters.delete(correlationId);
        reject(new RequestTimedOutError(timeoutMs, `${name} to ${this.address}`));
        this.#fail(new NetworkError(this.address, `closed after ${name} got no answer within ${timeoutMs} ms`));
      });
      this.#waiters.set(correlationId, { resolve, reject, timer });
    });
    this.#flush();
    return answer;
  }

  #flush(): void {
    const socket = this.#socket;
    if (socket === null) return;
    for (let next = this.#core.pollTransmit(); next !== null && this.#closed === null; next = this.#core.pollTransmit()) {
      socket.write(next.bytes);
      if (!next.answered) this.#settle(next.correlationId, null);
    }
  }

  #settle(correlationId: number, body: object | null): void {
    const waiter = this.#waiters.get(correlationId);
    if (waiter === undefined) return;
    this.#waiters.delete(correlationId);
    waiter.timer.cancel();
    waiter.resolve(body);
  }

  #receive(bytes: Uint8Array): void {
    if (this.#closed !== null) return;
    try {
      for (const response of this.#core.receive(bytes)) this.#settle(response.correlationId, response.body);
    } catch (error) {
      this.#fail(new NetworkError(this.address, `unreadable response: ${error instanceof Error ? error.message : String(error)}`));
      return;
    }
    this.#flush();
  }

  /** Closes the link once: the socket, every waiting request (rejected with `error`), the owner's bookkeeping. */
  #fail(error: LoglabError): LoglabError {
    if (this.#closed !== null) return this.#closed;
    this.#closed = error;
    const waiters = [...this.#waiters.values()];
    this.#waiters.clear();
    for (const waiter of waiters) {
      waiter.timer.cancel();
      waiter.reject(error);
    }
    this.#socket?.close();
    this.#options.onClose?.(this);
    return error;
  }
}
