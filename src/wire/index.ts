// Kafka's wire protocol as bytes in and bytes out: the primitives, the framing and headers, the codecs generated
// from Kafka's message schemas for every API and version loglab speaks, the connection core and the handlers that
// answer requests with loglab's Broker, and the client side: a connection core and a BrokerTransport to any Kafka
// cluster. No sockets; runs in browsers, Deno and Node (node-server.ts and node-client.ts are the Node shells).

export type { VersionRange, WireApi } from "./codec-support.ts";
export {
  Connection, type ConnectionOptions, type ReceiveOutcome, type RequestHandler, UNSUPPORTED_VERSION, type WireRequest,
} from "./connection.ts";
export { KAFKA_ERROR_CODES, kafkaErrorCode } from "./error-codes.ts";
export { type BrokerAddress, BrokerLink, type BrokerLinkOptions, type Dial, type SocketEvents, type WireSocket } from "./broker-link.ts";
export {
  CLIENT_VERSIONS, ClientConnection, type ClientConnectionOptions, type ClientResponse, IN_FLIGHT_MAX, negotiateVersions, type Transmit,
} from "./client-connection.ts";
export { errorCodeOf, errorFromCode, errorName, NetworkError } from "./client-errors.ts";
export { assignmentFromWire, assignmentToWire, subscriptionFromWire, subscriptionToWire } from "./consumer-protocol.ts";
export { KafkaTransport, type KafkaTransportOptions, parseBootstrap } from "./kafka-transport.ts";
export {
  checkFaultSpec, ERROR_FAULT_APIS, FAULT_COUNT_MAX, FAULT_MS_MAX, type Fault, FaultInjector, type FaultInjection,
  type FaultInjectorOptions, type FaultKind, type FaultSpec, FaultSpecError, InjectedCloseError, type LostAnswerThen, parseFaultSpec,
} from "./faults.ts";
export {
  decodeRequestFrame, decodeResponseFrame, encodeRequestFrame, encodeResponseFrame, frameBytesMax, readFrame,
  readRequestHeader, readResponseHeader, type RequestHeader, requestHeaderVersion, type ResponseHeader,
  responseHeaderVersion, wireApisByKey, writeRequestHeader, writeResponseHeader,
} from "./framing.ts";
export * from "./generated/index.ts";
export { BrokerHandler, type BrokerHandlerOptions } from "./handlers.ts";
export {
  summariseBody, TRACE_BATCHES_MAX, TRACE_INLINE_BYTES_MAX, WIRE_TRACE_FORMAT, WIRE_TRACE_VERSION, type WireTraceEvent, type WireTraceHeader,
  WireTraceRecorder,
} from "./trace.ts";
export { Reader, type TaggedField, UnsupportedVersionError, uuidZero, WireFormatError, Writer } from "./primitives.ts";
