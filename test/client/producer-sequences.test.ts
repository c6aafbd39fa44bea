// An idempotent producer's sequences on their own: batches numbered per
// partition, retries that keep their numbers, and KIP-360's decisions when a
// batch fails (a new producer id, or a bumped epoch after the transaction),
// driven by hand with no broker and no scheduler.

import { describe, expect, it } from "vitest";
import { InvalidProducerEpochError, LoglabError, OutOfOrderSequenceError } from "../../src/index.ts";
import { ProducerSequences } from "../../src/client/producer-sequences.ts";
import { DeliveryTimeoutError } from "../../src/client/errors.ts";

const batch = (name: string) => ({ name });
const expired = () => new DeliveryTimeoutError(1, "t-0", 120_000, null);

describe("producer sequences", () => {
  it("number each partition's batches from 0, one sequence per record", () => {
    const seq = new ProducerSequences(false);
    seq.handleProducerId(7);
    expect(seq.handleEncode(batch("a"), 7, "t", 0, 3)).toBe(0);
    expect(seq.handleEncode(batch("b"), 7, "t", 0, 2)).toBe(3);
    expect(seq.handleEncode(batch("c"), 7, "t", 1, 1)).toBe(0);
    expect(seq.handleEncode(batch("d"), 7, "t", 0, 1)).toBe(5);
  });

  it("a retried batch keeps its sequence: only encoding takes a number, and a retry resends the same bytes", () => {
    const seq = new ProducerSequences(false);
    seq.handleProducerId(7);
    const a = batch("a");
    expect(seq.handleEncode(a, 7, "t", 0, 2)).toBe(0);
    // Two retries of `a` later, it is written: the next batch follows it.
    seq.handleDelivered(a);
    expect(seq.handleEncode(batch("b"), 7, "t", 0, 1)).toBe(2);
    expect(seq.producerId).toBe(7);
  });

  it("wrap to 0 after the largest int32", () => {
    const seq = new ProducerSequences(false);
    seq.handleProducerId(7);
    expect(seq.handleEncode(batch("a"), 7, "t", 0, 0x7fff_ffff)).toBe(0);
    expect(seq.handleEncode(batch("b"), 7, "t", 0, 2)).toBe(0x7fff_ffff);
    expect(seq.handleEncode(batch("c"), 7, "t", 0, 1)).toBe(1);
  });

  it("an idempotent producer whose batch expired takes a new producer id and restarts at sequence 0", () => {
    const seq = new ProducerSequences(false);
    seq.handleProducerId(7);
    const lost = batch("lost");
    seq.handleEncode(lost, 7, "t", 0, 4);
    expect(seq.handleFailed(lost, expired())).toBe("new-producer-id");
    expect(seq.producerId).toBeNull();
    seq.handleProducerId(8);
    expect(seq.handleEncode(batch("next"), 8, "t", 0, 1)).toBe(0);
  });

  it("OutOfOrderSequence on the id in use resets the sequences as well", () => {
    const seq = new ProducerSequences(false);
    seq.handleProducerId(7);
    const b = batch("b");
    seq.handleEncode(b, 7, "t", 0, 1);
    expect(seq.handleFailed(b, new OutOfOrderSequenceError(7, "t-0", 5, 0))).toBe("new-producer-id");
  });

  it("a failure of a batch sent under an id already replaced changes nothing", () => {
    const seq = new ProducerSequences(false);
    seq.handleProducerId(7);
    const old1 = batch("old1");
    const old2 = batch("old2");
    seq.handleEncode(old1, 7, "t", 0, 1);
    seq.handleEncode(old2, 7, "t", 0, 1);
    expect(seq.handleFailed(old1, expired())).toBe("new-producer-id");
    seq.handleProducerId(8);
    expect(seq.handleEncode(batch("new"), 8, "t", 0, 1)).toBe(0);
    expect(seq.handleFailed(old2, expired())).toBe("none");
    expect(seq.producerId).toBe(8);
    expect(seq.handleEncode(batch("newer"), 8, "t", 0, 1)).toBe(1);
  });

  it("a batch that failed before it was numbered changes nothing", () => {
    const seq = new ProducerSequences(false);
    seq.handleProducerId(7);
    seq.handleEncode(batch("a"), 7, "t", 0, 1);
    expect(seq.handleFailed(batch("never encoded"), new LoglabError("UNKNOWN_SERVER_ERROR", "no producer id"))).toBe("none");
    expect(seq.handleEncode(batch("b"), 7, "t", 0, 1)).toBe(1);
  });

  it("a transactional producer keeps its sequences until the transaction ends, then restarts them under a bumped epoch", () => {
    const seq = new ProducerSequences(true);
    seq.handleProducerId(7);
    const lost = batch("lost");
    seq.handleEncode(lost, 7, "t", 0, 1);
    expect(seq.handleFailed(lost, expired())).toBe("bump-epoch-after-transaction");
    expect(seq.broken).toBe(true);
    expect(seq.producerId).toBe(7);
    expect(seq.handleTransactionEnded()).toBe(true);
    expect(seq.broken).toBe(false);
    expect(seq.producerId).toBeNull();
    seq.handleProducerId(7); // the same id at the next epoch
    expect(seq.handleEncode(batch("next"), 7, "t", 0, 1)).toBe(0);
    expect(seq.handleTransactionEnded()).toBe(false);
  });

  it("a newer epoch fences the producer, whatever the batch", () => {
    const seq = new ProducerSequences(true);
    seq.handleProducerId(7);
    const b = batch("b");
    seq.handleEncode(b, 7, "t", 0, 1);
    expect(seq.handleFailed(b, new InvalidProducerEpochError(7, 0, 1))).toBe("fenced");
    expect(seq.broken).toBe(false);
    expect(seq.handleFailed(batch("unnumbered"), new InvalidProducerEpochError(7, 0, 1))).toBe("fenced");
  });
});
