// The producer, as Kafka users know it: send() routes each record to a
// partition, batches accumulate per partition until batch.size or linger.ms,
// and one request per partition is in flight at a time, retried on retriable
// errors until delivery.timeout.ms. With idempotence, every batch carries the
// producer id and a per-partition sequence, so a retry after a lost answer is
// recognised by the broker instead of written twice. The decisions are three
// plain cores (RecordAccumulator: batches; ProducerSequences: sequences and
// KIP-360; TransactionState: what may be called); this class sends the
// requests and keeps the timers. All waiting goes through the injected
// Scheduler; all randomness through the injected Random.

import type { Acks } from "../broker/index.ts";
import { type BytesInput, checkRecordInput, encodeBatch, InvalidRecordError, LoglabError, type RecordInput } from "../format/index.ts";
import { UnknownTopicOrPartitionError } from "../log/index.ts";
import { partitionFor } from "../partitioner/index.ts";
import { type Random, type Scheduler, sleep, type Timer } from "../runtime/index.ts";
import { asLoglabError, ClientClosedError, DeliveryTimeoutError, IllegalStateError, isFenced, RequestTimedOutError } from "./errors.ts";
import { type ProducerConfig, type ResolvedProducerConfig, resolveProducerConfig } from "./producer-config.ts";
import { ProducerSequences } from "./producer-sequences.ts";
import { type AccumulatedBatch, RecordAccumulator } from "./record-accumulator.ts";
import { retryRequest } from "./request-retry.ts";
import { TransactionState } from "./transaction-state.ts";
import type { BrokerTransport } from "./transport.ts";

/** A record to send: key, value, headers and timestamp (the scheduler's now by default). */
export interface ProducerMessage extends Omit<RecordInput, "offsetDelta"> {
  /** Send to this partition instead of letting the partitioner choose. */
  readonly partition?: number;
}

export interface ProducerRecord {
  readonly topic: string;
  readonly messages: readonly ProducerMessage[];
}

export interface RecordMetadata {
  readonly topic: string;
  readonly partition: number;
  /** -1 under acks=0, where the broker's answer is not awaited. */
  readonly offset: number;
  readonly timestamp: number;
}

/**
 * A transaction in progress (kafkajs's shape): everything sent through it commits or aborts together. Once its
 * commit() or abort() has been called, every call on it fails with TransactionEndedError, save one: abort() after a
 * commit() that failed and aborted the transaction instead resolves, so `catch { await txn.abort() }` works.
 */
export interface Transaction {
  send(record: ProducerRecord): Promise<RecordMetadata[]>;
  /** Commits the consumer group's offsets (each the next to read) if, and only if, the transaction commits. */
  sendOffsets(offsets: { readonly consumerGroupId: string; readonly offsets: readonly { topic: string; partition: number; offset: number }[] }): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

export interface ClientRuntime {
  readonly scheduler: Scheduler;
  readonly random: Random;
}

interface PendingRecord {
  readonly input: RecordInput;
  readonly resolve: (metadata: RecordMetadata) => void;
  readonly reject: (error: LoglabError) => void;
}

type Batch = AccumulatedBatch<PendingRecord>;

const encoder = new TextEncoder();
const tpKey = (topic: string, partition: number) => `${topic}-${partition}`;
const TIMED_OUT = Symbol("timed out");

export class Producer {
  readonly config: ResolvedProducerConfig;
  readonly #partitionCounts = new Map<string, Promise<number>>();
  readonly #accumulator: RecordAccumulator<PendingRecord>;
  /** Each open batch's linger.ms timer (one per batch, armed when it opens). */
  readonly #lingerTimers = new Map<Batch, Timer>();
  /**
   * Sequence numbers and KIP-360's recovery: after a sequenced batch fails,
   * the producer takes a new producer id (epoch) and restarts its sequences —
   * at once when idempotent, after the transaction ends when transactional.
   */
  readonly #sequences: ProducerSequences<Batch>;
  /** What the application may call now; a fenced producer (a newer one has its transactional.id) may do nothing more. */
  readonly #transactionState = new TransactionState();
  /** InitProducerId, asked once per producer id (again after the sequences reset). */
  #producerId: Promise<{ producerId: number; producerEpoch: number }> | null = null;
  readonly #unsettled = new Set<Promise<unknown>>();
  #closed = false;
  /** The close in progress or done. */
  #closing: Promise<void> | null = null;
  /** The open transaction's partitions, each added to it (AddPartitionsToTxn) before its first batch is sent. */
  readonly #addedPartitions = new Map<string, Promise<void>>();
  /** Whether the open transaction asked the coordinator for anything (a partition or offsets), so that EndTxn must end it there. */
  #transactionStarted = false;

