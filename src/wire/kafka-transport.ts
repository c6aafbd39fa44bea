// loglab's BrokerTransport over Kafka's wire protocol, for any Kafka cluster: bootstrap servers, Metadata for each
// partition's leader and every broker's address, one BrokerLink per broker, requests split per leader and merged
// back, FindCoordinator for groups and transactions, and retries that refresh what they found stale. Sockets come
// from the caller's `dial` and time from its scheduler (node-client.ts and deno-client.ts supply real ones).

import type {
  FetchRequest, FetchResponse, InitProducerIdResponse, JoinGroupRequest, JoinGroupResponse, ListOffsetsRequest, MemberRequest,
  OffsetCommitRequest, OffsetFetchResponse, PartitionFetchResponse, PartitionListOffsetsResponse, PartitionProduceResponse, ProduceRequest,
  ProduceResponse, SyncGroupRequest, SyncGroupResponse, TopicMetadata, TopicPartition, TransactionOffsets, TransactionRequest,
} from "../broker/index.ts";
import { type BrokerTransport, ClientClosedError } from "../client/index.ts";
import { InvalidConfigError } from "../log/index.ts";
import type { LoglabError } from "../format/index.ts";
import type { Scheduler } from "../runtime/index.ts";
import { type BrokerAddress, BrokerLink, type Dial } from "./broker-link.ts";
import { errorCodeOf, errorFromCode, NetworkError } from "./client-errors.ts";
import { assignmentFromWire, assignmentToWire, subscriptionFromWire, subscriptionToWire } from "./consumer-protocol.ts";
import {
  type AddOffsetsToTxnResponse, type AddPartitionsToTxnResponse, apiKeys, type EndTxnResponse, type FetchResponse as WireFetchResponse,
  type FindCoordinatorResponse, type HeartbeatResponse, type InitProducerIdResponse as WireInitProducerIdResponse,
  type JoinGroupResponse as WireJoinGroupResponse, type LeaveGroupResponse, type ListOffsetsResponse, type MetadataResponse,
  type OffsetCommitResponse, type OffsetFetchResponse as WireOffsetFetchResponse, type ProduceResponse as WireProduceResponse,
  type SyncGroupResponse as WireSyncGroupResponse, type TxnOffsetCommitResponse,
} from "./generated/index.ts";
import { uuidZero } from "./primitives.ts";

export interface KafkaTransportOptions {
  /** bootstrap.servers: "host:port" entries, as a list or comma-separated. */
  readonly bootstrap: string | readonly string[];
  readonly dial: Dial;
  readonly scheduler: Scheduler;
  readonly clientId?: string;
  /** request.timeout.ms (default 30 s). */
  readonly requestTimeoutMs?: number;
  /** max.in.flight.requests.per.connection (default 5). */
  readonly inFlightMax?: number;
  /** How often a request is tried again after a stale leader or coordinator, or one still loading (default 20). */
  readonly retries?: number;
  /** retry.backoff.ms, doubled per attempt up to retryBackoffMaxMs (defaults 100 and 1000). */
  readonly retryBackoffMs?: number;
  readonly retryBackoffMaxMs?: number;
  /** transaction.timeout.ms sent with InitProducerId (default 60 s). */
  readonly transactionTimeoutMs?: number;
  /** fetch.max.wait.ms, fetch.min.bytes, fetch.max.bytes (defaults 500, 1, 50 MiB). */
  readonly fetchMaxWaitMs?: number;
  readonly fetchMinBytes?: number;
  readonly fetchMaxBytes?: number;
  /** allow.auto.create.topics (default true). */
  readonly allowAutoTopicCreation?: boolean;
}

/** FindCoordinator's key types. */
const GROUP_KEY = 0;
const TRANSACTION_KEY = 1;
const PARTITION_FETCH_BYTES = 1_048_576;
/** Kafka's consumer protocol: members' subscriptions and assignments travel in its encoding (consumer-protocol.ts). */
const PROTOCOL_TYPE = "consumer";

const STALE_LEADER = new Set(["NOT_LEADER_OR_FOLLOWER", "UNKNOWN_TOPIC_OR_PARTITION", "LEADER_NOT_AVAILABLE", "FENCED_LEADER_EPOCH", "UNKNOWN_LEADER_EPOCH"].map(errorCodeOf));
const STALE_COORDINATOR = new Set(["NOT_COORDINATOR", "COORDINATOR_NOT_AVAILABLE"].map(errorCodeOf));
/** Answers that mean "ask again shortly, same place": a coordinator loading its state, a transaction finishing, offsets in a transaction. */
const BUSY = new Set(["COORDINATOR_LOAD_IN_PROGRESS", "CONCURRENT_TRANSACTIONS", "UNSTABLE_OFFSET_COMMIT"].map(errorCodeOf));
const MEMBER_ID_REQUIRED = errorCodeOf("MEMBER_ID_REQUIRED");
const UNKNOWN_TOPIC = errorCodeOf("UNKNOWN_TOPIC_OR_PARTITION");

