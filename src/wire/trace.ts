// Wire traces: every request and response a server sees, with the faults it injected, as JSON Lines a person or the
// web app's scenario viewer can read. Bodies are summarised: bigints as strings, record bytes as their batches'
// headers (base offset, count, producer), other bytes as base64 when short and as a length when long.

import { readBatchHeader } from "../format/index.ts";
import type { RequestHandler, WireRequest } from "./connection.ts";
import type { FaultInjection } from "./faults.ts";

/** The first line of a wire trace names its format, so a reader can tell it from a simulator's trace. */
export const WIRE_TRACE_FORMAT = "loglab-wire-trace";
export const WIRE_TRACE_VERSION = 1;

/** Byte fields at most this long are written whole (base64); longer ones as their length. */
export const TRACE_INLINE_BYTES_MAX = 64;
/** At most this many batches of one records field are summarised. */
export const TRACE_BATCHES_MAX = 100;

export interface WireTraceHeader {
  readonly format: typeof WIRE_TRACE_FORMAT;
  readonly version: typeof WIRE_TRACE_VERSION;
  readonly bootstrap: string;
  readonly startedAtMs: number;
}

interface TraceEventBase {
  /** Ms since the server started, on its scheduler's clock. */
  readonly atMs: number;
  readonly connection: number;
}

export type WireTraceEvent =
  | TraceEventBase & { readonly type: "connect" | "disconnect"; readonly peer: string; readonly reason?: string }
  | TraceEventBase & {
    readonly type: "request" | "response";
    readonly api: string;
    readonly apiKey: number;
    readonly version: number;
    readonly correlationId: number;
    readonly clientId: string | null;
    readonly body: unknown;
  }
  | TraceEventBase & { readonly type: "fault"; readonly kind: string; readonly fault: number; readonly api: string; readonly version: number; readonly correlationId: number; readonly detail: string };

/** A summary of a records field: each batch's header, or the length when it is not a v2 batch. */
function summariseRecords(bytes: Uint8Array): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const batches: unknown[] = [];
  let at = 0;
  try {
    while (at + 61 <= bytes.length && batches.length < TRACE_BATCHES_MAX) {
      if (view.getInt8(at + 16) !== 2) break;
      const h = readBatchHeader(view, at);
      batches.push({
        baseOffset: h.baseOffset, count: h.recordCount, bytes: h.sizeInBytes, producerId: h.producerId, producerEpoch: h.producerEpoch,
        baseSequence: h.baseSequence, ...(h.isTransactional ? { transactional: true } : {}), ...(h.isControl ? { control: true } : {}),
        ...(h.compression === "none" ? {} : { compression: h.compression }),
      });
      if (h.sizeInBytes < 61) break;
      at += h.sizeInBytes;
    }
  } catch {
    // Not a batch after all: fall back to its length below.
  }
  return batches.length === 0 ? { bytes: bytes.length } : { bytes: bytes.length, batches };
}

/** A body as JSON-safe values: bigints as strings, bytes summarised, empty tagged fields left out. */
export function summariseBody(value: unknown, key = ""): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Uint8Array) {
    if (key === "records") return summariseRecords(value);
    return value.length <= TRACE_INLINE_BYTES_MAX ? { base64: toBase64(value) } : { bytes: value.length };
  }
  if (Array.isArray(value)) return value.map((item) => summariseBody(item, key));
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === "unknownTaggedFields" && Array.isArray(v) && v.length === 0) continue;
      out[k] = summariseBody(v, k);
    }
    return out;
  }
  return value;
}

function toBase64(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text);
}

/** Writes a trace as lines: the header first, then one event per line. */
export class WireTraceRecorder {
  readonly #write: (line: string) => void;
  readonly #nowMs: () => number;
  readonly #startMs: number;

  constructor(write: (line: string) => void, nowMs: () => number, bootstrap: string) {
    this.#write = write;
    this.#nowMs = nowMs;
    this.#startMs = nowMs();
    const header: WireTraceHeader = { format: WIRE_TRACE_FORMAT, version: WIRE_TRACE_VERSION, bootstrap, startedAtMs: this.#startMs };
    write(JSON.stringify(header));
  }

  #emit(event: Omit<TraceEventBase, "atMs"> & Record<string, unknown>): void {
    this.#write(JSON.stringify({ atMs: this.#nowMs() - this.#startMs, ...event }));
  }

  connected(connection: number, peer: string): void {
    this.#emit({ type: "connect", connection, peer });
  }

  disconnected(connection: number, peer: string, reason: string): void {
    this.#emit({ type: "disconnect", connection, peer, reason });
  }

  fault(injection: FaultInjection): void {
    this.#emit({ type: "fault", ...injection });
  }

  #message(type: "request" | "response", connection: number, request: WireRequest, body: unknown): void {
    const { apiKey, apiVersion, correlationId, clientId } = request.header;
    this.#emit({ type, connection, api: request.api.name, apiKey, version: apiVersion, correlationId, clientId, body: summariseBody(body) });
  }

  /** `inner` with its requests and the responses it gives recorded (a lost answer records none). */
  wrap(inner: RequestHandler, connection: number): RequestHandler {
    return {
      unsupported: (request, errorCode) => {
        this.#message("request", connection, request, request.body);
        const answer = inner.unsupported(request, errorCode);
        if (answer !== null) this.#message("response", connection, request, answer);
        return answer;
      },
      handle: async (request) => {
        this.#message("request", connection, request, request.body);
        const answer = await inner.handle(request);
        if (answer !== null) this.#message("response", connection, request, answer);
        return answer;
      },
    };
  }
}
