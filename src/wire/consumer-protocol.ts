// Kafka's consumer protocol embedded in JoinGroup and SyncGroup (protocol type "consumer"): a member's subscription
// and its assignment as Kafka's clients encode them (ConsumerProtocolSubscription and ConsumerProtocolAssignment,
// version 0), translated from and to the JSON loglab's group members exchange in process. Kafka's group coordinator
// reads these bytes, so a group on a Kafka cluster needs them in Kafka's format.

import type { TopicPartition } from "../broker/index.ts";
import { Reader, WireFormatError, Writer } from "./primitives.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const CONSUMER_PROTOCOL_VERSION = 0;

/** loglab's subscription ({"topics": [...]}) as Kafka's ConsumerProtocolSubscription v0. */
export function subscriptionToWire(metadata: Uint8Array): Uint8Array {
  const { topics } = JSON.parse(decoder.decode(metadata)) as { topics: string[] };
  const w = new Writer();
  w.int16(CONSUMER_PROTOCOL_VERSION);
  w.int32(topics.length);
  for (const topic of topics) w.string(topic, false);
  w.bytes(null, false);
  return w.finish();
}

/** Kafka's ConsumerProtocolSubscription (any version: later ones only append fields) as loglab's subscription. */
export function subscriptionFromWire(metadata: Uint8Array): Uint8Array {
  const r = new Reader(metadata);
  const version = r.int16("ConsumerProtocolSubscription.Version");
  if (version < 0) throw new WireFormatError("ConsumerProtocolSubscription.Version", 0, `negative version ${version}`);
  const count = r.int32("ConsumerProtocolSubscription.Topics");
  const topics = Array.from({ length: count }, () => r.string("ConsumerProtocolSubscription.Topics", false));
  return encoder.encode(JSON.stringify({ topics }));
}

/** loglab's assignment (a JSON list of TopicPartition) as Kafka's ConsumerProtocolAssignment v0. */
export function assignmentToWire(assignment: Uint8Array): Uint8Array {
  const partitions = assignment.length === 0 ? [] : JSON.parse(decoder.decode(assignment)) as TopicPartition[];
  const byTopic = new Map<string, number[]>();
  for (const { topic, partition } of partitions) byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
  const w = new Writer();
  w.int16(CONSUMER_PROTOCOL_VERSION);
  w.int32(byTopic.size);
  for (const [topic, indexes] of byTopic) {
    w.string(topic, false);
    w.int32(indexes.length);
    for (const index of indexes) w.int32(index);
  }
  w.bytes(null, false);
  return w.finish();
}

/** Kafka's ConsumerProtocolAssignment as loglab's assignment; an empty one (no assignment) stays empty. */
export function assignmentFromWire(assignment: Uint8Array): Uint8Array {
  if (assignment.length === 0) return assignment;
  const r = new Reader(assignment);
  r.int16("ConsumerProtocolAssignment.Version");
  const partitions: TopicPartition[] = [];
  const topics = r.int32("ConsumerProtocolAssignment.AssignedPartitions");
  for (let t = 0; t < topics; t++) {
    const topic = r.string("ConsumerProtocolAssignment.Topic", false);
    const count = r.int32("ConsumerProtocolAssignment.Partitions");
    for (let p = 0; p < count; p++) partitions.push({ topic, partition: r.int32("ConsumerProtocolAssignment.Partition") });
  }
  return encoder.encode(JSON.stringify(partitions));
}
