// The consumer, as Kafka users know it: subscribe() to share partitions with
// a group, or assign() them by hand; poll() fetches from each partition's
// position; offsets are stored (librdkafka's offset store: last handed-out
// offset + 1) and committed, every auto.commit.interval.ms or by commit().
// Where the offset is committed relative to processing decides whether a
// crash loses records or redelivers them: that is the application's choice.

import type { TopicPartition } from "../broker/index.ts";
import { CorruptRecordError, decodeBatches, LoglabError, type RecordHeader, wholeBatchesOf } from "../format/index.ts";
import { OffsetOutOfRangeError, UnknownTopicOrPartitionError } from "../log/index.ts";
import { sleep, type Timer } from "../runtime/index.ts";
import { type ConsumerConfig, type ResolvedConsumerConfig, resolveConsumerConfig } from "./consumer-config.ts";
import { asLoglabError, ClientClosedError, IllegalStateError, InvalidGroupIdError, NoOffsetForPartitionError } from "./errors.ts";
import { GroupMember } from "./group-member.ts";
import type { ClientRuntime } from "./producer.ts";
import { hiddenBatches } from "./read-committed-filter.ts";
import { withRequestTimeouts } from "./request-timeout.ts";
import type { BrokerTransport } from "./transport.ts";

export interface ConsumerRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  readonly headers: readonly RecordHeader[];
}

/** An offset for a partition: for commits and the store, the next offset to read. */
export interface TopicPartitionOffset extends TopicPartition {
  readonly offset: number;
}

export interface RebalanceListener {
  onPartitionsRevoked?(partitions: readonly TopicPartition[]): void | Promise<void>;
  onPartitionsAssigned?(partitions: readonly TopicPartition[]): void | Promise<void>;
}

const tpKey = (tp: TopicPartition) => `${tp.topic}-${tp.partition}`;
/** What JoinGroup may take beyond the rebalance timeout before the consumer gives up on it. */
const JOIN_GRACE_MS = 5_000;
/**
 * A request that timed out or met a retriable error: poll() tries again next
 * time instead of failing. Not a corrupt batch: the same bytes would be read
 * again, so it is raised (as Kafka's fetcher raises CorruptRecordException).
 */
const retriable = (error: unknown): boolean => error instanceof LoglabError && error.retriable && !(error instanceof CorruptRecordError);

/**
 * The error of a committed-offset answer. A partition the coordinator does not know has nothing committed (Kafka's
 * coordinator answers it with no offset and no error): auto.offset.reset decides, and its ListOffsets reports (or,
 * over the wire, creates) the topic.
 */
const committedError = (answer: { readonly error: LoglabError | null } | undefined): LoglabError | null =>
  answer?.error instanceof UnknownTopicOrPartitionError ? null : answer?.error ?? null;

export class Consumer {
  readonly config: ResolvedConsumerConfig;
  /** The next offset poll() fetches, per assigned partition. */
  readonly #positions = new Map<string, TopicPartitionOffset>();
  /** The offset store: what the next commit sends. */
  readonly #stored = new Map<string, TopicPartitionOffset>();
  /**
   * Partitions whose committed offset the coordinator could not give yet (a retriable error such as
   * UNSTABLE_OFFSET_COMMIT): how often it was asked, and when to ask again. They stay unfetched meanwhile.
   */
  readonly #offsetRetries = new Map<string, { attempts: number; atMs: number }>();
  #assigned: TopicPartition[] = [];
  #member: GroupMember | null = null;
  #listener: RebalanceListener = {};
  #autoCommit: Timer | null = null;
  #pollDeadline: Timer | null = null;
  /** Set when close() starts: timers stop re-arming. */
  #closing: Promise<void> | null = null;
  /** Set when close() is done: every method then refuses with ClientClosedError. */
  #closed = false;
  /** The last error an automatic commit met (it does not throw anywhere). */
  lastAutoCommitError: LoglabError | null = null;
  /** What a rebalance listener threw outside any call of the caller's: the next poll() throws it. */
  #listenerError: unknown = null;

  private readonly transport: BrokerTransport;

  constructor(
    transport: BrokerTransport,
    private readonly runtime: ClientRuntime,
    config: ConsumerConfig = {},
  ) {
    this.config = resolveConsumerConfig(config);
    // JoinGroup is answered only when the rebalance completes, which may take the rebalance timeout (Java allows it 5 s more).
    const joinTimeoutMs = Math.max(this.config.requestTimeoutMs, this.config.maxPollIntervalMs + JOIN_GRACE_MS);
    this.transport = withRequestTimeouts(transport, runtime.scheduler, { timeoutMs: this.config.requestTimeoutMs, overrides: { joinGroup: joinTimeoutMs } });
  }

