// loglab's own clients over Kafka's wire protocol, produce-only and consume-only, for the rows that put them next
// to librdkafka and Kafka's Java client on the same broker.

import { Consumer, Producer, SeededRandom, systemScheduler } from "../src/index.ts";
import { kafkaTransport } from "../src/wire/node-client.ts";

const CHUNK = 1000;
const SENDS_IN_FLIGHT = 8;

/** loglab's Producer sending `count` records of `size` bytes to partition 0 of `topic`: records/s. */
export async function loglabProduce(bootstrap: string, topic: string, count: number, size: number, acks: "1" | "all"): Promise<number> {
  const transport = kafkaTransport({ bootstrap });
  const producer = new Producer(transport, { scheduler: systemScheduler, random: new SeededRandom(3) }, {
    acks, "batch.size": 256 * 1024, "linger.ms": 5, "enable.idempotence": false,
  });
  const value = new Uint8Array(size).fill(0x76);
  const messages = Array.from({ length: CHUNK }, () => ({ value, partition: 0 }));
  try {
    await transport.metadata([topic]);
    const start = performance.now();
    // At most SENDS_IN_FLIGHT sends outstanding: backpressure, as buffer.memory gives a Kafka producer.
    const inFlight = new Set<Promise<unknown>>();
    for (let sent = 0; sent < count; sent += CHUNK) {
      const send = producer.send({ topic, messages: sent + CHUNK <= count ? messages : messages.slice(0, count - sent) });
      inFlight.add(send);
      void send.finally(() => inFlight.delete(send));
      if (inFlight.size >= SENDS_IN_FLIGHT) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    return count / ((performance.now() - start) / 1000);
  } finally {
    await producer.close();
    transport.close();
  }
}

/** loglab's Consumer reading `count` records of partition 0 of `topic` from the start: records/s. */
export async function loglabConsume(bootstrap: string, topic: string, count: number): Promise<number> {
  const transport = kafkaTransport({ bootstrap });
  const consumer = new Consumer(transport, { scheduler: systemScheduler, random: new SeededRandom(4) }, {
    "auto.offset.reset": "earliest", "max.poll.records": 10_000,
  });
  try {
    consumer.assign([{ topic, partition: 0 }]);
    const start = performance.now();
    let read = 0;
    while (read < count) read += (await consumer.poll(500)).length;
    return count / ((performance.now() - start) / 1000);
  } finally {
    await consumer.close();
    transport.close();
  }
}
