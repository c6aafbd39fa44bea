// Kafka's framing: an int32 size, a request or response header, then the body the generated codecs read and write.
// Which header version goes with which API version lives here, including ApiVersions' fixed response header v0.

import type { WireApi } from "./codec-support.ts";
import { apiKeys, wireApis } from "./generated/index.ts";
import { Reader, type TaggedField, UnsupportedVersionError, WireFormatError, Writer } from "./primitives.ts";

/** The largest frame read, size prefix excluded: Kafka's `socket.request.max.bytes` default (100 MiB). */
export const frameBytesMax = 104_857_600;

const sizePrefixBytes = 4;

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
  /** Header v2 only: tagged fields, all unknown to loglab, kept for byte-identical re-encoding. */
  unknownTaggedFields?: TaggedField[];
}

export interface ResponseHeader {
  correlationId: number;
  /** Header v1 only. */
  unknownTaggedFields?: TaggedField[];
}

export const wireApisByKey: ReadonlyMap<number, WireApi> = new Map(wireApis.map((api) => [api.apiKey, api]));

/** Request header v2 for an API's flexible versions, v1 otherwise (v1 too for APIs loglab does not know). */
export function requestHeaderVersion(apiKey: number, apiVersion: number): 1 | 2 {
  const api = wireApisByKey.get(apiKey);
  return api !== undefined && apiVersion >= api.flexibleVersionsMin ? 2 : 1;
}

/** Response header v1 for flexible versions, v0 otherwise, and always v0 for ApiVersions (so any client can read it). */
export function responseHeaderVersion(apiKey: number, apiVersion: number): 0 | 1 {
  if (apiKey === apiKeys.ApiVersions) return 0;
  const api = wireApisByKey.get(apiKey);
  return api !== undefined && apiVersion >= api.flexibleVersionsMin ? 1 : 0;
}

/** Room kept past a frame being joined for the read that ends it, which usually brings the next frame's start. */
const pendingSlackBytes = 65_536;
/**
 * Room made at most this far past the bytes received for the frame they begin: a client announcing a huge frame
 * gets memory as its bytes come (doubling from here), not all of it for a four-byte size prefix.
 */
const pendingAheadBytesMax = 16 << 20;

/**
 * The bytes a server connection has read and not yet started as requests. A large request arrives in many reads:
 * once its size prefix is in, room is made for the whole frame, so each byte is copied once (joining each read to
 * all before it copied a 1 MiB produce request about eight times over). Bytes once added are never overwritten:
 * started requests hold views of them.
 */
export class PendingBytes {
  #buffer: Uint8Array = new Uint8Array(0);
  #start = 0;
  #end = 0;
  /** #buffer is the caller's chunk, not memory of our own: it is copied before it is written to or kept. */
  #borrowed = false;

  /** @param frameBytesMax the largest frame room is made for ahead (a larger announced size is malformed anyway). */
  constructor(private readonly frameBytesMax: number) {}

  /** The bytes kept, as a view. */
  get bytes(): Uint8Array {
    return this.#buffer.subarray(this.#start, this.#end);
  }

  get size(): number {
    return this.#end - this.#start;
  }

