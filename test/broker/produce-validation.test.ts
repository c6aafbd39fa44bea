// Which error a bad produce gets, now that its bytes are validated once (the
// broker hands validateBatches' report to the log): each is refused whole,
// with nothing written.

import { describe, expect, it } from "vitest";
import {
  BATCH_HEADER, type BatchInput, Broker, CorruptRecordError, encodeBatch, InvalidRecordError, ManualScheduler, MemoryStorage, RecordTooLargeError,
  SeededRandom,
} from "../../src/index.ts";

const clock = new ManualScheduler(1_700_000_000_000);
const open = () => Broker.open({ storage: new MemoryStorage(), scheduler: clock, random: new SeededRandom(5), config: { "max.message.bytes": "2000" } });
const batchOf = (values: string[], more: Partial<BatchInput> = {}) =>
  encodeBatch({ baseTimestamp: clock.nowMs(), records: values.map((value) => ({ value })), ...more });
const concat = (...parts: Uint8Array[]) => {
  const bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.length;
  }
  return bytes;
};
/** A valid batch (baseOffset is outside the CRC) whose baseOffset a double cannot hold. */
const hugeBaseOffset = (bytes: Uint8Array) => {
  new DataView(bytes.buffer, bytes.byteOffset).setBigInt64(BATCH_HEADER.baseOffset.offset, 2n ** 60n);
  return bytes;
};

async function refusal(records: Uint8Array): Promise<Error> {
  const broker = await open();
  const { partitions: [answer] } = await broker.produce({ acks: -1, partitions: [{ topic: "t", partition: 0, records }] });
  expect(answer!.baseOffset).toBe(-1);
  expect(broker.logs.log("t", 0).logEndOffset).toBe(0);
  return answer!.error!;
}

describe("a bad produce is refused once, with the error it always got", () => {
  it("no batch at all", async () => {
    const error = await refusal(new Uint8Array(0));
    expect(error).toBeInstanceOf(InvalidRecordError);
    expect(error.message).toContain("a produce request needs at least one batch per partition");
  });

  it("a corrupt batch, even after a valid one", async () => {
    const bad = batchOf(["b"]);
    bad[bad.length - 1]! ^= 0xff;
    expect(await refusal(concat(batchOf(["a"]), bad))).toBeInstanceOf(CorruptRecordError);
  });

  it("a first batch whose base offset a double cannot hold", async () => {
    const error = await refusal(hugeBaseOffset(batchOf(["a"])));
    expect(error).toBeInstanceOf(InvalidRecordError);
    expect(error.message).toContain("baseOffset");
  });

  it("a later batch whose base offset a double cannot hold", async () => {
    const error = await refusal(concat(batchOf(["a"]), hugeBaseOffset(batchOf(["b"]))));
    expect(error).toBeInstanceOf(InvalidRecordError);
    expect(error.message).toContain("baseOffset");
  });

  it("a batch over max.message.bytes before a later unreadable one: the first problem in byte order", async () => {
    const big = batchOf(["x".repeat(3000)]);
    expect(await refusal(concat(big, hugeBaseOffset(batchOf(["b"]))))).toBeInstanceOf(RecordTooLargeError);
  });

  it("two batches from an idempotent producer", async () => {
    const producer = { producerId: 1, producerEpoch: 0 };
    const error = await refusal(concat(batchOf(["a"], { ...producer, baseSequence: 0 }), batchOf(["b"], { ...producer, baseSequence: 1 })));
    expect(error).toBeInstanceOf(InvalidRecordError);
    expect(error.message).toContain("one batch per partition per request");
  });

  it("offset deltas that are not 0..count-1", async () => {
    const error = await refusal(batchOf(["a", "b"], { lastOffsetDelta: 5 }));
    expect(error).toBeInstanceOf(InvalidRecordError);
    expect(error.message).toContain("lastOffsetDelta 5");
  });
});