const tpKey = (tp: TopicPartition): string => `${tp.topic}\0${tp.partition}`;
const tpName = (tp: TopicPartition): string => `${tp.topic}-${tp.partition}`;

/** int64 from the wire to a safe integer (offsets, producer ids); beyond 2^53 is refused, not rounded. */
function toNumber(value: bigint, field: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) throw new RangeError(`${field} ${value} is beyond 2^53`);
  return Number(value);
}

export function parseBootstrap(bootstrap: string | readonly string[]): BrokerAddress[] {
  const entries = (typeof bootstrap === "string" ? bootstrap.split(",") : bootstrap).map((entry) => entry.trim()).filter((entry) => entry !== "");
  if (entries.length === 0) throw new InvalidConfigError("bootstrap.servers", "no host:port given");
  return entries.map((entry) => {
    const match = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})$/.exec(entry);
    const port = match === null ? NaN : Number(match[3]);
    if (match === null || port < 1 || port > 65535) throw new InvalidConfigError("bootstrap.servers", `"${entry}" is not host:port`);
    return { host: match[1] ?? match[2]!, port };
  });
}

/** Groups items by a key, keeping first-seen order. */
function groupBy<T, K>(items: readonly T[], keyOf: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [item]);
    else group.push(item);
  }
  return groups;
}

/** Reads a batch header's producer id and transactional flag (RecordBatch v2: producerId at byte 43, attributes at 21). */
function transactionalProducerId(records: Uint8Array): number | null {
  if (records.length < 51) return null;
  const view = new DataView(records.buffer, records.byteOffset, records.length);
  if ((view.getInt16(21) & 0x10) === 0) return null;
  return Number(view.getBigInt64(43));
}

export class KafkaTransport implements BrokerTransport {
  readonly #options: KafkaTransportOptions;
  readonly #bootstrap: readonly BrokerAddress[];
  readonly #clientId: string;
  readonly #requestTimeoutMs: number;
  readonly #retries: number;
  readonly #links = new Map<string, BrokerLink>();
  readonly #brokers = new Map<number, BrokerAddress>();
  readonly #leaders = new Map<string, number>();
  readonly #partitionCounts = new Map<string, number>();
  readonly #coordinators = new Map<string, BrokerAddress>();
  /** Producer id → transactional id, learnt from transactional requests: a Produce of transactional batches names it. */
  readonly #transactionalIds = new Map<number, string>();
  /** The protocol each group's last JoinGroup chose: SyncGroup v5 names it, and Kafka checks it matches. */
  readonly #groupProtocols = new Map<string, string>();
  /** Set by close(): from then on every request fails at once with it (not retriable: nothing will reopen). */
  #closed: ClientClosedError | null = null;
  /** Backoffs under way: close() ends them, so a retry loop stops at once instead of after its sleep. */
  readonly #sleeping = new Set<(error: LoglabError) => void>();

  constructor(options: KafkaTransportOptions) {
    this.#options = options;
    this.#bootstrap = parseBootstrap(options.bootstrap);
    this.#clientId = options.clientId ?? "loglab";
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.#retries = options.retries ?? 20;
  }

