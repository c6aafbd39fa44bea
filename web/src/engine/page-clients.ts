// Clients of the in-page log: real Producers and Consumers over an
// in-process transport, on the page's real clock.

import {
  type Broker, Consumer, type ConsumerConfig, InProcessTransport, type PartitionerName, Producer, systemRandom, systemScheduler,
} from "../../../src/index.ts";

const runtime = { scheduler: systemScheduler, random: systemRandom };
const producers = new WeakMap<Broker, Map<PartitionerName, Producer>>();

/** The page's producer for `broker` using `partitioner` (one per pair, kept for sticky partitioning). */
export function pageProducer(broker: Broker, partitioner: PartitionerName = "murmur2"): Producer {
  let byPartitioner = producers.get(broker);
  if (byPartitioner === undefined) producers.set(broker, (byPartitioner = new Map()));
  let producer = byPartitioner.get(partitioner);
  if (producer === undefined) {
    // Retries give up after 5 s rather than Kafka's 2 min: a reader waiting on a button should hear why soon.
    producer = new Producer(new InProcessTransport(broker), runtime, {
      acks: "all", "linger.ms": 0, partitioner, "client.id": `page-${partitioner}`, "delivery.timeout.ms": 5000, "request.timeout.ms": 2000,
    });
    byPartitioner.set(partitioner, producer);
  }
  return producer;
}

export function pageConsumer(broker: Broker, config: ConsumerConfig): Consumer {
  return new Consumer(new InProcessTransport(broker), runtime, config);
}

/** Topics a reader made, without the broker's internal ones (__consumer_offsets, __transaction_state). */
export function userTopics(broker: Broker): string[] {
  return broker.logs.listTopics().filter((topic) => !topic.startsWith("__")).sort();
}

/** Every record of one partition from `fromOffset`, at most `limit` of them. */
export async function partitionRecords(broker: Broker, topic: string, partition: number, limit = 200) {
  const log = broker.logs.log(topic, partition);
  const from = Math.max(log.logStartOffset, log.logEndOffset - limit);
  const out = [];
  for await (const record of log.records(from)) out.push(record);
  return out;
}