  constructor(
    private readonly transport: BrokerTransport,
    private readonly runtime: ClientRuntime,
    config: ProducerConfig = {},
  ) {
    this.config = resolveProducerConfig(config);
    this.#accumulator = new RecordAccumulator({ batchSizeBytes: this.config.batchSize, lingerMs: this.config.lingerMs });
    this.#sequences = new ProducerSequences(this.config.transactionalId !== null);
  }

  /**
   * Sends the messages; resolves with each one's metadata once the broker has
   * it (per acks). A message that is not a valid record, or names a partition
   * the topic does not have, fails the whole send at once, before any of its
   * messages is batched.
   */
  async send(record: ProducerRecord): Promise<RecordMetadata[]> {
    if (this.#closed) throw new ClientClosedError("producer");
    if (this.config.transactionalId !== null) this.#transactionState.checkSend();
    return this.#send(record);
  }

  #send(record: ProducerRecord): Promise<RecordMetadata[]> {
    // Counted as unsettled from the call on, not from when its topic's metadata arrives:
    // a flush or a transaction's commit called right after send() must wait for it.
    const all = this.#appendAll(record);
    this.#unsettled.add(all);
    void all.catch(() => undefined).finally(() => this.#unsettled.delete(all));
    return all;
  }

  async #appendAll(record: ProducerRecord): Promise<RecordMetadata[]> {
    if (this.#closed) throw new ClientClosedError("producer");
    this.#transactionState.checkAppend();
    const highestPartition = checkProducerRecord(record);
    let partitionCount = await this.#partitionCount(record.topic);
    if (highestPartition >= partitionCount) {
      // The topic may have grown since its metadata was cached: ask once more, then fail
      // at once (retrying cannot make a partition appear, and Kafka's wait ends in a timeout).
      this.#partitionCounts.delete(record.topic);
      partitionCount = await this.#partitionCount(record.topic);
      if (highestPartition >= partitionCount) throw new UnknownTopicOrPartitionError(record.topic, highestPartition, partitionCount);
    }
    return Promise.all(record.messages.map((message) => this.#append(record.topic, message, partitionCount)));
  }

  #partitionCount(topic: string): Promise<number> {
    let count = this.#partitionCounts.get(topic);
    if (count === undefined) {
      count = this.#retry(`metadata for ${topic}`, this.#blockDeadlineMs(), () => this.transport.metadata([topic])).then(({ topics }) => {
        const answer = topics[0]!;
        if (answer.error !== null) throw answer.error;
        return answer.partitions;
      }).catch((error: unknown) => { throw asLoglabError(error); });
      count.catch(() => this.#partitionCounts.delete(topic));
      this.#partitionCounts.set(topic, count);
    }
    return count;
  }

  #choosePartition(topic: string, message: ProducerMessage, partitionCount: number): number {
    if (message.partition !== undefined) return message.partition;
    const key = message.key == null ? null : typeof message.key === "string" ? encoder.encode(message.key) : message.key;
    if (key !== null || this.config.partitioner !== "murmur2") return partitionFor(this.config.partitioner, key, partitionCount, this.runtime.random);
    // Java's default for records without a key: stick to one partition until its batch closes.
    let sticky = this.#accumulator.stickyPartition(topic);
    if (sticky === undefined) this.#accumulator.stick(topic, (sticky = this.runtime.random.nextInt(partitionCount)));
    return sticky;
  }

