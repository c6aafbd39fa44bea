// Which transactions are open in a partition's log, batch by batch, and the
// .txnindex entry each ABORT marker makes: a plain state machine the log
// drives on append and replays from its batches after a recovery.

import { type BatchHeader, CONTROL_TYPE_ABORT, CONTROL_TYPE_COMMIT, controlRecordType, decodeBatches } from "../format/index.ts";
import type { AbortedTxn } from "./transaction-index.ts";

/** A control record's key: version int16, type int16. */
const CONTROL_KEY_BYTES = 4;

export class TransactionTracker {
  /** producerId → first offset of its open transaction (Kafka's ongoingTxns). */
  readonly #open = new Map<number, number>();

  /**
   * Takes one batch (header and bytes; `baseOffset` when the log assigns it on
   * append) in log order; returns the
   * .txnindex entry when it is an ABORT marker that ends a transaction with
   * records in this partition (a marker of an empty transaction makes none,
   * as in Kafka).
   */
  batch(header: BatchHeader, bytes: Uint8Array, baseOffset: number = header.baseOffset): AbortedTxn | null {
    if (header.producerId < 0 || !header.isTransactional) return null;
    if (!header.isControl) {
      if (!this.#open.has(header.producerId)) this.#open.set(header.producerId, baseOffset);
      return null;
    }
    const type = markerType(bytes);
    return type === null ? null : this.marker(header.producerId, baseOffset, type === CONTROL_TYPE_COMMIT);
  }

  /** A COMMIT or ABORT marker of `producerId` at `offset`. */
  marker(producerId: number, offset: number, commit: boolean): AbortedTxn | null {
    const firstOffset = this.#open.get(producerId);
    if (firstOffset === undefined) return null;
    this.#open.delete(producerId);
    if (commit) return null;
    // Kafka's ProducerStateManager.lastStableOffset: the oldest transaction still open, else just past the marker.
    let lastStableOffset = offset + 1;
    for (const other of this.#open.values()) lastStableOffset = Math.min(lastStableOffset, other);
    return { producerId, firstOffset, lastOffset: offset, lastStableOffset };
  }

  /** Below this every transaction has ended (at most `logEndOffset`). */
  firstUnstableOffset(logEndOffset: number): number {
    let stable = logEndOffset;
    for (const firstOffset of this.#open.values()) stable = Math.min(stable, firstOffset);
    return stable;
  }
}

/**
 * COMMIT or ABORT for a control batch holding a marker; null for an empty
 * batch, another control type, or a key too short to name one (the batch is
 * stored by then: it is simply no marker).
 */
function markerType(bytes: Uint8Array): typeof CONTROL_TYPE_ABORT | typeof CONTROL_TYPE_COMMIT | null {
  const key = decodeBatches(bytes)[0]?.records[0]?.key ?? null;
  if (key === null || key.length < CONTROL_KEY_BYTES) return null;
  const type = controlRecordType(key);
  return type === CONTROL_TYPE_ABORT || type === CONTROL_TYPE_COMMIT ? type : null;
}