  /** Adds a chunk read from the socket; it is used in place until release(), then copied if any of it is kept. */
  append(chunk: Uint8Array): void {
    if (this.size === 0) {
      this.#buffer = chunk;
      this.#start = 0;
      this.#end = chunk.length;
      this.#borrowed = true;
      return;
    }
    if (this.#borrowed || this.#buffer.length - this.#end < chunk.length) this.#copyWithRoom(chunk.length);
    this.#buffer.set(chunk, this.#end);
    this.#end += chunk.length;
  }

  /** Drops the first `bytes` (requests that started; the views they hold stay valid). */
  consume(bytes: number): void {
    this.#start += bytes;
    if (this.#start === this.#end) this.clear();
  }

  /** The caller's chunk is about to be reused: what is kept of it becomes a copy. */
  release(): void {
    if (this.#borrowed && this.size > 0) this.#copyWithRoom(0);
  }

  clear(): void {
    this.#buffer = new Uint8Array(0);
    this.#start = 0;
    this.#end = 0;
    this.#borrowed = false;
  }

  /** Moves the kept bytes to new memory with room for `adding` more, and for the rest of the frame they begin. */
  #copyWithRoom(adding: number): void {
    const kept = this.size;
    let capacity = Math.max(kept + adding, Math.min(kept * 2, kept + this.frameBytesMax));
    if (kept >= sizePrefixBytes) {
      const announced = new DataView(this.#buffer.buffer, this.#buffer.byteOffset + this.#start, sizePrefixBytes).getInt32(0);
      if (announced >= 0 && announced <= this.frameBytesMax) {
        capacity = Math.max(capacity, Math.min(sizePrefixBytes + announced + pendingSlackBytes, kept + adding + pendingAheadBytesMax));
      }
    }
    const moved = new Uint8Array(capacity);
    moved.set(this.bytes);
    this.#buffer = moved;
    this.#start = 0;
    this.#end = kept;
    this.#borrowed = false;
  }
}

/** The bytes a connection kept from its last read (part of a frame) followed by the new chunk; no copy when none were kept. */
export function joinPending(pending: Uint8Array, chunk: Uint8Array): Uint8Array {
  if (pending.length === 0) return chunk;
  const joined = new Uint8Array(pending.length + chunk.length);
  joined.set(pending);
  joined.set(chunk, pending.length);
  return joined;
}

/**
 * The first complete frame at `offset` in `buffer` (its bytes after the size prefix, a view), and where the next
 * begins; null while it is incomplete. A negative size or one over `bytesMax` is malformed.
 */
export function readFrame(buffer: Uint8Array, offset = 0, bytesMax = frameBytesMax): { frame: Uint8Array; next: number } | null {
  if (buffer.length - offset < sizePrefixBytes) return null;
  const size = new DataView(buffer.buffer, buffer.byteOffset + offset, sizePrefixBytes).getInt32(0);
  if (size < 0) throw new WireFormatError("frame size", offset, `negative size ${size}`);
  if (size > bytesMax) throw new WireFormatError("frame size", offset, `${size} bytes is over the limit of ${bytesMax}`);
  const start = offset + sizePrefixBytes;
  if (buffer.length - start < size) return null;
  return { frame: buffer.subarray(start, start + size), next: start + size };
}

function readTaggedFields(r: Reader, field: string): TaggedField[] | undefined {
  const count = r.unsignedVarint(`${field} tagged fields`);
  const fields: TaggedField[] = [];
  for (let i = 0; i < count; i++) {
    const tag = r.unsignedVarint(`${field} tag`);
    fields.push({ tag, data: r.raw(r.unsignedVarint(`${field} tagged field size`), `${field} tagged field`) });
  }
  return fields.length === 0 ? undefined : fields;
}

/** A request header; client_id keeps its int16 length even in header v2, so any broker can read an ApiVersions request. */
export function readRequestHeader(r: Reader): RequestHeader {
  const header: RequestHeader = {
    apiKey: r.int16("RequestHeader.RequestApiKey"),
    apiVersion: r.int16("RequestHeader.RequestApiVersion"),
    correlationId: r.int32("RequestHeader.CorrelationId"),
    clientId: r.nullableString("RequestHeader.ClientId", false, true),
  };
  if (requestHeaderVersion(header.apiKey, header.apiVersion) === 2) {
    const tagged = readTaggedFields(r, "RequestHeader");
    if (tagged !== undefined) header.unknownTaggedFields = tagged;
  }
  return header;
}

export function writeRequestHeader(w: Writer, header: RequestHeader): void {
  w.int16(header.apiKey);
  w.int16(header.apiVersion);
  w.int32(header.correlationId);
  w.string(header.clientId, false);
  if (requestHeaderVersion(header.apiKey, header.apiVersion) === 2) w.taggedFields(header.unknownTaggedFields ?? []);
}

export function readResponseHeader(r: Reader, version: 0 | 1): ResponseHeader {
  const header: ResponseHeader = { correlationId: r.int32("ResponseHeader.CorrelationId") };
  if (version === 1) {
    const tagged = readTaggedFields(r, "ResponseHeader");
    if (tagged !== undefined) header.unknownTaggedFields = tagged;
  }
  return header;
}

export function writeResponseHeader(w: Writer, header: ResponseHeader, version: 0 | 1): void {
  w.int32(header.correlationId);
  if (version === 1) w.taggedFields(header.unknownTaggedFields ?? []);
}

function apiFor(apiKey: number, apiVersion: number): WireApi {
  const api = wireApisByKey.get(apiKey);
  if (api === undefined) throw new UnsupportedVersionError(`API key ${apiKey} is not one loglab speaks`);
  const { min, max } = api.validVersions;
  if (apiVersion < min || apiVersion > max) throw new UnsupportedVersionError(`${api.name} has versions ${min}–${max}, not ${apiVersion}`);
  return api;
}

/** Writes the size prefix as a placeholder, runs `body`, then fills the size in; the Writer holds the frame. */
function sized(body: (w: Writer) => void): Writer {
  const w = new Writer();
  w.int32(0);
  body(w);
  w.int32At(0, w.size - sizePrefixBytes);
  return w;
}

/** A whole request frame, size prefix included. */
export function encodeRequestFrame(header: RequestHeader, body: object): Uint8Array {
  const api = apiFor(header.apiKey, header.apiVersion);
  return sized((w) => {
    writeRequestHeader(w, header);
    api.writeRequest(w, header.apiVersion, body);
  }).finish();
}

/**
 * A request frame (after its size prefix): the header, then the body of that API and version. An API or version
 * the codecs lack raises UnsupportedVersionError after the header parsed, so the caller can still answer it.
 */
export function decodeRequestFrame(frame: Uint8Array): { header: RequestHeader; body: object } {
  const r = new Reader(frame);
  const header = readRequestHeader(r);
  const api = apiFor(header.apiKey, header.apiVersion);
  const body = api.readRequest(r, header.apiVersion);
  r.end(`${api.name}Request`);
  return { header, body };
}

/** A whole response frame, size prefix included, with the header version the API and version call for. */
export function encodeResponseFrame(apiKey: number, apiVersion: number, header: ResponseHeader, body: object): Uint8Array {
  return responseFrameWriter(apiKey, apiVersion, header, body).finish();
}

/**
 * The same frame as encodeResponseFrame, in pieces to be written back to back: large bytes fields (a Fetch answer's
 * records) are the body's own arrays, not copies, so they must not change until the pieces are written.
 */
export function encodeResponseFrameChunks(apiKey: number, apiVersion: number, header: ResponseHeader, body: object): Uint8Array[] {
  return responseFrameWriter(apiKey, apiVersion, header, body).chunks();
}

function responseFrameWriter(apiKey: number, apiVersion: number, header: ResponseHeader, body: object): Writer {
  const api = apiFor(apiKey, apiVersion);
  return sized((w) => {
    writeResponseHeader(w, header, responseHeaderVersion(apiKey, apiVersion));
    api.writeResponse(w, apiVersion, body);
  });
}

/** A response frame (after its size prefix) to a request of `apiKey` at `apiVersion`. */
export function decodeResponseFrame(apiKey: number, apiVersion: number, frame: Uint8Array): { header: ResponseHeader; body: object } {
  const api = apiFor(apiKey, apiVersion);
  const r = new Reader(frame);
  const header = readResponseHeader(r, responseHeaderVersion(apiKey, apiVersion));
  const body = api.readResponse(r, apiVersion);
  r.end(`${api.name}Response`);
  return { header, body };
}