  #append(topic: string, message: ProducerMessage, partitionCount: number): Promise<RecordMetadata> {
    const partition = this.#choosePartition(topic, message, partitionCount);
    const nowMs = this.runtime.scheduler.nowMs();
    let record!: PendingRecord;
    const result = new Promise<RecordMetadata>((resolve, reject) => {
      record = {
        input: { key: message.key ?? null, value: message.value, headers: message.headers ?? [], timestamp: message.timestamp ?? nowMs },
        resolve, reject,
      };
    });
    const appended = this.#accumulator.handleAppend(topic, partition, record, sizeOf(message.key) + sizeOf(message.value) + 16, nowMs);
    const batch = appended.batch;
    // One timer per batch, armed as it opens: the order of timers is part of a simulated run's trace.
    if (appended.created) this.#lingerTimers.set(batch, this.runtime.scheduler.setTimer(this.config.lingerMs, () => this.#close(batch)));
    if (appended.closed) this.#sendClosed(batch);
    return result;
  }

  /** Closes a batch to new records (at its linger deadline, or on flush) and sends it in its turn. */
  #close(batch: Batch): void {
    if (this.#accumulator.close(batch)) this.#sendClosed(batch);
  }

  #sendClosed(batch: Batch): void {
    this.#lingerTimers.get(batch)?.cancel();
    this.#lingerTimers.delete(batch);
    void this.#drain(batch.topic, batch.partition);
  }

  /** Sends a partition's ready batches one at a time, in order. */
  async #drain(topic: string, partition: number): Promise<void> {
    const batch = this.#accumulator.pollSend(topic, partition);
    if (batch === undefined) return;
    try {
      await this.#deliver(batch);
    } catch (error) {
      // Nobody awaits a drain: whatever went wrong is the batch's outcome, not an unhandled rejection.
      this.#fail(batch, asLoglabError(error));
    } finally {
      this.#accumulator.handleSent(topic, partition);
      void this.#drain(topic, partition);
    }
  }

  async #deliver(batch: Batch): Promise<void> {
    let bytes: Uint8Array;
    try {
      bytes = await this.#encode(batch);
    } catch (error) {
      // No answer from the coordinator before the batch's delivery.timeout.ms: the batch expires, as Kafka's do.
      const failed = asLoglabError(error);
      if (!(failed instanceof RequestTimedOutError)) return this.#fail(batch, failed);
      const elapsed = this.runtime.scheduler.nowMs() - batch.createdMs;
      return this.#fail(batch, new DeliveryTimeoutError(batch.records.length, tpKey(batch.topic, batch.partition), elapsed, failed));
    }
    const acks: Acks = this.config.acks;
    let lastError: LoglabError | null = null;
    for (let attempt = 0; ; attempt++) {
      const request = this.transport.produce({ acks, partitions: [{ topic: batch.topic, partition: batch.partition, records: bytes }] });
      if (acks === 0) {
        // Fire and forget: nothing comes back, and nothing is known.
        request.catch(() => undefined);
        return this.#succeed(batch, -1, -1);
      }
      // delivery.timeout.ms bounds the whole delivery, the attempt in flight included.
      const remainingMs = batch.createdMs + this.config.deliveryTimeoutMs - this.runtime.scheduler.nowMs();
      // A transport may fail the request itself (a closed broker, a broken channel): that is this batch's
      // error, to retry or report like any other, never a rejection that escapes the producer.
      const answer = await this.#withTimeout(request, Math.min(this.config.requestTimeoutMs, remainingMs))
        .catch((error: unknown) => failedAnswer(asLoglabError(error)));
      const error = answer === TIMED_OUT
        ? new RequestTimedOutError(this.config.requestTimeoutMs, `produce to ${tpKey(batch.topic, batch.partition)}`)
        : answer.partitions[0]!.error;
      if (error === null && answer !== TIMED_OUT) return this.#succeed(batch, answer.partitions[0]!.baseOffset, answer.partitions[0]!.logAppendTime);
      lastError = error;
      const elapsed = this.runtime.scheduler.nowMs() - batch.createdMs;
      if (!error!.retriable || attempt >= this.config.retries) {
        return this.#fail(batch, elapsed >= this.config.deliveryTimeoutMs
          ? new DeliveryTimeoutError(batch.records.length, tpKey(batch.topic, batch.partition), elapsed, lastError)
          : error!);
      }
      if (elapsed + this.config.retryBackoffMs >= this.config.deliveryTimeoutMs) {
        return this.#fail(batch, new DeliveryTimeoutError(batch.records.length, tpKey(batch.topic, batch.partition), elapsed, lastError));
      }
      await this.#sleep(this.config.retryBackoffMs);
    }
  }

  /** Encodes a batch once; retries resend the same bytes, sequence included. */
  async #encode(batch: Batch): Promise<Uint8Array> {
    const records = batch.records.map((r) => r.input);
    const options = { compression: this.config.compressionType };
    if (!this.config.idempotent) return encodeBatch({ records }, options);
    const { producerId, producerEpoch } = await this.#initProducerId();
    this.#sequences.handleProducerId(producerId);
    const transactional = this.config.transactionalId !== null;
    if (transactional) await this.#addToTransaction(batch, producerId, producerEpoch);
    const baseSequence = this.#sequences.handleEncode(batch, producerId, batch.topic, batch.partition, records.length);
    return encodeBatch({ records, producerId, producerEpoch, baseSequence, isTransactional: transactional }, options);
  }

  #initProducerId(): Promise<{ producerId: number; producerEpoch: number }> {
    if (this.#producerId === null) {
      // Each attempt the coordinator carries out bumps the epoch; the one whose answer arrives is the latest.
      const asked = this.#retry("InitProducerId", this.#blockDeadlineMs(), () => this.transport.initProducerId(this.config.transactionalId ?? undefined));
      // Failed, it is asked again by the next caller.
      asked.catch(() => { if (this.#producerId === asked) this.#producerId = null; });
      this.#producerId = asked;
    }
    return this.#producerId;
  }

  /** A request retried until it is answered, or until `deadlineMs` (the scheduler's time): then it fails, typed. */
  #retry<T>(what: string, deadlineMs: number, send: () => Promise<T>): Promise<T> {
    const { requestTimeoutMs, retryBackoffMs } = this.config;
    return retryRequest(this.runtime.scheduler, { requestTimeoutMs, retryBackoffMs, deadlineMs }, what, send);
  }

  /** Until when a call that waits on the coordinator may block (max.block.ms from now). */
  #blockDeadlineMs(): number {
    return this.runtime.scheduler.nowMs() + this.config.maxBlockMs;
  }

  /** AddPartitionsToTxn, once per partition per transaction. */
  #addToTransaction(batch: Batch, producerId: number, producerEpoch: number): Promise<void> {
    this.#transactionState.checkAddPartitions();
    const key = tpKey(batch.topic, batch.partition);
    let added = this.#addedPartitions.get(key);
    if (added === undefined) {
      this.#transactionStarted = true;
      // Retried within the batch's delivery.timeout.ms; adding a partition twice is harmless.
      added = this.#retry(`AddPartitionsToTxn for ${key}`, batch.createdMs + this.config.deliveryTimeoutMs, () => this.transport.addPartitionsToTxn({
        transactionalId: this.config.transactionalId!, producerId, producerEpoch,
        partitions: [{ topic: batch.topic, partition: batch.partition }],
      }));
      this.#addedPartitions.set(key, added);
    }
    return added;
  }

  /**
   * Initialises the transactional id (fencing any older producer with it and
   * aborting what it left open) and opens a transaction.
   */
  async transaction(): Promise<Transaction> {
    if (this.#closed) throw new ClientClosedError("producer");
    const transactionalId = this.config.transactionalId;
    if (transactionalId === null) throw new IllegalStateError("transaction() needs transactional.id");
    this.#transactionState.checkBegin();
    const { producerId, producerEpoch } = await this.#initProducerId();
    this.#transactionState.handleInitialized();
    const ticket = this.#transactionState.handleBegin();
    this.#addedPartitions.clear();
    this.#transactionStarted = false;
    const request = { transactionalId, producerId, producerEpoch };
    const end = async (commit: boolean): Promise<void> => {
      if (this.#closed) throw new ClientClosedError("producer");
      // From here this handle takes nothing more: a second end, or a send meant for this transaction, fails.
      if (this.#transactionState.handleEndCalled(ticket, commit) === "already-aborted") return;
      const sends = [...this.#unsettled];
      this.#closeOpenBatches();
      const outcomes = await Promise.allSettled(sends);
      const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === "rejected");
      // A transaction whose records (or offsets) did not all arrive cannot commit.
      const cause = failure?.reason ?? this.#transactionState.abortableError;
      const commits = this.#transactionState.handleEnd(commit, failure !== undefined);
      let ended = false;
      try {
        // A transaction that asked the coordinator for nothing has nothing to end there, as in Kafka's client.
        if (this.#transactionStarted) await this.#endAtCoordinator(request, commits, cause !== null && cause !== undefined);
        ended = true;
      } finally {
        this.#transactionState.handleEnded();
        // The next transaction's InitProducerId bumps the epoch, which restarts the sequences. When EndTxn's
        // outcome is unknown, that InitProducerId also has the coordinator finish this transaction (KIP-360).
        const broken = this.#sequences.handleTransactionEnded();
        if (!ended) this.#sequences.reset();
        if (broken || !ended) this.#producerId = null;
      }
      if (commit && !commits && cause !== null) {
        ticket.abortedInsteadOfCommit = true;
        throw cause;
      }
    };
    return {
      send: async (record) => {
        this.#transactionState.checkHandle(ticket, "send");
        return this.#send(record);
      },
      sendOffsets: async ({ consumerGroupId, offsets }) => {
        if (this.#closed) throw new ClientClosedError("producer");
        this.#transactionState.checkHandle(ticket, "sendOffsets");
        this.#transactionStarted = true;
        // Retrying is harmless: the coordinator holds the same offsets twice.
        const sent = this.#fenceOn(this.#retry(`AddOffsetsToTxn for group ${consumerGroupId}`, this.#blockDeadlineMs(),
          () => this.transport.addOffsetsToTxn({ ...request, offsets: { groupId: consumerGroupId, offsets } })));
        // Offsets that may not be in the transaction cannot commit with it; commit() waits for them.
        this.#unsettled.add(sent);
        void sent.catch((error: unknown) => this.#transactionState.handleAbortableError(asLoglabError(error))).finally(() => this.#unsettled.delete(sent));
        return sent;
      },
      commit: () => end(true),
      abort: () => end(false),
    };
  }

  /**
   * Ends the open transaction at its coordinator. One that failed (a batch or its offsets) is aborted by the
   * next epoch instead: InitProducerId has the coordinator write the ABORT markers under it, so a batch of this
   * transaction still on its way (an attempt whose answer never came) is fenced where it lands, rather than
   * opening a transaction nobody ends (KIP-890's hanging transaction). The producer goes on under that epoch.
   * A fenced producer never takes a new epoch: it sends EndTxn, and the coordinator refuses it.
   */
  async #endAtCoordinator(request: { transactionalId: string; producerId: number; producerEpoch: number }, commits: boolean, failed: boolean): Promise<void> {
    if (!failed || this.#transactionState.fatalError !== null) {
      await this.#fenceOn(this.#retry(`EndTxn (${commits ? "commit" : "abort"})`, this.#blockDeadlineMs(), () => this.transport.endTxn({ ...request, commit: commits })));
      return;
    }
    this.#sequences.reset();
    this.#producerId = null;
    await this.#initProducerId();
  }

  /** Remembers that the producer was fenced, so that it refuses everything after. */
  async #fenceOn<T>(request: Promise<T>): Promise<T> {
    try {
      return await request;
    } catch (error) {
      if (isFenced(error)) this.#transactionState.handleFenced(error);
      throw error;
    }
  }

  #closeOpenBatches(): void {
    for (const batch of this.#accumulator.openBatches()) this.#close(batch);
  }

  #withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T | typeof TIMED_OUT> {
    return new Promise((resolve, reject) => {
      const timer = this.runtime.scheduler.setTimer(timeoutMs, () => resolve(TIMED_OUT));
      promise.then(
        (value) => { timer.cancel(); resolve(value); },
        (error) => { timer.cancel(); reject(error); },
      );
    });
  }

  #sleep(ms: number): Promise<void> {
    return sleep(this.runtime.scheduler, ms);
  }

  #succeed(batch: Batch, baseOffset: number, logAppendTime: number): void {
    this.#sequences.handleDelivered(batch);
    batch.records.forEach((record, i) => record.resolve({
      topic: batch.topic,
      partition: batch.partition,
      offset: baseOffset < 0 ? -1 : baseOffset + i,
      timestamp: logAppendTime >= 0 ? logAppendTime : record.input.timestamp!,
    }));
  }

  #fail(batch: Batch, error: LoglabError): void {
    const decision = this.#sequences.handleFailed(batch, error);
    if (decision === "fenced" && this.#transactionState.fatalError === null) this.#transactionState.handleFenced(error);
    if (decision === "new-producer-id") this.#producerId = null;
    // A transaction that lost a batch can only abort (Kafka's abortable error).
    if (this.config.transactionalId !== null) this.#transactionState.handleAbortableError(error);
    for (const record of batch.records) record.reject(error);
  }

  /** Sends every batch now (without waiting for linger.ms) and waits until each is delivered or failed. */
  async flush(): Promise<void> {
    if (this.#closed) throw new ClientClosedError("producer");
    await this.#flush();
  }

  async #flush(): Promise<void> {
    this.#closeOpenBatches();
    await Promise.allSettled([...this.#unsettled]);
  }

  /**
   * Refuses further sends at once, then sends what was already sent and waits
   * for each outcome. Closing again waits for the same close.
   */
  close(): Promise<void> {
    if (this.#closing === null) {
      this.#closed = true;
      this.#closing = this.#flush();
    }
    return this.#closing;
  }
}

/**
 * Checks a send's messages before any is batched (so one bad message fails its
 * own send, not a batch shared with other sends); returns the highest explicit
 * partition, or -1.
 */
function checkProducerRecord(record: ProducerRecord): number {
  if (typeof record !== "object" || record === null) throw new InvalidRecordError(`send() takes { topic, messages }, got ${String(record)}`);
  const { messages } = record;
  if (!Array.isArray(messages)) throw new InvalidRecordError(`messages must be an array of records, got ${typeof messages}`);
  let highest = -1;
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i]!;
    checkRecordInput(message, "messages", i);
    const partition = message.partition;
    if (partition === undefined) continue;
    if (!Number.isSafeInteger(partition) || partition < 0) {
      throw new InvalidRecordError(`messages[${i}].partition must be a non-negative integer, got ${String(partition)}`);
    }
    if (partition > highest) highest = partition;
  }
  return highest;
}

/** A produce answer that carries a failure of the request itself. */
function failedAnswer(error: LoglabError): { partitions: { error: LoglabError; baseOffset: number; logAppendTime: number }[] } {
  return { partitions: [{ error, baseOffset: -1, logAppendTime: -1 }] };
}

function sizeOf(bytes: BytesInput | null | undefined): number {
  return bytes == null ? 0 : bytes.length;
}
