// The producer's compression.type: gzip and snappy batches are written, stored
// compressed and read back by loglab's consumer; lz4 and zstd, which loglab
// reads but cannot write, are refused when the producer is made, naming the codec.

import { describe, expect, it } from "vitest";
import {
  Broker, Consumer, decodeBatches, InvalidConfigError, ManualScheduler, MemoryStorage, Producer, resolveProducerConfig, SeededRandom,
  UnwritableCompressionTypeError,
} from "../../src/index.ts";
import { InProcessTransport } from "../../src/client/transport.ts";

describe("compression.type", () => {
  for (const codec of ["gzip", "snappy"] as const) {
    it(`${codec}: the producer's batches are stored compressed and the consumer reads their records`, async () => {
      const scheduler = new ManualScheduler(1_700_000_000_000);
      const random = new SeededRandom(3);
      const broker = await Broker.open({ storage: new MemoryStorage(), scheduler, random });
      await broker.logs.createTopic("t", 1);
      const transport = new InProcessTransport(broker);
      const producer = new Producer(transport, { scheduler, random }, { "compression.type": codec });
      const messages = Array.from({ length: 30 }, (_, i) => ({ key: `k${i % 3}`, value: `value ${i} ${"-".repeat(i)}` }));
      await scheduler.runUntilSettled(producer.send({ topic: "t", messages }), 60_000);
      const stored = decodeBatches((await broker.logs.log("t", 0).read(0, { maxBytes: 1 << 20 })).records);
      expect(stored.map((b) => b.compression)).toEqual(stored.map(() => codec));
      expect(stored.reduce((n, b) => n + b.recordCount, 0)).toBe(30);

      const consumer = new Consumer(transport, { scheduler, random }, { "group.id": "g", "auto.offset.reset": "earliest" });
      consumer.assign([{ topic: "t", partition: 0 }]);
      const seen: string[] = [];
      for (let i = 0; i < 10 && seen.length < 30; i++) {
        const polled = await scheduler.runUntilSettled(consumer.poll(100), 60_000);
        for (const r of polled) seen.push(new TextDecoder().decode(r.value!));
      }
      expect(seen).toEqual(messages.map((m) => m.value));
    });
  }

  it("refuses lz4 and zstd when the producer is made, naming the codec and what loglab writes", () => {
    for (const codec of ["lz4", "zstd"] as const) {
      expect(() => resolveProducerConfig({ "compression.type": codec })).toThrow(UnwritableCompressionTypeError);
      expect(() => resolveProducerConfig({ "compression.type": codec })).toThrow(
        `invalid config compression.type: ${codec} is read but not written by loglab (no maintained compressor); use one of none, gzip, snappy`,
      );
    }
  });

  it("refuses a name that is no Kafka codec, and defaults to none", () => {
    expect(() => resolveProducerConfig({ "compression.type": "brotli" as "gzip" })).toThrow(InvalidConfigError);
    expect(resolveProducerConfig({}).compressionType).toBe("none");
  });
});
