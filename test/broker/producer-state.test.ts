// The idempotent producer's sequence rules, as Kafka's ProducerStateManager
// applies them per partition.

import { describe, expect, it } from "vitest";
import { InvalidProducerEpochError, OutOfOrderSequenceError } from "../../src/index.ts";
import { ProducerStateManager } from "../../src/broker/producer-state.ts";

const batch = (baseSequence: number, count = 1, producerEpoch = 0, producerId = 7) => ({
  producerId, producerEpoch, baseSequence, lastSequence: baseSequence + count - 1,
});
const appended = (sequence: ReturnType<typeof batch>, firstOffset: number) => ({
  ...sequence, firstOffset, lastOffset: firstOffset + sequence.lastSequence - sequence.baseSequence, logAppendTime: -1,
});

describe("producer state", () => {
  it("accepts a new producer at sequence 0 and then only the next sequence", () => {
    const state = new ProducerStateManager("t-0");
    expect(state.check(batch(0, 3))).toEqual({ kind: "append" });
    state.update(appended(batch(0, 3), 10));
    expect(state.check(batch(3, 2))).toEqual({ kind: "append" });
    expect(() => state.check(batch(4))).toThrow(OutOfOrderSequenceError);
    expect(() => state.check(batch(4))).toThrow("producer 7 sent sequence 4 to t-0, expected 3");
  });

  it("refuses a new producer that does not start at 0", () => {
    expect(() => new ProducerStateManager("t-0").check(batch(5))).toThrow(OutOfOrderSequenceError);
  });

  it("answers a retry of any of the last five batches with its original offsets, and refuses older ones", () => {
    const state = new ProducerStateManager("t-0");
    for (let i = 0; i < 7; i++) state.update(appended(batch(i * 2, 2), 100 + i * 2));
    for (let i = 2; i < 7; i++) {
      expect(state.check(batch(i * 2, 2))).toEqual({ kind: "duplicate", original: appended(batch(i * 2, 2), 100 + i * 2) });
    }
    expect(() => state.check(batch(2, 2))).toThrow(OutOfOrderSequenceError); // the 2nd batch is no longer remembered
  });

  it("fences an older epoch and restarts sequences at a newer one", () => {
    const state = new ProducerStateManager("t-0");
    state.update(appended(batch(0, 1, 3), 0));
    expect(() => state.check(batch(1, 1, 2))).toThrow(InvalidProducerEpochError);
    expect(() => state.check(batch(1, 1, 2))).toThrow("producer 7 with epoch 2 is fenced: the current epoch is 3");
    expect(() => state.check(batch(5, 1, 4))).toThrow(OutOfOrderSequenceError);
    expect(state.check(batch(0, 1, 4))).toEqual({ kind: "append" });
    state.update(appended(batch(0, 1, 4), 1));
    expect(state.epochOf(7)).toBe(4);
  });

  it("wraps sequences after 2^31 - 1", () => {
    const state = new ProducerStateManager("t-0");
    state.update({ producerId: 1, producerEpoch: 0, baseSequence: 0x7fff_fffe, lastSequence: 0x7fff_ffff, firstOffset: 0, lastOffset: 1, logAppendTime: -1 });
    expect(state.check({ producerId: 1, producerEpoch: 0, baseSequence: 0, lastSequence: 4 })).toEqual({ kind: "append" });
  });
});
