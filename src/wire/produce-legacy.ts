// Produce v0–2, which Kafka 4.0 removed (KIP-896) and its schemas no longer describe, read just far enough to
// refuse it properly: every partition answered UNSUPPORTED_VERSION in a response of the request's version. loglab
// advertises Produce from v0 because librdkafka turns compression off when the advertised range starts above it.

import { Reader, Writer } from "./primitives.ts";

/** The Produce versions older than the schemas (v3+). */
export const PRODUCE_LEGACY_VERSION_MAX = 2;

export interface LegacyProduceRequest {
  readonly acks: number;
  readonly topics: readonly { readonly name: string; readonly partitions: readonly number[] }[];
}

/** The body of a Produce v0–2 request (after the request header): acks, timeout, then topics of partitions and message sets. */
export function readLegacyProduceRequest(r: Reader): LegacyProduceRequest {
  const acks = r.int16("ProduceRequest.Acks");
  r.int32("ProduceRequest.TimeoutMs");
  const topics = r.array("ProduceRequest.TopicData", false, () => ({
    name: r.string("ProduceRequest.TopicData.Name", false),
    partitions: r.array("ProduceRequest.TopicData.PartitionData", false, () => {
      const index = r.int32("ProduceRequest.TopicData.PartitionData.Index");
      r.nullableBytes("ProduceRequest.TopicData.PartitionData.Records", false, true);
      return index;
    }),
  }));
  r.end("ProduceRequest");
  return { acks, topics };
}

/** A whole response frame (size, header v0, body of `version`) giving every partition `errorCode`. */
export function legacyProduceResponseFrame(version: number, correlationId: number, request: LegacyProduceRequest, errorCode: number): Uint8Array {
  const w = new Writer();
  w.int32(0);
  w.int32(correlationId);
  w.int32(request.topics.length);
  for (const topic of request.topics) {
    w.string(topic.name, false);
    w.int32(topic.partitions.length);
    for (const partition of topic.partitions) {
      w.int32(partition);
      w.int16(errorCode);
      w.int64(-1n); // base offset
      if (version >= 2) w.int64(-1n); // log append time
    }
  }
  if (version >= 1) w.int32(0); // throttle time
  const frame = w.finish();
  w.int32At(0, frame.length - 4);
  return frame;
}