  /** Closes every connection; requests waiting, and every later one, fail with ClientClosedError. */
  close(): void {
    if (this.#closed !== null) return;
    const closed = new ClientClosedError(`the Kafka transport to ${this.#bootstrap.map((a) => `${a.host}:${a.port}`).join(",")}`);
    this.#closed = closed;
    for (const wake of [...this.#sleeping]) wake(closed);
    for (const link of [...this.#links.values()]) link.close(closed);
    this.#links.clear();
  }

  /** A closed transport refuses at once: its error is no NetworkError, so no retry loop here asks again. */
  #ensureOpen(): void {
    if (this.#closed !== null) throw this.#closed;
  }

  // --- connections -------------------------------------------------------------------------------------------

  #link(address: BrokerAddress): BrokerLink {
    this.#ensureOpen();
    const key = `${address.host}:${address.port}`;
    const existing = this.#links.get(key);
    if (existing !== undefined && !existing.closed) return existing;
    const link = new BrokerLink({
      address, dial: this.#options.dial, scheduler: this.#options.scheduler, clientId: this.#clientId,
      requestTimeoutMs: this.#requestTimeoutMs, inFlightMax: this.#options.inFlightMax,
      onClose: (closed) => {
        if (this.#links.get(key) === closed) this.#links.delete(key);
      },
    });
    this.#links.set(key, link);
    return link;
  }

  /** A connected broker: one already open, else the known brokers and the bootstrap servers in turn. */
  async #anyLink(): Promise<BrokerLink> {
    this.#ensureOpen();
    for (const link of this.#links.values()) if (!link.closed) return link;
    let failure: unknown = null;
    for (const address of [...this.#brokers.values(), ...this.#bootstrap]) {
      const link = this.#link(address);
      try {
        await link.ready();
        return link;
      } catch (error) {
        this.#ensureOpen();
        failure = error;
      }
    }
    throw failure ?? new NetworkError(this.#bootstrap.map((a) => `${a.host}:${a.port}`).join(","), "no broker reachable");
  }

  #backoff(attempt: number): Promise<void> {
    this.#ensureOpen();
    const base = this.#options.retryBackoffMs ?? 100;
    const max = this.#options.retryBackoffMaxMs ?? 1000;
    return new Promise<void>((resolve, reject) => {
      const wake = (error: LoglabError): void => {
        timer.cancel();
        this.#sleeping.delete(wake);
        reject(error);
      };
      const timer = this.#options.scheduler.setTimer(Math.min(max, base * 2 ** attempt), () => {
        this.#sleeping.delete(wake);
        resolve();
      });
      this.#sleeping.add(wake);
    });
  }

  // --- metadata ----------------------------------------------------------------------------------------------

  async #fetchMetadata(topics: readonly string[]): Promise<MetadataResponse> {
    const link = await this.#anyLink();
    const allow = this.#options.allowAutoTopicCreation ?? true;
    const { body } = await link.request<MetadataResponse>(apiKeys.Metadata, (v) => ({
      topics: topics.map((name) => ({ name, ...(v >= 10 ? { topicId: uuidZero } : {}) })),
      ...(v >= 4 ? { allowAutoTopicCreation: allow } : {}),
      ...(v >= 8 && v <= 10 ? { includeClusterAuthorizedOperations: false } : {}),
      ...(v >= 8 ? { includeTopicAuthorizedOperations: false } : {}),
    }));
    const answer = body!;
    for (const broker of answer.brokers) this.#brokers.set(broker.nodeId, { host: broker.host, port: broker.port });
    for (const topic of answer.topics) {
      if (topic.errorCode === 0) this.#partitionCounts.set(topic.name ?? "", topic.partitions.length);
      for (const p of topic.partitions) {
        const key = tpKey({ topic: topic.name ?? "", partition: p.partitionIndex });
        if (p.leaderId >= 0 && p.errorCode === 0) this.#leaders.set(key, p.leaderId);
        else this.#leaders.delete(key);
      }
    }
    return answer;
  }

  async metadata(topics: readonly string[]): Promise<{ topics: TopicMetadata[] }> {
    for (let attempt = 0; ; attempt++) {
      const answer = await this.#fetchMetadata(topics);
      // A topic being auto-created is unknown, then leaderless, for a moment; without auto-creation unknown is final.
      const creating = this.#options.allowAutoTopicCreation ?? true;
      const settling = answer.topics.some((t) => (t.errorCode === UNKNOWN_TOPIC ? creating : STALE_LEADER.has(t.errorCode)) ||
        t.partitions.some((p) => p.leaderId < 0 || STALE_LEADER.has(p.errorCode)));
      if (settling && attempt < this.#retries) {
        await this.#backoff(attempt);
        continue;
      }
      return {
        topics: topics.map((name) => {
          const topic = answer.topics.find((t) => t.name === name);
          if (topic === undefined) return { topic: name, error: errorFromCode(errorCodeOf("UNKNOWN_TOPIC_OR_PARTITION"), `topic ${name}`), partitions: 0 };
          const error = errorFromCode(topic.errorCode, `topic ${name}`);
          return { topic: name, error, partitions: error === null ? topic.partitions.length : 0 };
        }),
      };
    }
  }

  /** The leader of each partition, looking up (once per call) those not known; null for a partition with none. */
  async #leaderOf(partitions: readonly TopicPartition[]): Promise<Map<string, BrokerAddress | null>> {
    const unknown = [...new Set(partitions.filter((tp) => !this.#leaders.has(tpKey(tp))).map((tp) => tp.topic))];
    if (unknown.length > 0) await this.#fetchMetadata(unknown);
    const leaders = new Map<string, BrokerAddress | null>();
    for (const tp of partitions) {
      const node = this.#leaders.get(tpKey(tp));
      leaders.set(tpKey(tp), node === undefined ? null : this.#brokers.get(node) ?? null);
    }
    return leaders;
  }

  /** Why a partition has no leader: the topic lacks it (UNKNOWN_TOPIC_OR_PARTITION), or none is elected yet. */
  #leaderless(tp: TopicPartition): LoglabError {
    const count = this.#partitionCounts.get(tp.topic);
    const name = count === undefined || tp.partition >= count ? "UNKNOWN_TOPIC_OR_PARTITION" : "LEADER_NOT_AVAILABLE";
    return errorFromCode(errorCodeOf(name), tpName(tp), count === undefined ? `no topic ${tp.topic}` : `topic ${tp.topic} has ${count} partitions`)!;
  }

  /**
   * Sends per-partition requests to each partition's leader and merges the answers. `send` asks one leader about
   * its partitions and gives each one's error code with its answer; partitions whose leader moved (or has none yet)
   * are asked again after fresh metadata. A leader that cannot be reached answers `failed` for its partitions.
   */
  async #perLeader<P extends TopicPartition, A>(
    partitions: readonly P[],
    send: (link: BrokerLink, partitions: P[]) => Promise<Map<string, { code: number; answer: A }>>,
    failed: (partition: P, error: LoglabError) => A,
  ): Promise<A[]> {
    const results = new Map<string, A>();
    let pending = [...partitions];
    for (let attempt = 0; pending.length > 0; attempt++) {
      const lastAttempt = attempt >= this.#retries;
      const leaders = await this.#leaderOf(pending);
      const retry: P[] = [];
      const groups = groupBy(pending, (tp) => leaders.get(tpKey(tp)) ?? null);
      await Promise.all([...groups].map(async ([leader, group]) => {
        if (leader === null) {
          if (!lastAttempt) retry.push(...group);
          else for (const tp of group) results.set(tpKey(tp), failed(tp, this.#leaderless(tp)));
          return;
        }
        let answers: Map<string, { code: number; answer: A }>;
        try {
          answers = await send(this.#link(leader), group);
        } catch (error) {
          if (!(error instanceof NetworkError)) throw error;
          // The leader may have moved off a broker that went away: look it up again next time.
          for (const tp of group) {
            this.#leaders.delete(tpKey(tp));
            results.set(tpKey(tp), failed(tp, error));
          }
          return;
        }
        for (const tp of group) {
          const answer = answers.get(tpKey(tp));
          if (answer === undefined) {
            results.set(tpKey(tp), failed(tp, errorFromCode(errorCodeOf("UNKNOWN_SERVER_ERROR"), tpName(tp), "the broker's answer left this partition out")!));
          } else if (STALE_LEADER.has(answer.code) && !lastAttempt) {
            this.#leaders.delete(tpKey(tp));
            retry.push(tp);
          } else results.set(tpKey(tp), answer.answer);
        }
      }));
      if (retry.length > 0) await this.#backoff(attempt);
      pending = retry;
    }
    return partitions.map((tp) => results.get(tpKey(tp))!);
  }

  // --- produce, fetch, list offsets --------------------------------------------------------------------------

  async produce(request: ProduceRequest): Promise<ProduceResponse> {
    const answered = request.acks !== 0;
    const transactionalId = request.partitions
      .map((p) => transactionalProducerId(p.records))
      .map((id) => (id === null ? undefined : this.#transactionalIds.get(id)))
      .find((id) => id !== undefined) ?? null;
    type Part = ProduceRequest["partitions"][number];
    const failed = (tp: Part, error: LoglabError): PartitionProduceResponse => ({
      topic: tp.topic, partition: tp.partition, error, baseOffset: -1, logAppendTime: -1, logStartOffset: -1,
    });
    const partitions = await this.#perLeader<Part, PartitionProduceResponse>(request.partitions, async (link, group) => {
      const { body } = await link.request<WireProduceResponse>(apiKeys.Produce, () => ({
        transactionalId, acks: request.acks, timeoutMs: this.#requestTimeoutMs,
        topicData: [...groupBy(group, (p) => p.topic)].map(([name, parts]) => ({
          name, partitionData: parts.map((p) => ({ index: p.partition, records: p.records })),
        })),
      }), { answered });
      const answers = new Map<string, { code: number; answer: PartitionProduceResponse }>();
      if (body === null) {
        for (const p of group) answers.set(tpKey(p), { code: 0, answer: { topic: p.topic, partition: p.partition, error: null, baseOffset: -1, logAppendTime: -1, logStartOffset: -1 } });
        return answers;
      }
      for (const topic of body.responses) {
        for (const p of topic.partitionResponses) {
          const tp = { topic: topic.name ?? "", partition: p.index };
          answers.set(tpKey(tp), {
            code: p.errorCode,
            answer: {
              ...tp, error: errorFromCode(p.errorCode, tpName(tp), p.errorMessage), baseOffset: toNumber(p.baseOffset, "baseOffset"),
              logAppendTime: toNumber(p.logAppendTimeMs, "logAppendTimeMs"), logStartOffset: p.logStartOffset === undefined ? -1 : toNumber(p.logStartOffset, "logStartOffset"),
            },
          });
        }
      }
      return answers;
    }, failed);
    return { partitions };
  }

  async fetch(request: FetchRequest): Promise<FetchResponse> {
    const isolationLevel = request.isolationLevel === "read_committed" ? 1 : 0;
    const maxWaitMs = this.#options.fetchMaxWaitMs ?? 500;
    type Part = FetchRequest["partitions"][number];
    const failed = (tp: Part, error: LoglabError): PartitionFetchResponse => ({
      topic: tp.topic, partition: tp.partition, error, highWatermark: -1, lastStableOffset: -1, logStartOffset: -1,
      records: new Uint8Array(0), abortedTransactions: [],
    });
    const partitions = await this.#perLeader<Part, PartitionFetchResponse>(request.partitions, async (link, group) => {
      const { body } = await link.request<WireFetchResponse>(apiKeys.Fetch, (v) => ({
        replicaId: -1, maxWaitMs, minBytes: this.#options.fetchMinBytes ?? 1, maxBytes: this.#options.fetchMaxBytes ?? 52_428_800, isolationLevel,
        ...(v >= 7 ? { sessionId: 0, sessionEpoch: -1, forgottenTopicsData: [] } : {}),
        topics: [...groupBy(group, (p) => p.topic)].map(([topic, parts]) => ({
          topic,
          partitions: parts.map((p) => ({
            partition: p.partition, fetchOffset: BigInt(p.fetchOffset), partitionMaxBytes: p.maxBytes ?? PARTITION_FETCH_BYTES,
            ...(v >= 9 ? { currentLeaderEpoch: -1 } : {}),
            ...(v >= 12 ? { lastFetchedEpoch: -1 } : {}),
            ...(v >= 5 ? { logStartOffset: -1n } : {}),
          })),
        })),
        ...(v >= 11 ? { rackId: "" } : {}),
      }), { extraTimeoutMs: maxWaitMs });
      const answer = body!;
      const answers = new Map<string, { code: number; answer: PartitionFetchResponse }>();
      for (const topic of answer.responses) {
        for (const p of topic.partitions) {
          const tp = { topic: topic.topic ?? "", partition: p.partitionIndex };
          const code = p.errorCode !== 0 ? p.errorCode : answer.errorCode ?? 0;
          answers.set(tpKey(tp), {
            code,
            answer: {
              ...tp, error: errorFromCode(code, tpName(tp)), highWatermark: toNumber(p.highWatermark, "highWatermark"),
              lastStableOffset: toNumber(p.lastStableOffset, "lastStableOffset"),
              logStartOffset: p.logStartOffset === undefined ? -1 : toNumber(p.logStartOffset, "logStartOffset"),
              records: p.records ?? new Uint8Array(0),
              // The wire names each aborted transaction's producer and first offset; its end is the producer's ABORT marker.
              abortedTransactions: (p.abortedTransactions ?? []).map((a) => ({
                producerId: toNumber(a.producerId, "producerId"), firstOffset: toNumber(a.firstOffset, "firstOffset"), lastOffset: -1,
              })),
            },
          });
        }
      }
      return answers;
    }, failed);
    return { partitions };
  }

  async listOffsets(request: ListOffsetsRequest): Promise<{ partitions: PartitionListOffsetsResponse[] }> {
    const isolationLevel = request.isolationLevel === "read_committed" ? 1 : 0;
    type Part = ListOffsetsRequest["partitions"][number];
    const failed = (tp: Part, error: LoglabError): PartitionListOffsetsResponse => ({ topic: tp.topic, partition: tp.partition, error, offset: -1, timestamp: -1 });
    const partitions = await this.#perLeader<Part, PartitionListOffsetsResponse>(request.partitions, async (link, group) => {
      const { body } = await link.request<ListOffsetsResponse>(apiKeys.ListOffsets, (v) => ({
        replicaId: -1, ...(v >= 2 ? { isolationLevel } : {}),
        topics: [...groupBy(group, (p) => p.topic)].map(([name, parts]) => ({
          name,
          partitions: parts.map((p) => ({
            partitionIndex: p.partition, ...(v >= 4 ? { currentLeaderEpoch: -1 } : {}),
            timestamp: p.timestamp === "earliest" ? -2n : p.timestamp === "latest" ? -1n : BigInt(p.timestamp),
          })),
        })),
      }));
      const answers = new Map<string, { code: number; answer: PartitionListOffsetsResponse }>();
      for (const topic of body!.topics) {
        for (const p of topic.partitions) {
          const tp = { topic: topic.name, partition: p.partitionIndex };
          answers.set(tpKey(tp), {
            code: p.errorCode,
            answer: { ...tp, error: errorFromCode(p.errorCode, tpName(tp)), offset: toNumber(p.offset, "offset"), timestamp: toNumber(p.timestamp, "timestamp") },
          });
        }
      }
      return answers;
    }, failed);
    return { partitions };
  }

  // --- coordinators ------------------------------------------------------------------------------------------

  async #findCoordinator(keyType: number, key: string): Promise<BrokerAddress> {
    const cacheKey = `${keyType}\0${key}`;
    const cached = this.#coordinators.get(cacheKey);
    if (cached !== undefined) return cached;
    const about = `${keyType === GROUP_KEY ? "group" : "transactional id"} ${key}`;
    for (let attempt = 0; ; attempt++) {
      const link = await this.#anyLink();
      const { body } = await link.request<FindCoordinatorResponse>(apiKeys.FindCoordinator, (v) => (v >= 4 ? { keyType, coordinatorKeys: [key] } : { key, keyType }));
      const answer = body!.coordinators?.[0] ?? {
        errorCode: body!.errorCode ?? 0, errorMessage: body!.errorMessage ?? null, nodeId: body!.nodeId ?? -1, host: body!.host ?? "", port: body!.port ?? -1,
      };
      if (answer.errorCode === 0) {
        const address = { host: answer.host, port: answer.port };
        this.#coordinators.set(cacheKey, address);
        return address;
      }
      // The internal topic holding the coordinator's state may still be being created or loaded.
      if ((STALE_COORDINATOR.has(answer.errorCode) || BUSY.has(answer.errorCode)) && attempt < this.#retries) {
        await this.#backoff(attempt);
        continue;
      }
      throw errorFromCode(answer.errorCode, `FindCoordinator for ${about}`, answer.errorMessage)!;
    }
  }

  /**
   * A request to the coordinator of `key`, asked again (after finding the coordinator anew where it moved) while
   * its answer's code says the coordinator is stale or busy. `codeOf` reads the answer's deciding error code.
   */
  async #toCoordinator<A>(keyType: number, key: string, send: (link: BrokerLink) => Promise<A>, codeOf: (answer: A) => number): Promise<A> {
    const cacheKey = `${keyType}\0${key}`;
    for (let attempt = 0; ; attempt++) {
      const lastAttempt = attempt >= this.#retries;
      let answer: A;
      try {
        answer = await send(this.#link(await this.#findCoordinator(keyType, key)));
      } catch (error) {
        if (!(error instanceof NetworkError) || lastAttempt) throw error;
        this.#coordinators.delete(cacheKey);
        await this.#backoff(attempt);
        continue;
      }
      const code = codeOf(answer);
      if (lastAttempt || !(STALE_COORDINATOR.has(code) || BUSY.has(code))) return answer;
      if (STALE_COORDINATOR.has(code)) this.#coordinators.delete(cacheKey);
      await this.#backoff(attempt);
    }
  }

  /** A request any broker answers (an idempotent producer id), asked again while the answer says busy or not ready. */
  async #toAnyBroker<A>(send: (link: BrokerLink) => Promise<A>, codeOf: (answer: A) => number): Promise<A> {
    for (let attempt = 0; ; attempt++) {
      const answer = await send(await this.#anyLink());
      const code = codeOf(answer);
      if (attempt >= this.#retries || !(STALE_COORDINATOR.has(code) || BUSY.has(code))) return answer;
      await this.#backoff(attempt);
    }
  }

  // --- groups ------------------------------------------------------------------------------------------------

  async joinGroup(request: JoinGroupRequest): Promise<JoinGroupResponse> {
    let memberId = request.memberId;
    for (;;) {
      const answer = await this.#toCoordinator(GROUP_KEY, request.groupId, async (link) => (await link.request<WireJoinGroupResponse>(apiKeys.JoinGroup, (v) => ({
        groupId: request.groupId, sessionTimeoutMs: request.sessionTimeoutMs, ...(v >= 1 ? { rebalanceTimeoutMs: request.rebalanceTimeoutMs } : {}),
        memberId, ...(v >= 5 ? { groupInstanceId: null } : {}), protocolType: PROTOCOL_TYPE,
        protocols: request.protocols.map((p) => ({ name: p.name, metadata: subscriptionToWire(p.metadata) })),
        ...(v >= 8 ? { reason: null } : {}),
      }), { extraTimeoutMs: request.rebalanceTimeoutMs })).body!, (a) => a.errorCode);
      // KIP-394: a first join is answered with the member id to join with.
      if (answer.errorCode === MEMBER_ID_REQUIRED && memberId === "" && answer.memberId !== "") {
        memberId = answer.memberId;
        continue;
      }
      if (answer.errorCode === 0 && answer.protocolName) this.#groupProtocols.set(request.groupId, answer.protocolName);
      return {
        error: errorFromCode(answer.errorCode, `group ${request.groupId}`), generationId: answer.generationId, protocolName: answer.protocolName ?? "",
        leaderId: answer.leader, memberId: answer.memberId === "" ? memberId : answer.memberId,
        members: answer.members.map((m) => ({ memberId: m.memberId, metadata: subscriptionFromWire(m.metadata) })),
      };
    }
  }

  async syncGroup(request: SyncGroupRequest): Promise<SyncGroupResponse> {
    const answer = await this.#toCoordinator(GROUP_KEY, request.groupId, async (link) => (await link.request<WireSyncGroupResponse>(apiKeys.SyncGroup, (v) => ({
      groupId: request.groupId, generationId: request.generationId, memberId: request.memberId,
      ...(v >= 3 ? { groupInstanceId: null } : {}),
      ...(v >= 5 ? { protocolType: PROTOCOL_TYPE, protocolName: this.#groupProtocols.get(request.groupId) ?? null } : {}),
      assignments: (request.assignments ?? []).map((a) => ({ memberId: a.memberId, assignment: assignmentToWire(a.assignment) })),
    }), { extraTimeoutMs: this.#requestTimeoutMs })).body!, (a) => a.errorCode);
    return { error: errorFromCode(answer.errorCode, `group ${request.groupId}`), assignment: assignmentFromWire(answer.assignment) };
  }

  async heartbeat(request: MemberRequest): Promise<LoglabError | null> {
    const answer = await this.#toCoordinator(GROUP_KEY, request.groupId, async (link) => (await link.request<HeartbeatResponse>(apiKeys.Heartbeat, (v) => ({
      groupId: request.groupId, generationId: request.generationId, memberId: request.memberId, ...(v >= 3 ? { groupInstanceId: null } : {}),
    }))).body!, (a) => a.errorCode);
    return errorFromCode(answer.errorCode, `group ${request.groupId}`);
  }

  async leaveGroup(groupId: string, memberId: string): Promise<LoglabError | null> {
    const codeOf = (a: LeaveGroupResponse): number => (a.errorCode !== 0 ? a.errorCode : a.members?.[0]?.errorCode ?? 0);
    const answer = await this.#toCoordinator(GROUP_KEY, groupId, async (link) => (await link.request<LeaveGroupResponse>(apiKeys.LeaveGroup, (v) => (v >= 3
      ? { groupId, members: [{ memberId, groupInstanceId: null, ...(v >= 5 ? { reason: null } : {}) }] }
      : { groupId, memberId }))).body!, codeOf);
    return errorFromCode(codeOf(answer), `group ${groupId}`);
  }

  async offsetCommit(request: OffsetCommitRequest): Promise<{ partitions: (TopicPartition & { error: LoglabError | null })[] }> {
    const codeOf = (a: OffsetCommitResponse): number => a.topics[0]?.partitions[0]?.errorCode ?? 0;
    const answer = await this.#toCoordinator(GROUP_KEY, request.groupId, async (link) => (await link.request<OffsetCommitResponse>(apiKeys.OffsetCommit, (v) => ({
      groupId: request.groupId, generationIdOrMemberEpoch: request.generationId ?? -1, memberId: request.memberId ?? "",
      ...(v >= 7 ? { groupInstanceId: null } : {}),
      ...(v <= 4 ? { retentionTimeMs: -1n } : {}),
      topics: [...groupBy(request.offsets, (o) => o.topic)].map(([name, offsets]) => ({
        name,
        partitions: offsets.map((o) => ({
          partitionIndex: o.partition, committedOffset: BigInt(o.offset), ...(v >= 6 ? { committedLeaderEpoch: -1 } : {}), committedMetadata: o.metadata ?? "",
        })),
      })),
    }))).body!, codeOf);
    const codes = new Map(answer.topics.flatMap((t) => t.partitions.map((p) => [tpKey({ topic: t.name ?? "", partition: p.partitionIndex }), p.errorCode] as const)));
    return {
      partitions: request.offsets.map((o) => ({
        topic: o.topic, partition: o.partition,
        error: errorFromCode(codes.get(tpKey(o)) ?? errorCodeOf("UNKNOWN_SERVER_ERROR"), `group ${request.groupId} offset of ${tpName(o)}`),
      })),
    };
  }

  async offsetFetch(groupId: string, partitions?: readonly TopicPartition[]): Promise<OffsetFetchResponse> {
    const topics = partitions === undefined
      ? null
      : [...groupBy(partitions, (tp) => tp.topic)].map(([name, parts]) => ({ name, partitionIndexes: parts.map((p) => p.partition) }));
    // A group error (v8 per group, v2–7 at the top), else the first partition's: stale coordinators and unstable offsets are asked again.
    const read = (a: WireOffsetFetchResponse) => {
      const group = a.groups?.[0];
      return {
        errorCode: group?.errorCode ?? a.errorCode ?? 0,
        topics: (group?.topics ?? a.topics ?? []).map((t) => ({ name: t.name ?? "", partitions: t.partitions })),
      };
    };
    const codeOf = (a: WireOffsetFetchResponse): number => {
      const { errorCode, topics: answered } = read(a);
      return errorCode !== 0 ? errorCode : answered.flatMap((t) => t.partitions).find((p) => p.errorCode !== 0)?.errorCode ?? 0;
    };
    const answer = read(await this.#toCoordinator(GROUP_KEY, groupId, async (link) => (await link.request<WireOffsetFetchResponse>(apiKeys.OffsetFetch, (v) => (v >= 8
      ? { groups: [{ groupId, topics }], requireStable: true }
      : { groupId, topics: topics ?? (v < 2 ? [] : null), ...(v >= 7 ? { requireStable: true } : {}) }))).body!, codeOf));
    if (answer.errorCode !== 0) throw errorFromCode(answer.errorCode, `OffsetFetch for group ${groupId}`)!;
    return {
      partitions: answer.topics.flatMap((t) => t.partitions.map((p) => ({
        topic: t.name, partition: p.partitionIndex, error: errorFromCode(p.errorCode, `group ${groupId} offset of ${t.name}-${p.partitionIndex}`),
        offset: toNumber(p.committedOffset, "committedOffset"), metadata: p.metadata ?? "",
      }))),
    };
  }

  // --- transactions ------------------------------------------------------------------------------------------

  async initProducerId(transactionalId?: string): Promise<InitProducerIdResponse> {
    const send = async (link: BrokerLink): Promise<WireInitProducerIdResponse> => (await link.request<WireInitProducerIdResponse>(apiKeys.InitProducerId, (v) => ({
      transactionalId: transactionalId ?? null, transactionTimeoutMs: this.#options.transactionTimeoutMs ?? 60_000,
      ...(v >= 3 ? { producerId: -1n, producerEpoch: -1 } : {}),
    }))).body!;
    const answer = transactionalId === undefined
      ? await this.#toAnyBroker(send, (a) => a.errorCode)
      : await this.#toCoordinator(TRANSACTION_KEY, transactionalId, send, (a) => a.errorCode);
    const error = errorFromCode(answer.errorCode, transactionalId === undefined ? "an idempotent producer id" : `transactional id ${transactionalId}`);
    if (error !== null) throw error;
    const producerId = toNumber(answer.producerId, "producerId");
    if (transactionalId !== undefined) this.#transactionalIds.set(producerId, transactionalId);
    return { producerId, producerEpoch: answer.producerEpoch };
  }

  async addPartitionsToTxn(request: TransactionRequest & { readonly partitions: readonly TopicPartition[] }): Promise<void> {
    this.#transactionalIds.set(request.producerId, request.transactionalId);
    const codeOf = (a: AddPartitionsToTxnResponse): number =>
      (a.resultsByTopicV3AndBelow ?? []).flatMap((t) => t.resultsByPartition).find((p) => p.partitionErrorCode !== 0)?.partitionErrorCode ?? 0;
    const answer = await this.#toCoordinator(TRANSACTION_KEY, request.transactionalId, async (link) => (await link.request<AddPartitionsToTxnResponse>(apiKeys.AddPartitionsToTxn, () => ({
      v3AndBelowTransactionalId: request.transactionalId, v3AndBelowProducerId: BigInt(request.producerId), v3AndBelowProducerEpoch: request.producerEpoch,
      v3AndBelowTopics: [...groupBy(request.partitions, (tp) => tp.topic)].map(([name, parts]) => ({ name, partitions: parts.map((p) => p.partition) })),
    }))).body!, codeOf);
    const error = errorFromCode(codeOf(answer), `transactional id ${request.transactionalId} adding partitions`);
    if (error !== null) throw error;
  }

  /** Kafka's two requests for loglab's one: AddOffsetsToTxn to the transaction coordinator, then TxnOffsetCommit to the group's. */
  async addOffsetsToTxn(request: TransactionRequest & { readonly offsets: TransactionOffsets }): Promise<void> {
    const { transactionalId, producerId, producerEpoch } = request;
    const { groupId, offsets } = request.offsets;
    this.#transactionalIds.set(producerId, transactionalId);
    const added = await this.#toCoordinator(TRANSACTION_KEY, transactionalId, async (link) => (await link.request<AddOffsetsToTxnResponse>(apiKeys.AddOffsetsToTxn, () => ({
      transactionalId, producerId: BigInt(producerId), producerEpoch, groupId,
    }))).body!, (a) => a.errorCode);
    const addError = errorFromCode(added.errorCode, `transactional id ${transactionalId} adding offsets of group ${groupId}`);
    if (addError !== null) throw addError;
    const codeOf = (a: TxnOffsetCommitResponse): number => a.topics.flatMap((t) => t.partitions).find((p) => p.errorCode !== 0)?.errorCode ?? 0;
    const committed = await this.#toCoordinator(GROUP_KEY, groupId, async (link) => (await link.request<TxnOffsetCommitResponse>(apiKeys.TxnOffsetCommit, (v) => ({
      transactionalId, groupId, producerId: BigInt(producerId), producerEpoch,
      ...(v >= 3 ? { generationId: -1, memberId: "", groupInstanceId: null } : {}),
      topics: [...groupBy(offsets, (o) => o.topic)].map(([name, parts]) => ({
        name,
        partitions: parts.map((o) => ({
          partitionIndex: o.partition, committedOffset: BigInt(o.offset), ...(v >= 2 ? { committedLeaderEpoch: -1 } : {}), committedMetadata: o.metadata ?? "",
        })),
      })),
    }))).body!, codeOf);
    const commitError = errorFromCode(codeOf(committed), `transactional id ${transactionalId} committing offsets of group ${groupId}`);
    if (commitError !== null) throw commitError;
  }

  async endTxn(request: TransactionRequest & { readonly commit: boolean }): Promise<void> {
    const answer = await this.#toCoordinator(TRANSACTION_KEY, request.transactionalId, async (link) => (await link.request<EndTxnResponse>(apiKeys.EndTxn, () => ({
      transactionalId: request.transactionalId, producerId: BigInt(request.producerId), producerEpoch: request.producerEpoch, committed: request.commit,
    }))).body!, (a) => a.errorCode);
    const error = errorFromCode(answer.errorCode, `transactional id ${request.transactionalId} ${request.commit ? "committing" : "aborting"}`);
    if (error !== null) throw error;
  }
}
