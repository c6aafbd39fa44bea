// A single-node broker: Kafka's produce, fetch, list-offsets, producer-id and
// offset commit/fetch handlers over a LogManager. No sockets and no timers:
// transports and the simulator call these methods, and time comes from the
// injected Clock. Idempotence is checked per partition, one append at a time.

import {
  CONTROL_TYPE_ABORT, CONTROL_TYPE_COMMIT, controlRecordKey, controlRecordType, controlRecordValue, decodeBatches, encodeBatch,
  InvalidRecordError, LoglabError, validateBatches,
} from "../format/index.ts";
import {
  InvalidConfigError, InvalidTopicError, LOG_CONFIG_KEYS, LogManager, type PartitionLog, UnknownTopicOrPartitionError,
} from "../log/index.ts";
import { OperationQueue, type Random, type Scheduler, systemRandom } from "../runtime/index.ts";
import type { Storage } from "../storage/index.ts";
import {
  BrokerNotAvailableError, InvalidCommitOffsetError, InvalidRequiredAcksError, OffsetMetadataTooLargeError, UnstableOffsetCommitError,
} from "./errors.ts";
import {
  GroupCoordinator, type GroupDescription, type GroupState, type JoinGroupRequest, type JoinGroupResponse, type MemberRequest,
  type SyncGroupRequest, type SyncGroupResponse,
} from "./group-coordinator.ts";
import { OFFSETS_TOPIC, OffsetStore } from "./offset-store.ts";
import { ProducerIdManager } from "./producer-ids.ts";
import { PartitionTransactions } from "./partition-transactions.ts";
import { lastSequenceOf, ProducerStateManager } from "./producer-state.ts";
import { skipDamage } from "./replay-damage.ts";
import { TRANSACTION_STATE_TOPIC, TransactionCoordinator, type TransactionOffsets } from "./transaction-coordinator.ts";
import type {
  FetchRequest, FetchResponse, InitProducerIdResponse, ListOffsetsRequest, OffsetCommitRequest,
  OffsetFetchResponse, PartitionFetchResponse, PartitionListOffsetsResponse, PartitionProduceResponse, ProduceRequest,
  ProduceResponse, TopicMetadata, TransactionRequest,
  TopicPartition,
} from "./protocol.ts";

export interface BrokerOptions {
  readonly storage: Storage;
  /** The broker's clock and timers (session timeouts, rebalance delays). */
  readonly scheduler: Scheduler;
  /** For member ids; seeded in a simulation. */
  readonly random?: Random;
  /**
   * Broker settings by Kafka name: auto.create.topics.enable (true),
   * num.partitions (1), group.initial.rebalance.delay.ms (3000), and defaults
   * for any topic-level log config.
   */
  readonly config?: Readonly<Record<string, string>>;
  /** Who holds the storage's writer lock, named to a second writer it refuses (default "loglab"). */
  readonly command?: string;
  /** Bytes the logs may hold read ahead of consumers going through them in order (LogManagerOptions; default 0). */
  readonly readAheadBytes?: number;
}

interface BrokerSettings {
  readonly autoCreateTopics: boolean;
  readonly defaultPartitions: number;
  readonly initialRebalanceDelayMs: number;
}

/** Kafka's offset.metadata.max.bytes default. */
export const OFFSET_METADATA_BYTES_MAX = 4096;
const FETCH_BYTES_DEFAULT = 1024 * 1024;

function splitConfig(config: Readonly<Record<string, string>>): { settings: BrokerSettings; logDefaults: Record<string, string> } {
  const logDefaults: Record<string, string> = {};
  let autoCreateTopics = true;
  let defaultPartitions = 1;
  let initialRebalanceDelayMs = 3000;
  for (const [key, value] of Object.entries(config)) {
    if (key === "auto.create.topics.enable") {
      if (value !== "true" && value !== "false") throw new InvalidConfigError(key, `expected true or false, got "${value}"`);
      autoCreateTopics = value === "true";
    } else if (key === "num.partitions") {
      defaultPartitions = Number(value);
      if (!Number.isInteger(defaultPartitions) || defaultPartitions < 1) throw new InvalidConfigError(key, `expected an integer >= 1, got "${value}"`);
    } else if (key === "group.initial.rebalance.delay.ms") {
      initialRebalanceDelayMs = Number(value);
      if (!Number.isInteger(initialRebalanceDelayMs) || initialRebalanceDelayMs < 0) throw new InvalidConfigError(key, `expected an integer >= 0, got "${value}"`);
    } else if (key in LOG_CONFIG_KEYS) {
      logDefaults[key] = value;
    } else {
      throw new InvalidConfigError(key, "unknown broker or topic config");
    }
  }
  return { settings: { autoCreateTopics, defaultPartitions, initialRebalanceDelayMs }, logDefaults };
}

