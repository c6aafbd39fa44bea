// What a partition knows of transactions (Kafka's producer state and .txnindex):
// which producers have a transaction open here and from which offset — the
// smallest of those is the last stable offset, up to which read_committed
// consumers may read — and which ranges ended in an ABORT marker, so that
// fetches can tell those consumers what to skip.

/** A transaction that ended in ABORT: its records from firstOffset up to the marker at lastOffset are void. */
export interface AbortedTransaction {
  readonly producerId: number;
  readonly firstOffset: number;
  /** The offset of the ABORT marker. */
  readonly lastOffset: number;
}

export class PartitionTransactions {
  /** producerId → first offset of its open transaction in this partition. */
  readonly #open = new Map<number, number>();
  /** In marker order. */
  readonly #aborted: AbortedTransaction[] = [];

  /** A transactional batch from `producerId` starting at `baseOffset` was appended. */
  transactionalBatch(producerId: number, baseOffset: number): void {
    if (!this.#open.has(producerId)) this.#open.set(producerId, baseOffset);
  }

  /** A COMMIT or ABORT marker from `producerId` was appended at `markerOffset`. */
  marker(producerId: number, markerOffset: number, commit: boolean): void {
    const firstOffset = this.#open.get(producerId);
    this.#open.delete(producerId);
    if (!commit && firstOffset !== undefined) this.#aborted.push({ producerId, firstOffset, lastOffset: markerOffset });
  }

  hasOpenTransaction(producerId: number): boolean {
    return this.#open.has(producerId);
  }

  /** Below this offset every transaction has ended; never above the high watermark. */
  lastStableOffset(highWatermark: number): number {
    let stable = highWatermark;
    for (const firstOffset of this.#open.values()) stable = Math.min(stable, firstOffset);
    return stable;
  }

  /** Aborted transactions that overlap [fromOffset, toOffset). */
  abortedBetween(fromOffset: number, toOffset: number): AbortedTransaction[] {
    return this.#aborted.filter((t) => t.lastOffset >= fromOffset && t.firstOffset < toOffset);
  }
}
