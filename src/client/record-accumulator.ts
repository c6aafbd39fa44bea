// The producer's batches, as Kafka's RecordAccumulator keeps them: a record joins its partition's open batch,
// which closes at batch.size or at its linger.ms deadline and then waits, in order, for its partition's turn
// (one batch per partition in flight). A plain object: the caller owns the clock, the timers and the sending.

export interface AccumulatorLimits {
  /** batch.size: a batch closes once its records reach this many bytes. */
  readonly batchSizeBytes: number;
  /** linger.ms: how long a batch stays open for more records. */
  readonly lingerMs: number;
}

export interface AccumulatedBatch<R> {
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly R[];
  /** The records' estimated size, compared with batch.size. */
  readonly bytes: number;
  readonly createdMs: number;
  /** When linger.ms closes the batch, unless batch.size closes it first. */
  readonly deadlineMs: number;
}

export interface AppendOutcome<R> {
  /** The batch the record joined. */
  readonly batch: AccumulatedBatch<R>;
  /** The record opened the batch: its linger deadline starts now. */
  readonly created: boolean;
  /** The record filled the batch to batch.size: it is closed and queued to send. */
  readonly closed: boolean;
}

interface Batch<R> extends AccumulatedBatch<R> {
  readonly records: R[];
  bytes: number;
}

const tpKey = (topic: string, partition: number) => `${topic}-${partition}`;

export class RecordAccumulator<R> {
  /** The batch still accepting records, per partition. */
  readonly #open = new Map<string, Batch<R>>();
  /** Closed batches waiting to be sent, in order, per partition. */
  readonly #ready = new Map<string, Batch<R>[]>();
  /** Partitions with a batch being sent. */
  readonly #inFlight = new Set<string>();
  /** The sticky partitioner's choice per topic, kept until that partition's batch closes. */
  readonly #sticky = new Map<string, number>();

  constructor(readonly limits: AccumulatorLimits) {}

  /** The partition unkeyed records of `topic` stick to, if one is chosen. */
  stickyPartition(topic: string): number | undefined {
    return this.#sticky.get(topic);
  }

  /** Sticks unkeyed records of `topic` to `partition` until its open batch closes. */
  stick(topic: string, partition: number): void {
    this.#sticky.set(topic, partition);
  }

  /** Adds a record of `sizeBytes` to its partition's open batch, opening one if there is none. */
  handleAppend(topic: string, partition: number, record: R, sizeBytes: number, nowMs: number): AppendOutcome<R> {
    const key = tpKey(topic, partition);
    let batch = this.#open.get(key);
    const created = batch === undefined;
    if (batch === undefined) {
      batch = { topic, partition, records: [], bytes: 0, createdMs: nowMs, deadlineMs: nowMs + this.limits.lingerMs };
      this.#open.set(key, batch);
    }
    batch.records.push(record);
    batch.bytes += sizeBytes;
    const closed = batch.bytes >= this.limits.batchSizeBytes && this.close(batch);
    return { batch, created, closed };
  }

  /** Closes a batch to new records and queues it to send; false if it was not open. */
  close(batch: AccumulatedBatch<R>): boolean {
    const key = tpKey(batch.topic, batch.partition);
    const open = this.#open.get(key);
    if (open !== batch) return false;
    this.#open.delete(key);
    if (this.#sticky.get(batch.topic) === batch.partition) this.#sticky.delete(batch.topic);
    const queue = this.#ready.get(key) ?? [];
    queue.push(open);
    this.#ready.set(key, queue);
    return true;
  }

  /** The open batches, oldest first (a flush closes each). */
  openBatches(): AccumulatedBatch<R>[] {
    return [...this.#open.values()];
  }

  /** Closes every open batch whose linger deadline has come; returns them, oldest first. */
  pollReady(nowMs: number): AccumulatedBatch<R>[] {
    return this.openBatches().filter((batch) => batch.deadlineMs <= nowMs && this.close(batch));
  }

  /** The earliest linger deadline of an open batch, or null when none is open. */
  nextDeadlineMs(): number | null {
    let earliest: number | null = null;
    for (const batch of this.#open.values()) if (earliest === null || batch.deadlineMs < earliest) earliest = batch.deadlineMs;
    return earliest;
  }

  /**
   * The partition's next batch to send, unless one of its batches is already
   * being sent; the partition then has a batch in flight until `handleSent`.
   */
  pollSend(topic: string, partition: number): AccumulatedBatch<R> | undefined {
    const key = tpKey(topic, partition);
    if (this.#inFlight.has(key)) return undefined;
    const batch = this.#ready.get(key)?.shift();
    if (batch !== undefined) this.#inFlight.add(key);
    return batch;
  }

  /** The partition's batch in flight was delivered or failed: its next may be sent. */
  handleSent(topic: string, partition: number): void {
    this.#inFlight.delete(tpKey(topic, partition));
  }
}
