// Which fetched batches a consumer hides, as Kafka's fetcher decides it: control
// batches always, and under read_committed the batches of aborted transactions.
// A pure function of the batches and the fetch's aborted-transaction list.

/** An aborted transaction as a fetch reports it: its producer and the offset of its first batch. */
export interface AbortedTransactionRange {
  readonly producerId: number;
  readonly firstOffset: number;
}

/** What the filter reads of a batch. */
export interface TransactionalBatchFacts {
  readonly lastOffset: number;
  readonly producerId: number;
  readonly isTransactional: boolean;
  readonly isControl: boolean;
}

/**
 * For each batch, in log order, whether the consumer skips its records. A
 * producer's transaction counts as aborted from the batch that reaches its
 * first offset until that producer's next control batch (its ABORT marker);
 * read_uncommitted fetches carry no aborted transactions, so only control
 * batches are skipped there.
 */
export function hiddenBatches(
  batches: readonly TransactionalBatchFacts[],
  abortedTransactions: readonly AbortedTransactionRange[],
): boolean[] {
  const aborted = [...abortedTransactions].sort((a, b) => a.firstOffset - b.firstOffset);
  const abortedProducers = new Set<number>();
  return batches.map((batch) => {
    while (aborted.length > 0 && aborted[0]!.firstOffset <= batch.lastOffset) abortedProducers.add(aborted.shift()!.producerId);
    if (batch.isControl) abortedProducers.delete(batch.producerId);
    return batch.isControl || (batch.isTransactional && abortedProducers.has(batch.producerId));
  });
}
