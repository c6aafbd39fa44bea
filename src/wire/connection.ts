// One client connection as bytes in and bytes out, without sockets: receive() splits the bytes into frames (a frame
// may arrive in pieces, several may arrive at once), decodes each request and hands it to the handler; responses go
// out through `send` (or `sendChunks`: the frame in pieces that refer to the log's bytes) strictly in request order,
// whatever order the handler finishes them in. A Produce with acks=0 gets no response. A frame over the size limit,
// one that cannot be decoded, or an API loglab does not speak ends the connection: receive() then answers
// { kind: "close", reason } and the shell closes that socket only. Produce v0–2, older than the schemas, is answered
// UNSUPPORTED_VERSION per partition (produce-legacy.ts).
//
// Backpressure: at most `inFlightMax` requests run at once, and none starts while the shell says its socket cannot
// take more bytes (setWriteBlocked). Requests that wait stay as bytes; while any wait, the connection asks the shell
// to stop reading the socket (onReadingChange), so a client that sends faster than it reads its answers is slowed
// down instead of filling memory, as Kafka mutes such a channel.

import { returnServedBytes } from "../log/index.ts";
import type { WireApi } from "./codec-support.ts";
import { decodeRequestFrame, encodeResponseFrame, encodeResponseFrameChunks, frameBytesMax, PendingBytes, readFrame, readRequestHeader, type RequestHeader, wireApisByKey } from "./framing.ts";
import { type ApiVersionsResponse, apiKeys, encodeApiVersionsResponse, wireApis } from "./generated/index.ts";
import { Reader, Writer } from "./primitives.ts";
import { legacyProduceResponseFrame, PRODUCE_LEGACY_VERSION_MAX, readLegacyProduceRequest } from "./produce-legacy.ts";

/** Kafka's UNSUPPORTED_VERSION. */
export const UNSUPPORTED_VERSION = 35;

export interface WireRequest {
  readonly header: RequestHeader;
  readonly api: WireApi;
  readonly body: object;
  /** The client's address as Kafka writes it ("/127.0.0.1"), for group members; absent on a connection given none. */
  readonly clientHost?: string;
}

/**
 * What serves the requests: a response body for the request's version, or null for none (Produce with acks=0).
 * `unsupported` answers a request of a version the codecs decode but loglab does not serve with the API's error
 * field set to UNSUPPORTED_VERSION; null when the API has no such field (the connection is then closed).
 */
export interface RequestHandler {
  handle(request: WireRequest): Promise<object | null>;
  unsupported(request: WireRequest, errorCode: number): object | null;
}

export type ReceiveOutcome = { readonly kind: "ok" } | { readonly kind: "close"; readonly reason: string };

export interface ConnectionOptions {
  readonly handler: RequestHandler;
  /** Takes the response bytes, in request order (each response as one array; not called when sendChunks is given). */
  readonly send?: (bytes: Uint8Array) => void;
  /**
   * Takes each response as the pieces it was encoded in, to be written back to back, in request order: a Fetch
   * answer's records are the log's own bytes, not copied into the frame (a socket shell writes them with writev).
   * The shell calls `written` once the socket has taken every piece, or will never send them: their bytes may then
   * be used again (a read-ahead window's buffer goes back to its pool), so never before.
   */
  readonly sendChunks?: (chunks: readonly Uint8Array[], written: () => void) => void;
  /** Called once when a handler fails after receive() returned: the shell closes the socket. */
  readonly onClose?: (reason: string) => void;
  /** socket.request.max.bytes: the largest request frame, size prefix excluded (default 100 MiB). */
  readonly requestBytesMax?: number;
  /** Requests of this connection that may run at once (default IN_FLIGHT_MAX_DEFAULT). */
  readonly inFlightMax?: number;
  /** Asks the shell to stop (false) or go on (true) reading the socket: false while requests wait to start. */
  readonly onReadingChange?: (reading: boolean) => void;
  /** The peer's address as Kafka writes it (client-host.ts), handed to every request of this connection. */
  readonly clientHost?: string;
}

/** A response's pieces are gone: the log may use the memory of those it served from a pooled window again. */
function returnChunks(chunks: readonly Uint8Array[]): void {
  for (const chunk of chunks) returnServedBytes(chunk);
}

