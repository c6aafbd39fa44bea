// One connection from a client to a Kafka broker as bytes in and bytes out, without sockets: send() queues a
// request, pollTransmit() hands out the next frame to write while fewer than `inFlightMax` await answers, and
// receive() turns the bytes read into responses, decoded by the API and version of the request they answer.

import { decodeResponseFrame, encodeRequestFrame, frameBytesMax, joinPending, readFrame } from "./framing.ts";
import { type ApiVersionsResponse, apiKeys, decodeApiVersionsResponse } from "./generated/index.ts";
import { Reader, WireFormatError } from "./primitives.ts";

/** Kafka's max.in.flight.requests.per.connection default. */
export const IN_FLIGHT_MAX = 5;

/**
 * The versions this client speaks, per API key: from the lowest whose body it can fill to the highest before
 * topic ids (Fetch 13, Produce 13), KIP-848 groups (OffsetFetch 9, OffsetCommit 10) and transactions v2
 * (Produce 12, EndTxn 5, AddPartitionsToTxn 4 which is for brokers).
 */
export const CLIENT_VERSIONS: ReadonlyMap<number, { readonly min: number; readonly max: number }> = new Map([
  [apiKeys.ApiVersions, { min: 0, max: 3 }],
  [apiKeys.Metadata, { min: 1, max: 12 }],
  [apiKeys.Produce, { min: 3, max: 11 }],
  [apiKeys.Fetch, { min: 4, max: 12 }],
  [apiKeys.ListOffsets, { min: 1, max: 7 }],
  [apiKeys.FindCoordinator, { min: 1, max: 4 }],
  [apiKeys.JoinGroup, { min: 0, max: 9 }],
  [apiKeys.SyncGroup, { min: 0, max: 5 }],
  [apiKeys.Heartbeat, { min: 0, max: 4 }],
  [apiKeys.LeaveGroup, { min: 0, max: 5 }],
  [apiKeys.OffsetCommit, { min: 2, max: 9 }],
  [apiKeys.OffsetFetch, { min: 1, max: 8 }],
  [apiKeys.InitProducerId, { min: 0, max: 4 }],
  [apiKeys.AddPartitionsToTxn, { min: 0, max: 3 }],
  [apiKeys.AddOffsetsToTxn, { min: 0, max: 3 }],
  [apiKeys.EndTxn, { min: 0, max: 3 }],
  [apiKeys.TxnOffsetCommit, { min: 0, max: 3 }],
]);

/** Per API key, the highest version both this client and the broker speak; APIs with no common version are left out. */
export function negotiateVersions(answer: ApiVersionsResponse): Map<number, number> {
  const versions = new Map<number, number>();
  for (const { apiKey, minVersion, maxVersion } of answer.apiKeys) {
    const ours = CLIENT_VERSIONS.get(apiKey);
    if (ours === undefined) continue;
    const max = Math.min(ours.max, maxVersion);
    if (max >= Math.max(ours.min, minVersion)) versions.set(apiKey, max);
  }
  return versions;
}

export interface ClientResponse {
  readonly correlationId: number;
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly body: object;
}

/** A request frame ready for the socket. `answered` is false for a Produce with acks=0: no response will come. */
export interface Transmit {
  readonly correlationId: number;
  readonly bytes: Uint8Array;
  readonly answered: boolean;
}

export interface ClientConnectionOptions {
  readonly clientId: string;
  /** Requests written and not yet answered, at most (max.in.flight.requests.per.connection). */
  readonly inFlightMax?: number;
  /** The largest response frame accepted, size prefix excluded. */
  readonly responseBytesMax?: number;
}

interface Sent {
  readonly correlationId: number;
  readonly apiKey: number;
  readonly apiVersion: number;
}

const correlationIdMax = 0x7fffffff;

export class ClientConnection {
  readonly #clientId: string;
  readonly #inFlightMax: number;
  readonly #responseBytesMax: number;
  #nextCorrelationId = 0;
  readonly #queued: (Sent & { readonly bytes: Uint8Array; readonly answered: boolean })[] = [];
  readonly #awaiting: Sent[] = [];
  #pending = new Uint8Array(0);

