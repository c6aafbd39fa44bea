// An idempotent producer's sequence numbers: the producer id (and epoch) batches are encoded under, the next
// sequence per partition, the batches sent under an id, and KIP-360's answer when one of them fails.
// A plain object: responses and failures in, decisions out; the producer asks the broker for ids.

import type { LoglabError } from "../format/index.ts";
import { isFenced } from "./errors.ts";

/**
 * What a failed batch means for the producer:
 * - `fenced`: a newer producer with the same id or transactional.id took over; nothing more may be sent.
 * - `new-producer-id`: the sequences were reset; the next batch asks for a new producer id (idempotent producer).
 * - `bump-epoch-after-transaction`: the sequences reset when the transaction ends, under the next
 *   InitProducerId's bumped epoch (transactional producer).
 * - `none`: nothing to change (the batch was not sequenced, or its producer id was already replaced).
 */
export type BatchFailureDecision = "fenced" | "new-producer-id" | "bump-epoch-after-transaction" | "none";

/** Kafka's sequence numbers are int32 and wrap to 0. */
const SEQUENCE_MODULUS = 0x8000_0000;
const tpKey = (topic: string, partition: number) => `${topic}-${partition}`;

export class ProducerSequences<B extends object = object> {
  #producerId: number | null = null;
  readonly #nextSequence = new Map<string, number>();
  /** Each sequenced batch not yet delivered or failed, with the producer id its sequence belongs to. */
  readonly #sequenced = new Map<B, number>();
  /**
   * Set when a sequenced batch failed in a transaction: the broker will never
   * see its sequence numbers, so every later batch of that partition would be
   * out of order. The sequences restart when the transaction ends.
   */
  #broken = false;

  constructor(readonly transactional: boolean) {}

  /** The producer id batches are encoded under; null before the first batch and after a reset. */
  get producerId(): number | null {
    return this.#producerId;
  }

  /** Whether the sequences must restart when the transaction ends. */
  get broken(): boolean {
    return this.#broken;
  }

  /** InitProducerId answered (or its answer was reused): batches from now on are encoded under this id. */
  handleProducerId(producerId: number): void {
    this.#producerId = producerId;
  }

  /** Numbers a batch of `recordCount` records for its partition, encoded under `producerId`; returns its base sequence. */
  handleEncode(batch: B, producerId: number, topic: string, partition: number, recordCount: number): number {
    const key = tpKey(topic, partition);
    const baseSequence = this.#nextSequence.get(key) ?? 0;
    this.#nextSequence.set(key, (baseSequence + recordCount) % SEQUENCE_MODULUS);
    this.#sequenced.set(batch, producerId);
    return baseSequence;
  }

  /** The broker wrote the batch (or acks=0 sent it): its sequence needs nothing more. */
  handleDelivered(batch: B): void {
    this.#sequenced.delete(batch);
  }

  /**
   * A batch failed for good (retries or delivery.timeout.ms exhausted,
   * OutOfOrderSequence, UnknownProducerId, or a fatal error): the broker never
   * saw its sequence numbers, or saw only some of its attempts.
   */
  handleFailed(batch: B, error: LoglabError): BatchFailureDecision {
    const producerId = this.#sequenced.get(batch);
    this.#sequenced.delete(batch);
    if (isFenced(error)) return "fenced";
    // Only the id still in use: batches of an id already replaced change nothing.
    if (producerId === undefined || producerId !== this.#producerId) return "none";
    if (!this.transactional) {
      this.reset();
      return "new-producer-id";
    }
    this.#broken = true;
    return "bump-epoch-after-transaction";
  }

  /** The transaction ended; true if the sequences were broken and are reset (the next InitProducerId bumps the epoch). */
  handleTransactionEnded(): boolean {
    if (!this.#broken) return false;
    this.reset();
    return true;
  }

  /** Forgets the producer id and every sequence: the next batch starts at sequence 0 under a new id or epoch. */
  reset(): void {
    this.#producerId = null;
    this.#nextSequence.clear();
    this.#broken = false;
  }
}