/** Requests of one connection running at once unless the shell says otherwise. */
export const IN_FLIGHT_MAX_DEFAULT = 32;

interface Slot {
  /** The response frame's pieces; undefined while the handler runs, null when there is nothing to send. */
  bytes: readonly Uint8Array[] | null | undefined;
}

const OK: ReceiveOutcome = { kind: "ok" };

/** The ApiVersions answer of KIP-511 to a version the server does not know: v0, error 35 and the ranges. */
function apiVersionsFallback(correlationId: number): Uint8Array {
  const body: ApiVersionsResponse = {
    errorCode: UNSUPPORTED_VERSION,
    apiKeys: wireApis.map((api) => ({ apiKey: api.apiKey, minVersion: api.advertisedVersions.min, maxVersion: api.advertisedVersions.max })),
  };
  const encoded = encodeApiVersionsResponse(0, body);
  const w = new Writer();
  w.int32(4 + encoded.length);
  w.int32(correlationId);
  w.raw(encoded);
  return w.finish();
}

export class Connection {
  readonly #options: ConnectionOptions;
  readonly #requestBytesMax: number;
  readonly #inFlightMax: number;
  /** Bytes read and not yet started as requests: part of a frame, or whole frames that wait (backpressure). */
  readonly #pending: PendingBytes;
  readonly #slots: Slot[] = [];
  #closed: string | null = null;
  #writeBlocked = false;
  #reading = true;
  /** Set while #pump runs: a response sent from inside it must not start another pump. */
  #pumping = false;

  constructor(options: ConnectionOptions) {
    if (options.send === undefined && options.sendChunks === undefined) throw new TypeError("a Connection needs send or sendChunks");
    this.#options = options;
    this.#requestBytesMax = options.requestBytesMax ?? frameBytesMax;
    this.#inFlightMax = options.inFlightMax ?? IN_FLIGHT_MAX_DEFAULT;
    this.#pending = new PendingBytes(this.#requestBytesMax);
  }

  /** Why the connection ended, or null while it is open. */
  get closedReason(): string | null {
    return this.#closed;
  }

  /** Requests whose responses have not gone out yet. */
  get inFlight(): number {
    return this.#slots.length;
  }