  /** Java's consumer refuses every call after close(); so does this one. */
  #ensureOpen(): void {
    if (this.#closed) throw new ClientClosedError("consumer");
  }

  #requireGroup(what: string): string {
    if (this.config.groupId === null) throw new InvalidGroupIdError(what);
    return this.config.groupId;
  }

  /** Joins the group (at the next poll) to share the topics' partitions with its other members. */
  subscribe(topics: readonly string[], listener: RebalanceListener = {}): void {
    this.#ensureOpen();
    const groupId = this.#requireGroup("subscribe()");
    this.#listener = listener;
    this.#member?.stop();
    this.#member = new GroupMember(this.transport, this.runtime, {
      groupId, clientId: this.config.clientId, sessionTimeoutMs: this.config.sessionTimeoutMs,
      rebalanceTimeoutMs: this.config.maxPollIntervalMs, heartbeatIntervalMs: this.config.heartbeatIntervalMs,
      assignor: this.config.assignor,
    }, topics, {
      revoked: (partitions) => this.#revoke(partitions),
      assigned: (partitions) => this.#assign(partitions),
    });
    this.#startAutoCommit();
  }

  /** Reads these partitions without a group (commits, if any, use generation -1). */
  assign(partitions: readonly TopicPartition[]): void {
    this.#ensureOpen();
    this.#member?.stop();
    this.#member = null;
    void this.#assign(partitions).catch((error: unknown) => { this.#listenerError ??= error; });
    this.#startAutoCommit();
  }

  assignment(): TopicPartition[] {
    this.#ensureOpen();
    return [...this.#assigned];
  }

  /** The group generation and member id this consumer holds its assignment under (Java's groupMetadata()). */
  groupMetadata(): { generationId: number; memberId: string } {
    this.#ensureOpen();
    return { generationId: this.#member?.generationId ?? -1, memberId: this.#member?.memberId ?? "" };
  }

  async #assign(partitions: readonly TopicPartition[]): Promise<void> {
    this.#assigned = partitions.map(({ topic, partition }) => ({ topic, partition }));
    for (const key of [...this.#positions.keys()]) if (!this.#assigned.some((tp) => tpKey(tp) === key)) this.#positions.delete(key);
    this.#offsetRetries.clear();
    await this.#listener.onPartitionsAssigned?.(partitions);
  }

  /** Before a rebalance: commit what was stored (with auto-commit, as Kafka does), then let go. */
  async #revoke(partitions: readonly TopicPartition[]): Promise<void> {
    if (this.config.autoCommit) await this.#commitStored(true);
    await this.#listener.onPartitionsRevoked?.(partitions);
    for (const tp of partitions) {
      this.#positions.delete(tpKey(tp));
      this.#stored.delete(tpKey(tp));
    }
    this.#assigned = [];
  }

  #startAutoCommit(): void {
    this.#autoCommit?.cancel();
    if (!this.config.autoCommit || this.config.groupId === null) return;
    this.#autoCommit = this.runtime.scheduler.setTimer(this.config.autoCommitIntervalMs, () => {
      void this.#commitStored(true)
        .catch((error: unknown) => { this.lastAutoCommitError = asLoglabError(error); })
        .finally(() => { if (this.#closing === null) this.#startAutoCommit(); });
    });
  }

  /**
   * Fetches records from the assigned partitions' positions, waiting up to
   * `timeoutMs` for some. With enable.auto.offset.store, every record returned
   * is stored as handed to the application.
   */
  async poll(timeoutMs = 0): Promise<ConsumerRecord[]> {
    this.#ensureOpen();
    if (this.#listenerError !== null) {
      const error = this.#listenerError;
      this.#listenerError = null;
      throw error;
    }
    this.#armPollDeadline();
    const deadline = this.runtime.scheduler.nowMs() + timeoutMs;
    for (;;) {
      await this.#member?.ensureActive(deadline);
      const records = await this.#initPositions().then(() => this.#fetchOnce()).catch((error: unknown) => {
        // A fetch or offset lookup that timed out (or met a retriable error) is tried again, as Kafka's poll does.
        if (!retriable(error)) throw error;
        return [];
      });
      if (this.config.autoOffsetStore) this.storeOffsets(records);
      const now = this.runtime.scheduler.nowMs();
      if (records.length > 0 || now >= deadline) return records;
      await sleep(this.runtime.scheduler, Math.min(this.config.fetchBackoffMs, deadline - now));
    }
  }

  /** max.poll.interval.ms: a consumer that stops polling leaves its group, so its partitions move on. */
  #armPollDeadline(): void {
    this.#pollDeadline?.cancel();
    if (this.#member === null) return;
    this.#pollDeadline = this.runtime.scheduler.setTimer(this.config.maxPollIntervalMs, () => {
      const member = this.#member;
      if (member === null || this.#closing !== null) return;
      // A LeaveGroup the broker cannot answer still leaves (the session times out there);
      // a rebalance listener's failure surfaces at the next poll().
      void member.leave().catch((error: unknown) => {
        if (!(error instanceof LoglabError)) this.#listenerError ??= error;
      });
    });
  }

  /**
   * Positions for assigned partitions without one: the group's committed offsets, else auto.offset.reset. As in
   * Kafka's consumer, an offset the coordinator answers with an error is never taken for "none committed": a
   * non-retriable error fails the poll before any position moves; a retriable one (UNSTABLE_OFFSET_COMMIT while a
   * transaction holds newer offsets) leaves the partition unfetched and asks again after a backoff.
   */
  async #initPositions(): Promise<void> {
    const nowMs = this.runtime.scheduler.nowMs();
    const missing = this.#assigned.filter((tp) => !this.#positions.has(tpKey(tp)) && (this.#offsetRetries.get(tpKey(tp))?.atMs ?? nowMs) <= nowMs);
    if (missing.length === 0) return;
    const committed = new Map(this.config.groupId === null
      ? []
      : (await this.transport.offsetFetch(this.config.groupId, missing)).partitions.map((answer) => [tpKey(answer), answer] as const));
    const errorOf = (tp: TopicPartition): LoglabError | null => committedError(committed.get(tpKey(tp)));
    const fatal = missing.map(errorOf).find((error) => error !== null && !retriable(error));
    if (fatal) throw fatal;
    const toReset: TopicPartition[] = [];
    for (const tp of missing) {
      const answer = committed.get(tpKey(tp));
      if (errorOf(tp) !== null) {
        this.#retryOffsetLater(tp, nowMs);
        continue;
      }
      this.#offsetRetries.delete(tpKey(tp));
      if (answer !== undefined && answer.offset >= 0) this.#positions.set(tpKey(tp), { ...tp, offset: answer.offset });
      else toReset.push(tp);
    }
    await this.#reset(toReset);
  }

  /** retry.backoff.ms, doubled per attempt up to retry.backoff.max.ms, before the committed offset of `tp` is asked again. */
  #retryOffsetLater(tp: TopicPartition, nowMs: number): void {
    const attempts = (this.#offsetRetries.get(tpKey(tp))?.attempts ?? 0) + 1;
    const backoffMs = Math.min(this.config.retryBackoffMaxMs, this.config.retryBackoffMs * 2 ** (attempts - 1));
    this.#offsetRetries.set(tpKey(tp), { attempts, atMs: nowMs + backoffMs });
  }

  /** auto.offset.reset: to the earliest or latest offset, or an error for "none". */
  async #reset(partitions: readonly TopicPartition[]): Promise<void> {
    if (partitions.length === 0) return;
    const policy = this.config.autoOffsetReset;
    if (policy === "none") throw new NoOffsetForPartitionError(tpKey(partitions[0]!));
    const { partitions: offsets } = await this.transport.listOffsets({
      isolationLevel: this.config.isolationLevel,
      partitions: partitions.map((tp) => ({ ...tp, timestamp: policy })),
    });
    for (const answer of offsets) {
      if (answer.error !== null) throw answer.error;
      this.#positions.set(tpKey(answer), { topic: answer.topic, partition: answer.partition, offset: answer.offset });
    }
  }

  async #fetchOnce(): Promise<ConsumerRecord[]> {
    const targets = this.#assigned.filter((tp) => this.#positions.has(tpKey(tp)));
    if (targets.length === 0) return [];
    const { partitions } = await this.transport.fetch({
      isolationLevel: this.config.isolationLevel,
      partitions: targets.map((tp) => ({ ...tp, fetchOffset: this.#positions.get(tpKey(tp))!.offset, maxBytes: this.config.maxPartitionFetchBytes })),
    });
    // Fail before any position moves, so no partition's records are skipped by an error in another.
    const fatal = partitions.find((a) => a.error !== null && !(a.error instanceof OffsetOutOfRangeError) && !retriable(a.error));
    if (fatal !== undefined) throw fatal.error;
    const records: ConsumerRecord[] = [];
    const outOfRange: TopicPartition[] = [];
    for (const answer of partitions) {
      const key = tpKey(answer);
      const position = this.#positions.get(key);
      if (position === undefined) continue; // revoked while the fetch was out
      if (answer.error instanceof OffsetOutOfRangeError) {
        outOfRange.push(answer);
        continue;
      }
      if (answer.error !== null) continue; // retriable (a partition offline, say): fetched again next time
      let next = position.offset;
      // read_committed: skip the batches of transactions that ended in ABORT, as Kafka's fetcher does.
      // A broker may end the answer with part of a batch (Kafka cuts its log slice at the bytes asked for): that batch
      // comes whole in the next fetch.
      const batches = decodeBatches(wholeBatchesOf(answer.records));
      const hidden = hiddenBatches(batches, answer.abortedTransactions);
      for (const [b, batch] of batches.entries()) {
        const skipped = hidden[b]!;
        for (const record of batch.records) {
          if (record.offset < next || skipped || records.length >= this.config.maxPollRecords) continue;
          records.push({ topic: answer.topic, partition: answer.partition, offset: record.offset, timestamp: record.timestamp, key: record.key, value: record.value, headers: record.headers });
          next = record.offset + 1;
        }
        // A batch wholly consumed (or a control batch) moves the position past it, even past compaction gaps.
        if (records.length < this.config.maxPollRecords && batch.lastOffset >= next) next = batch.lastOffset + 1;
      }
      this.#positions.set(key, { ...position, offset: next });
    }
    if (outOfRange.length > 0) {
      for (const tp of outOfRange) this.#positions.delete(tpKey(tp));
      await this.#reset(outOfRange);
    }
    return records;
  }

  /**
   * librdkafka's offset store: for each record, stores its offset + 1 (the
   * next to read), to be committed by the next commit.
   */
  storeOffsets(records: readonly TopicPartitionOffset[]): void {
    this.#ensureOpen();
    for (const record of records) {
      const key = tpKey(record);
      if (!this.#assigned.some((tp) => tpKey(tp) === key)) continue; // no longer ours
      this.#stored.set(key, { topic: record.topic, partition: record.partition, offset: record.offset + 1 });
    }
  }

  /** Commits `offsets` (each the next offset to read), or everything stored. Throws the commit's error. */
  async commit(offsets?: readonly TopicPartitionOffset[]): Promise<void> {
    this.#ensureOpen();
    if (offsets === undefined) return this.#commitStored(false);
    await this.#send(offsets);
  }

  async #commitStored(quiet: boolean): Promise<void> {
    const offsets = [...this.#stored.values()];
    if (offsets.length === 0) return;
    try {
      await this.#send(offsets);
      for (const offset of offsets) if (this.#stored.get(tpKey(offset)) === offset) this.#stored.delete(tpKey(offset));
    } catch (error) {
      if (!quiet || !(error instanceof LoglabError)) throw error;
      this.lastAutoCommitError = error;
    }
  }

  async #send(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    const groupId = this.#requireGroup("commit()");
    const member = this.#member;
    const { partitions } = await this.transport.offsetCommit({
      groupId,
      generationId: member?.generationId ?? -1,
      memberId: member?.memberId ?? "",
      offsets: offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset })),
    });
    const failed = partitions.find((p) => p.error !== null);
    if (failed !== undefined) {
      member?.handleCommitError(failed.error!);
      throw failed.error;
    }
  }

  /** The group's committed offsets (the next to read; -1 when none). Throws a partition's error rather than answer -1 for it. */
  async committed(partitions: readonly TopicPartition[]): Promise<TopicPartitionOffset[]> {
    this.#ensureOpen();
    const { partitions: answers } = await this.transport.offsetFetch(this.#requireGroup("committed()"), partitions);
    const failed = answers.map(committedError).find((error) => error !== null);
    if (failed) throw failed;
    return answers.map(({ topic, partition, offset }) => ({ topic, partition, offset }));
  }

  /** Moves a partition's position: the next poll fetches from `offset`. */
  seek(partition: TopicPartition, offset: number): void {
    this.#ensureOpen();
    if (!this.#assigned.some((tp) => tpKey(tp) === tpKey(partition))) {
      throw new IllegalStateError(`cannot seek ${tpKey(partition)}: it is not assigned to this consumer`);
    }
    this.#positions.set(tpKey(partition), { topic: partition.topic, partition: partition.partition, offset });
  }

  position(partition: TopicPartition): number | undefined {
    this.#ensureOpen();
    return this.#positions.get(tpKey(partition))?.offset;
  }

  /**
   * Commits what is stored (with auto-commit), leaves the group, and stops
   * every timer. Like Java's close(), it closes even when the broker cannot be
   * reached: a commit that fails is kept in lastAutoCommitError, a LeaveGroup
   * that fails is left to the session timeout. Closing again waits for the same close.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#autoCommit?.cancel();
    this.#pollDeadline?.cancel();
    try {
      if (this.config.autoCommit && this.config.groupId !== null) await this.#commitStored(true);
      // The rebalance listener still runs (and may commit) while the member leaves.
      await this.#member?.leave();
    } catch (error) {
      if (!(error instanceof LoglabError)) throw error;
    } finally {
      this.#member?.stop();
      this.#closed = true;
    }
  }
}