  constructor(options: ClientConnectionOptions) {
    this.#clientId = options.clientId;
    this.#inFlightMax = options.inFlightMax ?? IN_FLIGHT_MAX;
    this.#responseBytesMax = options.responseBytesMax ?? frameBytesMax;
    if (!Number.isInteger(this.#inFlightMax) || this.#inFlightMax < 1) throw new RangeError(`inFlightMax must be a positive integer, got ${this.#inFlightMax}`);
  }

  /** Requests written and awaiting their response. */
  get inFlight(): number {
    return this.#awaiting.length;
  }

  /** Requests waiting for the in-flight limit. */
  get queued(): number {
    return this.#queued.length;
  }

  /** Encodes a request (checked against its schema now, not at write time) and queues it; returns its correlation id. */
  send(apiKey: number, apiVersion: number, body: object, answered = true): number {
    const correlationId = this.#nextCorrelationId;
    this.#nextCorrelationId = correlationId === correlationIdMax ? 0 : correlationId + 1;
    const bytes = encodeRequestFrame({ apiKey, apiVersion, correlationId, clientId: this.#clientId }, body);
    this.#queued.push({ correlationId, apiKey, apiVersion, bytes, answered });
    return correlationId;
  }

  /** The next request to write, or null while none is queued or the in-flight limit is reached. */
  pollTransmit(): Transmit | null {
    if (this.#queued.length === 0 || this.#awaiting.length >= this.#inFlightMax) return null;
    const { bytes, answered, ...sent } = this.#queued.shift()!;
    if (answered) this.#awaiting.push(sent);
    return { correlationId: sent.correlationId, bytes, answered };
  }

  /**
   * Takes bytes read from the socket; returns the responses completed by them, in order. A response whose
   * correlation id is not that of the oldest request awaiting one, or that cannot be decoded, raises
   * WireFormatError: the connection is then unusable and the caller closes it.
   */
  receive(chunk: Uint8Array): ClientResponse[] {
    const buffer = joinPending(this.#pending, chunk);
    const responses: ClientResponse[] = [];
    let offset = 0;
    for (;;) {
      const found = readFrame(buffer, offset, this.#responseBytesMax);
      if (found === null) break;
      offset = found.next;
      responses.push(this.#decode(found.frame));
    }
    // Kept as a copy: the socket may reuse the chunk's memory, and decoded records are views into the frame.
    this.#pending = buffer.slice(offset);
    return responses;
  }

  #decode(frame: Uint8Array): ClientResponse {
    const expected = this.#awaiting[0];
    const correlationId = frame.length >= 4 ? new Reader(frame).int32("ResponseHeader.CorrelationId") : -1;
    if (expected === undefined) throw new WireFormatError("ResponseHeader.CorrelationId", 0, `response ${correlationId} answers no request`);
    if (correlationId !== expected.correlationId) {
      throw new WireFormatError("ResponseHeader.CorrelationId", 0, `response ${correlationId} arrived where ${expected.correlationId} was due`);
    }
    this.#awaiting.shift();
    const { apiKey, apiVersion } = expected;
    return { correlationId, apiKey, apiVersion, body: this.#decodeBody(apiKey, apiVersion, frame) };
  }

  #decodeBody(apiKey: number, apiVersion: number, frame: Uint8Array): object {
    try {
      return decodeResponseFrame(apiKey, apiVersion, frame).body;
    } catch (error) {
      // KIP-511: a broker that does not know our ApiVersions version answers in v0, with UNSUPPORTED_VERSION and its range.
      if (apiKey !== apiKeys.ApiVersions || apiVersion === 0) throw error;
      const body = frame.subarray(4);
      try {
        return decodeApiVersionsResponse(0, body);
      } catch {
        // Some brokers' error answer fits neither version (librdkafka's mock cluster writes v3's compact count then
        // v0's entries): as Kafka's Java client does, keep only the error code, and the caller asks again in v0.
        if (body.length < 2) throw error;
        return { errorCode: new DataView(body.buffer, body.byteOffset).getInt16(0), apiKeys: [] } satisfies ApiVersionsResponse;
      }
    }
  }
}