/** Runs `handle` for one partition, turning a typed error into that partition's answer. */
async function perPartition<T>(handle: () => Promise<T>, failed: (error: LoglabError) => T): Promise<T> {
  try {
    return await handle();
  } catch (error) {
    if (error instanceof LoglabError) return failed(error);
    throw error;
  }
}

export class Broker {
  readonly #producerStates = new Map<string, ProducerStateManager>();
  readonly #transactions = new Map<string, PartitionTransactions>();
  readonly #partitionQueues = new Map<string, OperationQueue>();
  /** Topic creation happens one at a time. */
  readonly #adminQueue = new OperationQueue();

  readonly groups: GroupCoordinator;
  #transactionCoordinator: TransactionCoordinator | null = null;
  /** Set by close(): from then on every request is refused with BrokerNotAvailableError. */
  #closing: Promise<void> | null = null;
  readonly #warnings: string[];
  /** The configs the broker was opened with, by Kafka name. */
  readonly config: Readonly<Record<string, string>>;

  private constructor(
    readonly logs: LogManager,
    private readonly offsets: OffsetStore,
    private readonly producerIds: ProducerIdManager,
    private readonly settings: BrokerSettings,
    private readonly scheduler: Scheduler,
    random: Random,
    warnings: string[],
    config: Readonly<Record<string, string>>,
  ) {
    this.#warnings = warnings;
    this.config = config;
    this.groups = new GroupCoordinator({ scheduler, random, initialRebalanceDelayMs: settings.initialRebalanceDelayMs });
  }

