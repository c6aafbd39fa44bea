// What a partition remembers of each idempotent producer: its epoch and the
// sequence ranges and offsets of its last five batches (Kafka's
// ProducerStateManager). A pure state machine: the broker asks it to check a
// batch before appending and tells it what was appended.

import { InvalidProducerEpochError, OutOfOrderSequenceError } from "./errors.ts";

/** Kafka keeps this many batches per producer: max.in.flight.requests.per.connection. */
export const PRODUCER_BATCHES_REMEMBERED = 5;
const INT32_MAX = 0x7fff_ffff;

export interface BatchSequence {
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  /** baseSequence + lastOffsetDelta, wrapping after INT32_MAX as Kafka's sequences do. */
  readonly lastSequence: number;
}

export interface AppendedBatch extends BatchSequence {
  readonly firstOffset: number;
  readonly lastOffset: number;
  readonly logAppendTime: number;
}

/** What the state says of a batch about to be appended. */
export type SequenceCheck =
  | { readonly kind: "append" }
  /** The batch is a retry of one already in the log: answer with its original offsets. */
  | { readonly kind: "duplicate"; readonly original: AppendedBatch };

interface ProducerEntry {
  epoch: number;
  /** Oldest first, at most PRODUCER_BATCHES_REMEMBERED. */
  batches: AppendedBatch[];
}

/** The sequence after `sequence`, wrapping to 0 after INT32_MAX. */
export function nextSequence(sequence: number): number {
  return sequence === INT32_MAX ? 0 : sequence + 1;
}

export function lastSequenceOf(baseSequence: number, lastOffsetDelta: number): number {
  const last = baseSequence + lastOffsetDelta;
  return last > INT32_MAX ? last - INT32_MAX - 1 : last;
}

export class ProducerStateManager {
  readonly #producers = new Map<number, ProducerEntry>();

  constructor(readonly topicPartition: string) {}

  /**
   * Checks a batch against what the producer sent before: a retry of one of
   * its last five batches is a duplicate; an older epoch is fenced; anything
   * but the next sequence (or sequence 0 under a new epoch) is out of order.
   */
  check(batch: BatchSequence): SequenceCheck {
    const entry = this.#producers.get(batch.producerId);
    if (entry === undefined) {
      // A producer this partition has not seen starts at sequence 0.
      if (batch.baseSequence !== 0) throw new OutOfOrderSequenceError(batch.producerId, this.topicPartition, 0, batch.baseSequence);
      return { kind: "append" };
    }
    if (batch.producerEpoch < entry.epoch) throw new InvalidProducerEpochError(batch.producerId, batch.producerEpoch, entry.epoch);
    if (batch.producerEpoch > entry.epoch) {
      if (batch.baseSequence !== 0) throw new OutOfOrderSequenceError(batch.producerId, this.topicPartition, 0, batch.baseSequence);
      return { kind: "append" };
    }
    const original = entry.batches.find((b) => b.baseSequence === batch.baseSequence && b.lastSequence === batch.lastSequence);
    if (original !== undefined) return { kind: "duplicate", original };
    const expected = nextSequence(entry.batches.at(-1)?.lastSequence ?? -1);
    if (batch.baseSequence !== expected) throw new OutOfOrderSequenceError(batch.producerId, this.topicPartition, expected, batch.baseSequence);
    return { kind: "append" };
  }

  /** Records an appended batch (also used to rebuild the state from the log). */
  update(batch: AppendedBatch): void {
    const entry = this.#producers.get(batch.producerId);
    if (entry === undefined || batch.producerEpoch > entry.epoch) {
      this.#producers.set(batch.producerId, { epoch: batch.producerEpoch, batches: [batch] });
      return;
    }
    entry.batches.push(batch);
    if (entry.batches.length > PRODUCER_BATCHES_REMEMBERED) entry.batches.shift();
  }

  /**
   * A transaction marker written with `epoch`: from now on older epochs of the
   * producer are fenced here, and a newer one starts its sequences at 0.
   */
  fence(producerId: number, epoch: number): void {
    const entry = this.#producers.get(producerId);
    if (entry === undefined || epoch > entry.epoch) this.#producers.set(producerId, { epoch, batches: [] });
  }

  /** The epoch this partition last saw from `producerId`, if any. */
  epochOf(producerId: number): number | undefined {
    return this.#producers.get(producerId)?.epoch;
  }

  get producerIds(): number[] {
    return [...this.#producers.keys()];
  }
}
