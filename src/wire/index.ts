// Kafka's wire protocol as bytes in and bytes out: the primitives, the framing and headers, and the codecs generated
// from Kafka's message schemas for every API and version loglab speaks. No sockets; runs in browsers, Deno and Node.

export type { VersionRange, WireApi } from "./codec-support.ts";
export {
  decodeRequestFrame, decodeResponseFrame, encodeRequestFrame, encodeResponseFrame, frameBytesMax, readFrame,
  readRequestHeader, readResponseHeader, type RequestHeader, requestHeaderVersion, type ResponseHeader,
  responseHeaderVersion, wireApisByKey, writeRequestHeader, writeResponseHeader,
} from "./framing.ts";
export * from "./generated/index.ts";
export { Reader, type TaggedField, UnsupportedVersionError, uuidZero, WireFormatError, Writer } from "./primitives.ts";