  /** Opens the broker's logs (recovering them), its committed offsets and its producers' state. */
  static async open(options: BrokerOptions): Promise<Broker> {
    const { settings, logDefaults } = splitConfig(options.config ?? {});
    const logs = await LogManager.open({
      storage: options.storage, clock: options.scheduler, defaults: logDefaults, command: options.command, readAheadBytes: options.readAheadBytes,
    });
    const warnings: string[] = [];
    const warn = (text: string): void => void warnings.push(text);
    const broker = new Broker(
      logs, await OffsetStore.open(logs, warn), await ProducerIdManager.open(options.storage), settings, options.scheduler,
      options.random ?? systemRandom, warnings, { ...options.config },
    );
    for (const log of logs.allLogs()) await broker.#rebuildProducerState(log);
    // Opened last: it may write markers to complete transactions a crash left unfinished.
    broker.#transactionCoordinator = await TransactionCoordinator.open(logs, {
      nextProducerId: () => broker.producerIds.next(),
      writeMarker: (partition, producerId, producerEpoch, commit) => broker.writeTransactionMarker(partition, producerId, producerEpoch, commit),
      commitOffsets: (offsets) => broker.offsets.commit(offsets.groupId, offsets.offsets.map((o) => ({ ...o, metadata: o.metadata ?? "" })), broker.scheduler.nowMs()),
    }, warn);
    return broker;
  }

  /**
   * What opening skipped: offsets of a damaged segment that the replays of
   * committed offsets, transaction state and producer state read past (the
   * data dir's own recovery is in `logs.recoveries`).
   */
  get warnings(): readonly string[] {
    return this.#warnings;
  }

  /**
   * Replays the producer fields and transaction markers of every batch in the
   * log, as Kafka does without a snapshot: sequences, open transactions and
   * aborted ranges are as they were before the restart.
   */
  async #rebuildProducerState(log: PartitionLog): Promise<void> {
    const state = this.#producerState(log.topicPartition);
    const transactions = this.#partitionTransactions(log.topicPartition);
    // A damaged batch fails every read of its offsets; the replay goes on past it, so one bad segment does not stop the broker.
    for await (const { header, bytes } of log.batches(undefined, skipDamage(log, "replaying producer state", (text) => void this.#warnings.push(text)))) {
      if (header.producerId < 0) continue;
      if (header.isControl) {
        transactions.marker(header.producerId, header.baseOffset, controlType(bytes) === CONTROL_TYPE_COMMIT);
        continue;
      }
      if (header.isTransactional) transactions.transactionalBatch(header.producerId, header.baseOffset);
      state.update({
        producerId: header.producerId,
        producerEpoch: header.producerEpoch,
        baseSequence: header.baseSequence,
        lastSequence: lastSequenceOf(header.baseSequence, header.lastOffsetDelta),
        firstOffset: header.baseOffset,
        lastOffset: header.lastOffset,
        logAppendTime: header.timestampType === "log-append-time" ? header.maxTimestamp : -1,
      });
    }
  }

  #partitionTransactions(topicPartition: string): PartitionTransactions {
    let transactions = this.#transactions.get(topicPartition);
    if (transactions === undefined) this.#transactions.set(topicPartition, (transactions = new PartitionTransactions()));
    return transactions;
  }

  /**
   * Appends a COMMIT or ABORT marker (a control batch) for a producer's
   * transaction: read_committed consumers then see, or skip, its records.
   */
  async writeTransactionMarker(target: TopicPartition, producerId: number, producerEpoch: number, commit: boolean): Promise<number> {
    this.#ensureOpen("WriteTxnMarkers");
    const log = this.logs.log(target.topic, target.partition);
    return this.#queue(log.topicPartition).run(async () => {
      const marker = encodeBatch({
        isControl: true,
        isTransactional: true,
        producerId,
        producerEpoch,
        baseTimestamp: this.scheduler.nowMs(),
        records: [{ key: controlRecordKey(commit ? CONTROL_TYPE_COMMIT : CONTROL_TYPE_ABORT), value: controlRecordValue() }],
      });
      const info = await log.append(marker);
      this.#partitionTransactions(log.topicPartition).marker(producerId, info.firstOffset, commit);
      this.#producerState(log.topicPartition).fence(producerId, producerEpoch);
      return info.firstOffset;
    });
  }

  /** Refuses a request once close() was called (a request already running finishes, or meets the closed logs). */
  #ensureOpen(request: string): void {
    if (this.#closing !== null) throw new BrokerNotAvailableError(request);
  }

  #producerState(topicPartition: string): ProducerStateManager {
    let state = this.#producerStates.get(topicPartition);
    if (state === undefined) this.#producerStates.set(topicPartition, (state = new ProducerStateManager(topicPartition)));
    return state;
  }

  #queue(topicPartition: string): OperationQueue {
    let queue = this.#partitionQueues.get(topicPartition);
    if (queue === undefined) this.#partitionQueues.set(topicPartition, (queue = new OperationQueue()));
    return queue;
  }

  /** The partition's log, creating the topic first when auto.create.topics.enable allows. */
  async #log({ topic, partition }: TopicPartition, create: boolean): Promise<PartitionLog> {
    if (create && this.settings.autoCreateTopics && !this.logs.hasTopic(topic)) {
      await this.#adminQueue.run(async () => {
        if (!this.logs.hasTopic(topic)) await this.logs.createTopic(topic, this.settings.defaultPartitions);
      });
    }
    return this.logs.log(topic, partition);
  }

  /**
   * Metadata: how many partitions each topic has. Like Kafka, asking about an
   * unknown topic creates it when auto.create.topics.enable allows.
   */
  async metadata(topics: readonly string[]): Promise<{ topics: TopicMetadata[] }> {
    this.#ensureOpen("Metadata");
    const answers: TopicMetadata[] = [];
    for (const topic of topics) {
      answers.push(await perPartition<TopicMetadata>(
        async () => {
          await this.#log({ topic, partition: 0 }, true);
          return { topic, error: null, partitions: this.logs.describeTopic(topic).partitions };
        },
        (error) => ({ topic, error, partitions: 0 }),
      ));
    }
    return { topics: answers };
  }

  get #txnCoordinator(): TransactionCoordinator {
    if (this.#transactionCoordinator === null) throw new Error("the broker is not open yet");
    return this.#transactionCoordinator;
  }

  /**
   * InitProducerId: a fresh id at epoch 0 for an idempotent producer; for a
   * transactional.id, its id at the next epoch (fencing the previous one).
   */
  async initProducerId(transactionalId?: string): Promise<InitProducerIdResponse> {
    this.#ensureOpen("InitProducerId");
    if (transactionalId !== undefined) return this.#txnCoordinator.initProducerId(transactionalId);
    return { producerId: await this.producerIds.next(), producerEpoch: 0 };
  }

  /** AddPartitionsToTxn. */
  async addPartitionsToTxn(request: TransactionRequest & { readonly partitions: readonly TopicPartition[] }): Promise<void> {
    this.#ensureOpen("AddPartitionsToTxn");
    return this.#txnCoordinator.addPartitions(request.transactionalId, request.producerId, request.producerEpoch, request.partitions);
  }

  /**
   * AddOffsetsToTxn with its TxnOffsetCommit, as the in-process client sends
   * them: the offsets commit with the transaction.
   */
  async addOffsetsToTxn(request: TransactionRequest & { readonly offsets: TransactionOffsets }): Promise<void> {
    this.#ensureOpen("AddOffsetsToTxn");
    return this.#txnCoordinator.addOffsets(request.transactionalId, request.producerId, request.producerEpoch, request.offsets);
  }

  /** AddOffsetsToTxn as Kafka's wire protocol sends it: the group whose offsets TxnOffsetCommit will carry. */
  async addOffsetsGroupToTxn(request: TransactionRequest & { readonly groupId: string }): Promise<void> {
    this.#ensureOpen("AddOffsetsToTxn");
    return this.#txnCoordinator.addOffsetsGroup(request.transactionalId, request.producerId, request.producerEpoch, request.groupId);
  }

  /**
   * TxnOffsetCommit: offsets held by the transaction, committed by EndTxn's
   * commit only. A member's generation is checked as OffsetCommit checks it
   * (generation -1 and no member id skip the check, as older clients send).
   */
  async txnOffsetCommit(request: TransactionRequest & { readonly offsets: TransactionOffsets; readonly generationId?: number; readonly memberId?: string }): Promise<void> {
    this.#ensureOpen("TxnOffsetCommit");
    const { groupId, offsets } = request.offsets;
    if ((request.generationId ?? -1) >= 0 || (request.memberId ?? "") !== "") {
      const membership = this.groups.validateCommit({ groupId, generationId: request.generationId ?? -1, memberId: request.memberId ?? "" });
      if (membership !== null) throw membership;
    }
    for (const { topic, partition, offset, metadata = "" } of offsets) {
      await this.#log({ topic, partition }, false);
      if (new TextEncoder().encode(metadata).length > OFFSET_METADATA_BYTES_MAX) throw new OffsetMetadataTooLargeError(metadata.length, OFFSET_METADATA_BYTES_MAX);
      if (!Number.isSafeInteger(offset) || offset < 0) throw new InvalidCommitOffsetError(offset);
    }
    return this.#txnCoordinator.commitOffsets(request.transactionalId, request.producerId, request.producerEpoch, request.offsets);
  }

  /** EndTxn. */
  async endTxn(request: TransactionRequest & { readonly commit: boolean }): Promise<void> {
    this.#ensureOpen("EndTxn");
    return this.#txnCoordinator.endTransaction(request.transactionalId, request.producerId, request.producerEpoch, request.commit);
  }

  async produce(request: ProduceRequest): Promise<ProduceResponse> {
    this.#ensureOpen("Produce");
    const partitions: PartitionProduceResponse[] = [];
    for (const target of request.partitions) {
      const { topic, partition } = target;
      partitions.push(await perPartition<PartitionProduceResponse>(
        async () => {
          if (request.acks !== 0 && request.acks !== 1 && request.acks !== -1) throw new InvalidRequiredAcksError(request.acks);
          const log = await this.#log(target, true);
          const appended = await this.#queue(log.topicPartition).run(() => this.#append(log, target.records));
          return { topic, partition, error: null, ...appended, logStartOffset: log.logStartOffset };
        },
        (error) => ({ topic, partition, error, baseOffset: -1, logAppendTime: -1, logStartOffset: -1 }),
      ));
    }
    return { partitions };
  }

  /** Appends, first checking an idempotent producer's sequence: a retried batch gets its original offsets back. */
  async #append(log: PartitionLog, bytes: Uint8Array): Promise<{ baseOffset: number; logAppendTime: number }> {
    const report = validateBatches(bytes);
    if (report.error !== null) throw report.error;
    if (report.batchCount === 0) throw new InvalidRecordError("a produce request needs at least one batch per partition");
    const header = report.headers[0];
    if (header === undefined) throw report.headerError!;
    if (header.producerId < 0) {
      const info = await log.appendValidated(bytes, report);
      return { baseOffset: info.firstOffset, logAppendTime: info.logAppendTime };
    }
    if (report.batchCount !== 1) throw new InvalidRecordError("an idempotent producer sends one batch per partition per request");
    const sequence = {
      producerId: header.producerId,
      producerEpoch: header.producerEpoch,
      baseSequence: header.baseSequence,
      lastSequence: lastSequenceOf(header.baseSequence, header.lastOffsetDelta),
    };
    const state = this.#producerState(log.topicPartition);
    const check = state.check(sequence);
    if (check.kind === "duplicate") return { baseOffset: check.original.firstOffset, logAppendTime: check.original.logAppendTime };
    const info = await log.appendValidated(bytes, report);
    state.update({ ...sequence, firstOffset: info.firstOffset, lastOffset: info.lastOffset, logAppendTime: info.logAppendTime });
    if (header.isTransactional) this.#partitionTransactions(log.topicPartition).transactionalBatch(header.producerId, info.firstOffset);
    return { baseOffset: info.firstOffset, logAppendTime: info.logAppendTime };
  }

  async fetch(request: FetchRequest): Promise<FetchResponse> {
    this.#ensureOpen("Fetch");
    const partitions: PartitionFetchResponse[] = [];
    for (const target of request.partitions) {
      partitions.push(await perPartition<PartitionFetchResponse>(
        async () => {
          const log = await this.#log(target, false);
          const transactions = this.#partitionTransactions(log.topicPartition);
          const lastStableOffset = transactions.lastStableOffset(log.highWatermark);
          // read_committed stops at the last stable offset and learns which ranges were aborted.
          const committedOnly = request.isolationLevel === "read_committed";
          const read = await log.read(target.fetchOffset, {
            maxBytes: target.maxBytes ?? FETCH_BYTES_DEFAULT,
            ...(committedOnly ? { maxOffset: lastStableOffset } : {}),
          });
          return {
            topic: target.topic, partition: target.partition, error: null, records: read.records,
            highWatermark: read.highWatermark, lastStableOffset, logStartOffset: read.logStartOffset,
            abortedTransactions: committedOnly ? transactions.abortedBetween(target.fetchOffset, lastStableOffset) : [],
          };
        },
        (error) => {
          const log = this.logs.hasTopic(target.topic) && target.partition < this.logs.describeTopic(target.topic).partitions
            ? this.logs.log(target.topic, target.partition)
            : null;
          return {
            topic: target.topic, partition: target.partition, error, records: new Uint8Array(0), abortedTransactions: [],
            highWatermark: log?.highWatermark ?? -1, lastStableOffset: log?.highWatermark ?? -1, logStartOffset: log?.logStartOffset ?? -1,
          };
        },
      ));
    }
    return { partitions };
  }

  async listOffsets(request: ListOffsetsRequest): Promise<{ partitions: PartitionListOffsetsResponse[] }> {
    this.#ensureOpen("ListOffsets");
    const partitions: PartitionListOffsetsResponse[] = [];
    for (const target of request.partitions) {
      partitions.push(await perPartition<PartitionListOffsetsResponse>(
        async () => {
          const log = await this.#log(target, false);
          const { topic, partition, timestamp } = target;
          if (timestamp === "earliest") return { topic, partition, error: null, offset: log.logStartOffset, timestamp: -1 };
          if (timestamp === "latest") {
            // read_committed consumers start at the last stable offset, as in Kafka.
            const latest = request.isolationLevel === "read_committed"
              ? this.#partitionTransactions(log.topicPartition).lastStableOffset(log.highWatermark)
              : log.highWatermark;
            return { topic, partition, error: null, offset: latest, timestamp: -1 };
          }
          const found = await log.offsetForTimestamp(timestamp);
          return { topic, partition, error: null, offset: found?.offset ?? -1, timestamp: found?.timestamp ?? -1 };
        },
        (error) => ({ topic: target.topic, partition: target.partition, error, offset: -1, timestamp: -1 }),
      ));
    }
    return { partitions };
  }

  async joinGroup(request: JoinGroupRequest): Promise<JoinGroupResponse> {
    this.#ensureOpen("JoinGroup");
    return this.groups.joinGroup(request);
  }

  async syncGroup(request: SyncGroupRequest): Promise<SyncGroupResponse> {
    this.#ensureOpen("SyncGroup");
    return this.groups.syncGroup(request);
  }

  /** Heartbeat (synchronous: it only touches the group's memory); throws BrokerNotAvailableError once closed. */
  heartbeat(request: MemberRequest): LoglabError | null {
    this.#ensureOpen("Heartbeat");
    return this.groups.heartbeat(request);
  }

  /** LeaveGroup (synchronous, as heartbeat()). */
  leaveGroup(groupId: string, memberId: string): LoglabError | null {
    this.#ensureOpen("LeaveGroup");
    return this.groups.leaveGroup(groupId, memberId);
  }

  describeGroup(groupId: string): GroupDescription {
    this.#ensureOpen("DescribeGroups");
    return this.groups.describeGroup(groupId);
  }

  /**
   * DescribeGroups as Kafka answers it: a group with members or a generation
   * as it is, one with only committed offsets Empty, and null (Kafka's "Dead")
   * for a group the broker does not know.
   */
  findGroup(groupId: string): GroupDescription | null {
    this.#ensureOpen("DescribeGroups");
    if (this.groups.hasGroup(groupId)) return this.groups.describeGroup(groupId);
    if (this.offsets.committedAll(groupId).length === 0) return null;
    return { groupId, state: "Empty", generationId: 0, protocolName: "", leaderId: "", members: [] };
  }

  /**
   * The groups this broker knows, as ListGroups answers: those with members
   * or a generation, and those with only committed offsets (Empty).
   */
  listGroups(): { groupId: string; state: GroupState; protocolType: string }[] {
    this.#ensureOpen("ListGroups");
    const known = new Map(this.groups.listGroups().map((g) => [g.groupId, g]));
    for (const groupId of this.offsets.groupIds()) if (!known.has(groupId)) known.set(groupId, { groupId, state: "Empty", protocolType: "consumer" });
    return [...known.values()].sort((a, b) => a.groupId.localeCompare(b.groupId));
  }

  /**
   * DeleteTopics: deletes the topic's logs and forgets its producers' and
   * transactions' state and the offsets groups committed for it. Internal
   * topics cannot be deleted.
   */
  async deleteTopic(topic: string): Promise<void> {
    this.#ensureOpen("DeleteTopics");
    if (topic === OFFSETS_TOPIC || topic === TRANSACTION_STATE_TOPIC) throw new InvalidTopicError(topic, "an internal topic cannot be deleted");
    await this.#adminQueue.run(async () => {
      const { partitions } = this.logs.describeTopic(topic);
      const names = Array.from({ length: partitions }, (_, partition) => this.logs.log(topic, partition).topicPartition);
      // Holds every partition's queue: appends already queued finish first, and none runs during the delete
      // (those queued meanwhile then meet the closed log).
      let release = (): void => {};
      const held = new Promise<void>((resolve) => (release = resolve));
      await Promise.all(names.map((name) => new Promise<void>((entered) => void this.#queue(name).run(() => (entered(), held)))));
      try {
        await this.logs.deleteTopic(topic);
        // As Kafka's group coordinator does for deleted partitions.
        await this.offsets.forgetTopic(topic, this.scheduler.nowMs());
        for (const name of names) {
          this.#producerStates.delete(name);
          this.#transactions.delete(name);
          this.#partitionQueues.delete(name);
        }
      } finally {
        release();
      }
    });
  }

  /**
   * Commits offsets for a group: from a member of its current generation, or
   * with generation -1 into an empty group (a consumer without a group).
   */
  async offsetCommit(request: OffsetCommitRequest): Promise<{ partitions: (TopicPartition & { error: LoglabError | null })[] }> {
    this.#ensureOpen("OffsetCommit");
    const membership = this.groups.validateCommit({
      groupId: request.groupId, generationId: request.generationId ?? -1, memberId: request.memberId ?? "",
    });
    if (membership !== null) {
      return { partitions: request.offsets.map(({ topic, partition }) => ({ topic, partition, error: membership })) };
    }
    const accepted: { topic: string; partition: number; offset: number; metadata: string }[] = [];
    const partitions: (TopicPartition & { error: LoglabError | null })[] = [];
    for (const { topic, partition, offset, metadata = "" } of request.offsets) {
      partitions.push(await perPartition<TopicPartition & { error: LoglabError | null }>(
        async () => {
          await this.#log({ topic, partition }, false);
          const notOwned = this.groups.checkCommitPartition(
            { groupId: request.groupId, generationId: request.generationId ?? -1, memberId: request.memberId ?? "" }, topic, partition,
          );
          if (notOwned !== null) throw notOwned;
          if (new TextEncoder().encode(metadata).length > OFFSET_METADATA_BYTES_MAX) throw new OffsetMetadataTooLargeError(metadata.length, OFFSET_METADATA_BYTES_MAX);
          if (!Number.isSafeInteger(offset) || offset < 0) throw new InvalidCommitOffsetError(offset);
          accepted.push({ topic, partition, offset, metadata });
          return { topic, partition, error: null };
        },
        (error) => ({ topic, partition, error }),
      ));
    }
    await this.offsets.commit(request.groupId, accepted, this.scheduler.nowMs());
    return { partitions };
  }

  /**
   * The group's committed offsets for `partitions`, or all of them when none
   * are named. With `requireStable` (Kafka's require_stable, sent by
   * read_committed consumers), a partition whose offsets an unfinished
   * transaction holds answers UnstableOffsetCommitError instead.
   */
  async offsetFetch(groupId: string, partitions?: readonly TopicPartition[], requireStable = false): Promise<OffsetFetchResponse> {
    this.#ensureOpen("OffsetFetch");
    const targets = partitions ?? this.offsets.committedAll(groupId).map(({ topic, partition }) => ({ topic, partition }));
    return {
      partitions: targets.map(({ topic, partition }) => {
        const committed = this.offsets.committed(groupId, topic, partition);
        const known = this.logs.hasTopic(topic) && partition < this.logs.describeTopic(topic).partitions;
        if (known && requireStable && this.#txnCoordinator.hasPendingOffsets(groupId, { topic, partition })) {
          return { topic, partition, error: new UnstableOffsetCommitError(groupId, `${topic}-${partition}`), offset: -1, metadata: "" };
        }
        return {
          topic, partition,
          error: known ? null : new UnknownTopicOrPartitionError(topic, partition),
          offset: committed?.offset ?? -1,
          metadata: committed?.metadata ?? "",
        };
      }),
    };
  }

  /**
   * Refuses every later request with BrokerNotAvailableError, answers group
   * members still waiting, and closes the logs once the appends already
   * running are done. Closing again waits for the same close.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.groups.close((request) => new BrokerNotAvailableError(request));
      await this.logs.close();
    })();
    return this.#closing;
  }
}

/** The type (ABORT or COMMIT) of a control batch's marker record. */
function controlType(batch: Uint8Array): number {
  return controlRecordType(decodeBatches(batch)[0]!.records[0]!.key);
}