  /** Takes the next bytes read from the socket; the complete requests in them start, as far as backpressure allows. */
  receive(chunk: Uint8Array): ReceiveOutcome {
    if (this.#closed !== null) return { kind: "close", reason: this.#closed };
    this.#pending.append(chunk);
    // The chunk's memory is the socket's: what is kept of it beyond this call is a copy.
    const outcome = this.#pump();
    this.#pending.release();
    return outcome;
  }

  /** The shell's socket cannot take more bytes now (true), or can again (false): no request starts meanwhile. */
  setWriteBlocked(blocked: boolean): void {
    this.#writeBlocked = blocked;
    if (!blocked) this.#pumpLater();
    else this.#updateReading();
  }

  /** Starts waiting requests while backpressure allows; a malformed one closes the connection. */
  #pump(): ReceiveOutcome {
    if (this.#pumping) return OK;
    this.#pumping = true;
    let offset = 0;
    const pending = this.#pending.bytes;
    try {
      while (!this.#writeBlocked && this.#slots.length < this.#inFlightMax) {
        const found = readFrame(pending, offset, this.#requestBytesMax);
        if (found === null) break;
        offset = found.next;
        this.#start(found.frame);
        if (this.#closed !== null) return { kind: "close", reason: this.#closed };
      }
    } catch (error) {
      return this.#close(`malformed request: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.#pumping = false;
    }
    if (offset > 0) this.#pending.consume(offset);
    this.#updateReading();
    return OK;
  }

  /** #pump from a response going out or the socket draining: a close it finds is the shell's to act on. */
  #pumpLater(): void {
    if (this.#closed !== null || this.#pumping) return;
    const outcome = this.#pump();
    if (outcome.kind === "close") this.#options.onClose?.(outcome.reason);
  }

  /** Reading goes on unless writes are blocked or a whole request waits for a free slot. */
  #updateReading(): void {
    let waiting = this.#writeBlocked;
    if (!waiting && this.#slots.length >= this.#inFlightMax) {
      try {
        waiting = readFrame(this.#pending.bytes, 0, this.#requestBytesMax) !== null;
      } catch {
        waiting = true; // malformed: found when it gets its turn
      }
    }
    const reading = !waiting;
    if (reading === this.#reading) return;
    this.#reading = reading;
    this.#options.onReadingChange?.(reading);
  }

  #close(reason: string): ReceiveOutcome {
    this.#closed ??= reason;
    this.#pending.clear();
    return { kind: "close", reason: this.#closed };
  }

  #start(frame: Uint8Array): void {
    const reader = new Reader(frame);
    const header = readRequestHeader(reader);
    const api = wireApisByKey.get(header.apiKey);
    if (api === undefined) {
      this.#close(`API key ${header.apiKey} is not one loglab speaks`);
      return;
    }
    const { min, max } = api.servedVersions;
    const served = header.apiVersion >= min && header.apiVersion <= max;
    if (!served && header.apiKey === apiKeys.ApiVersions) {
      this.#slots.push({ bytes: [apiVersionsFallback(header.correlationId)] });
      this.#flush();
      return;
    }
    if (header.apiKey === apiKeys.Produce && header.apiVersion >= 0 && header.apiVersion <= PRODUCE_LEGACY_VERSION_MAX) {
      const legacy = readLegacyProduceRequest(reader);
      if (legacy.acks === 0) return;
      this.#slots.push({ bytes: [legacyProduceResponseFrame(header.apiVersion, header.correlationId, legacy, UNSUPPORTED_VERSION)] });
      this.#flush();
      return;
    }
    const inSchema = header.apiVersion >= api.validVersions.min && header.apiVersion <= api.validVersions.max;
    if (!inSchema) {
      this.#close(`${api.name} v${header.apiVersion} is not a version loglab can read (it serves v${min}–${max})`);
      return;
    }
    const request: WireRequest = { header, api, body: decodeRequestFrame(frame).body, clientHost: this.#options.clientHost };
    if (!served) {
      const answer = this.#options.handler.unsupported(request, UNSUPPORTED_VERSION);
      if (answer === null) {
        this.#close(`${api.name} v${header.apiVersion} is not served (v${min}–${max})`);
        return;
      }
      this.#slots.push({ bytes: this.#encode(request, answer) });
      this.#flush();
      return;
    }
    const slot: Slot = { bytes: undefined };
    this.#slots.push(slot);
    this.#options.handler.handle(request)
      .then((answer) => {
        slot.bytes = answer === null ? null : this.#encode(request, answer);
        this.#flush();
      })
      .catch((error: unknown) => this.#fail(`${api.name} v${header.apiVersion} failed: ${error instanceof Error ? error.message : String(error)}`));
  }

  #encode(request: WireRequest, body: object): readonly Uint8Array[] {
    const { apiKey, apiVersion, correlationId } = request.header;
    if (this.#options.sendChunks !== undefined) return encodeResponseFrameChunks(apiKey, apiVersion, { correlationId }, body);
    return [encodeResponseFrame(apiKey, apiVersion, { correlationId }, body)];
  }

  #send(chunks: readonly Uint8Array[]): void {
    const { send, sendChunks } = this.#options;
    if (sendChunks !== undefined) sendChunks(chunks, () => returnChunks(chunks));
    else send?.(chunks[0]!);
  }

  #fail(reason: string): void {
    if (this.#closed !== null) return;
    this.#close(reason);
    this.#options.onClose?.(reason);
  }

  /** Sends every finished response at the head of the queue (a later one waits for those before it); frees their slots. */
  #flush(): void {
    let freed = false;
    while (this.#slots.length > 0 && this.#slots[0]!.bytes !== undefined) {
      const { bytes } = this.#slots.shift()!;
      freed = true;
      if (bytes === null || bytes === undefined) continue;
      if (this.#closed === null) this.#send(bytes);
      else returnChunks(bytes); // never sent: nothing reads them any more
    }
    if (freed && this.#pending.size > 0) this.#pumpLater();
  }
}
