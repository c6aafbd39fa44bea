// Kafka's wire protocol as bytes in and bytes out: the primitives, the framing and headers, the codecs generated
// from Kafka's message schemas for every API and version loglab speaks, the connection core and the handlers that
// answer requests with loglab's Broker. No sockets; runs in browsers, Deno and Node (node-server.ts is the Node shell).

export type { VersionRange, WireApi } from "./codec-support.ts";
export {
  Connection, type ConnectionOptions, type ReceiveOutcome, type RequestHandler, UNSUPPORTED_VERSION, type WireRequest,
} from "./connection.ts";
export { KAFKA_ERROR_CODES, kafkaErrorCode } from "./error-codes.ts";
export {
  decodeRequestFrame, decodeResponseFrame, encodeRequestFrame, encodeResponseFrame, frameBytesMax, readFrame,
  readRequestHeader, readResponseHeader, type RequestHeader, requestHeaderVersion, type ResponseHeader,
  responseHeaderVersion, wireApisByKey, writeRequestHeader, writeResponseHeader,
} from "./framing.ts";
export * from "./generated/index.ts";
export { BrokerHandler, type BrokerHandlerOptions } from "./handlers.ts";
export { Reader, type TaggedField, UnsupportedVersionError, uuidZero, WireFormatError, Writer } from "./primitives.ts";
