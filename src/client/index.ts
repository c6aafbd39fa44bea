// The client API a Kafka user knows: the producer, the consumer, partition
// assignors, and the transports that reach a broker.

export {
  ASSIGNOR_NAMES, assign, type AssignorName, cooperativeStickyAssign, type GroupAssignment, type MemberSubscription,
  rangeAssign, roundRobinAssign,
} from "./assignors.ts";
export {
  Consumer, type ConsumerRecord, type RebalanceListener, type TopicPartitionOffset,
} from "./consumer.ts";
export { type ConsumerConfig, type OffsetResetPolicy, resolveConsumerConfig, type ResolvedConsumerConfig } from "./consumer-config.ts";
export {
  ClientClosedError, DeliveryTimeoutError, IllegalStateError, InvalidGroupIdError, isFenced, needsRejoin, NoOffsetForPartitionError, RequestTimedOutError,
  UnknownServerError,
} from "./errors.ts";
export { type ClientRuntime, Producer, type ProducerMessage, type ProducerRecord, type RecordMetadata, type Transaction } from "./producer.ts";
export { type ProducerConfig, resolveProducerConfig, type ResolvedProducerConfig } from "./producer-config.ts";
export { type TransactionCall, TransactionEndedError } from "./transaction-state.ts";
export { type MessageEndpoint, MessagePortTransport, serveBroker } from "./message-transport.ts";
export { BROKER_REQUESTS, type BrokerTransport, InProcessTransport } from "./transport.ts";
export { type BrokerRequest, mapTransport, type RequestCall, requestCalls, type RequestTarget } from "./map-transport.ts";
export { type RequestTimeouts, withRequestTimeouts } from "./request-timeout.ts";
