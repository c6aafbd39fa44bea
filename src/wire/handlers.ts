// Kafka's requests answered by loglab's Broker: ApiVersions, Metadata, Produce, Fetch (with its long poll),
// ListOffsets, InitProducerId, CreateTopics, and the consumer group's FindCoordinator, JoinGroup, SyncGroup,
// Heartbeat, LeaveGroup, OffsetCommit and OffsetFetch here; transactions in transaction-handlers.ts, admin requests
// in admin-handlers.ts. Each takes the decoded body of its version and returns the response body of the same
// version; Kafka's error names in loglab's errors become Kafka's numeric codes here.

import { type Broker, OFFSETS_TOPIC, TRANSACTION_STATE_TOPIC } from "../broker/index.ts";
import { LoglabError } from "../format/index.ts";
import type { Scheduler } from "../runtime/index.ts";
import type { RequestHandler, WireRequest } from "./connection.ts";
import { KAFKA_ERROR_CODES, kafkaErrorCode } from "./error-codes.ts";
import {
  apiKeys, type ApiVersionsResponse, type CreateTopicsRequest, type FindCoordinatorRequest, type FindCoordinatorResponse,
  type HeartbeatRequest, type HeartbeatResponse, type JoinGroupRequest, type JoinGroupResponse, type LeaveGroupRequest,
  type LeaveGroupResponse, type OffsetCommitRequest, type OffsetCommitResponse, type OffsetFetchRequest, type OffsetFetchResponse,
  type SyncGroupRequest, type SyncGroupResponse, type CreateTopicsResponse, type FetchRequest, type FetchResponse,
  type FetchResponsePartitionData, type InitProducerIdRequest, type InitProducerIdResponse, type ListOffsetsRequest,
  type ListOffsetsResponse, type MetadataRequest, type MetadataResponse, type MetadataResponseTopic, type ProduceRequest,
  type ProduceResponse, type ProduceResponsePartitionProduceResponse, wireApis, type AddOffsetsToTxnRequest, type AddPartitionsToTxnRequest,
  type AddPartitionsToTxnResponse, type DeleteTopicsRequest, type DescribeConfigsRequest, type DescribeGroupsRequest, type EndTxnRequest,
  type ListGroupsRequest, type TxnOffsetCommitRequest,
} from "./generated/index.ts";
import { uuidZero } from "./primitives.ts";
import { deleteTopics, describeConfigs, describeGroups, listGroups } from "./admin-handlers.ts";
import { AUTHORIZED_OPERATIONS_OMITTED, NODE_ID, toSafeInteger as toOffset } from "./handler-support.ts";
import { addOffsetsToTxn, addPartitionsToTxn, endTxn, txnOffsetCommit } from "./transaction-handlers.ts";

export interface BrokerHandlerOptions {
  readonly broker: Broker;
  /** For the fetch long poll's deadline. */
  readonly scheduler: Scheduler;
  /** The address Metadata advertises. */
  readonly host: string;
  readonly port: number;
  /** num.partitions, for CreateTopics asking for the default (-1). */
  readonly defaultPartitions?: number;
}

const CLUSTER_ID = "loglab";
const INTERNAL_TOPICS = new Set([OFFSETS_TOPIC, TRANSACTION_STATE_TOPIC]);
/** The APIs answered here, the ones ApiVersions advertises. */
const ANSWERED: ReadonlySet<number> = new Set([
  apiKeys.ApiVersions, apiKeys.Metadata, apiKeys.Produce, apiKeys.Fetch, apiKeys.ListOffsets, apiKeys.InitProducerId, apiKeys.CreateTopics,
  apiKeys.FindCoordinator, apiKeys.JoinGroup, apiKeys.SyncGroup, apiKeys.Heartbeat, apiKeys.LeaveGroup, apiKeys.OffsetCommit, apiKeys.OffsetFetch,
  apiKeys.AddPartitionsToTxn, apiKeys.AddOffsetsToTxn, apiKeys.TxnOffsetCommit, apiKeys.EndTxn, apiKeys.DeleteTopics, apiKeys.ListGroups,
  apiKeys.DescribeGroups, apiKeys.DescribeConfigs,
]);

function errorOf(error: unknown): number {
  if (error instanceof LoglabError) return kafkaErrorCode(error);
  throw error;
}

export class BrokerHandler implements RequestHandler {
  readonly #options: BrokerHandlerOptions;
  /** Fetches waiting for data: woken by every produce this handler stores. */
  readonly #waiters = new Set<() => void>();

  constructor(options: BrokerHandlerOptions) {
    this.#options = options;
  }

  get #broker(): Broker {
    return this.#options.broker;
  }

  handle(request: WireRequest): Promise<object | null> {
    const v = request.header.apiVersion;
    switch (request.header.apiKey) {
      case apiKeys.ApiVersions:
        return Promise.resolve(this.#apiVersions(v));
      case apiKeys.Metadata:
        return this.#metadata(v, request.body as MetadataRequest);
      case apiKeys.Produce:
        return this.#produce(v, request.body as ProduceRequest);
      case apiKeys.Fetch:
        return this.#fetch(v, request.body as FetchRequest);
      case apiKeys.ListOffsets:
        return this.#listOffsets(v, request.body as ListOffsetsRequest);
      case apiKeys.InitProducerId:
        // A new epoch aborts what the previous one left open, with markers: as after EndTxn.
        return this.#initProducerId(request.body as InitProducerIdRequest).finally(() => this.#wakeFetches());
      case apiKeys.CreateTopics:
        return this.#createTopics(v, request.body as CreateTopicsRequest);
      case apiKeys.FindCoordinator:
        return Promise.resolve(this.#findCoordinator(v, request.body as FindCoordinatorRequest));
      case apiKeys.JoinGroup:
        return this.#joinGroup(request.header.clientId, request.clientHost, request.body as JoinGroupRequest);
      case apiKeys.SyncGroup:
        return this.#syncGroup(request.body as SyncGroupRequest);
      case apiKeys.Heartbeat:
        return Promise.resolve(this.#heartbeat(request.body as HeartbeatRequest));
      case apiKeys.LeaveGroup:
        return Promise.resolve(this.#leaveGroup(v, request.body as LeaveGroupRequest));
      case apiKeys.OffsetCommit:
        return this.#offsetCommit(request.body as OffsetCommitRequest);
      case apiKeys.OffsetFetch:
        return this.#offsetFetch(v, request.body as OffsetFetchRequest);
      case apiKeys.AddPartitionsToTxn:
        return addPartitionsToTxn(this.#broker, v, request.body as AddPartitionsToTxnRequest);
      case apiKeys.AddOffsetsToTxn:
        return addOffsetsToTxn(this.#broker, v, request.body as AddOffsetsToTxnRequest);
      case apiKeys.TxnOffsetCommit:
        return txnOffsetCommit(this.#broker, request.body as TxnOffsetCommitRequest);
      case apiKeys.EndTxn:
        // Its markers move the last stable offset: read_committed fetches waiting for data look again.
        return endTxn(this.#broker, v, request.body as EndTxnRequest).finally(() => this.#wakeFetches());
      case apiKeys.DeleteTopics:
        return deleteTopics(this.#broker, v, request.body as DeleteTopicsRequest).finally(() => this.#wakeFetches());
      case apiKeys.ListGroups:
        return Promise.resolve(listGroups(this.#broker, v, request.body as ListGroupsRequest));
      case apiKeys.DescribeGroups:
        return Promise.resolve(describeGroups(this.#broker, v, request.body as DescribeGroupsRequest));
      case apiKeys.DescribeConfigs:
        return Promise.resolve(describeConfigs(this.#broker, v, request.body as DescribeConfigsRequest));
      default:
        // Not advertised: the connection closes with this reason.
        return Promise.reject(new Error(`${request.api.name} is not answered by loglab serve yet`));
    }
  }

  /** An answer carrying `errorCode` for the APIs whose response has a top-level error field; null for the others. */
  unsupported(request: WireRequest, errorCode: number): object | null {
    switch (request.header.apiKey) {
      case apiKeys.InitProducerId:
        return { throttleTimeMs: 0, errorCode, producerId: -1n, producerEpoch: -1 } satisfies InitProducerIdResponse;
      case apiKeys.Heartbeat:
        return { throttleTimeMs: 0, errorCode } satisfies HeartbeatResponse;
      case apiKeys.SyncGroup:
        return { throttleTimeMs: 0, errorCode, assignment: new Uint8Array(0) } satisfies SyncGroupResponse;
      case apiKeys.JoinGroup:
        return { throttleTimeMs: 0, errorCode, generationId: -1, protocolName: "", leader: "", memberId: "", members: [] } satisfies JoinGroupResponse;
      case apiKeys.AddPartitionsToTxn:
        // v4+ is the brokers' own batched form (KIP-890), with a top-level error.
        return { throttleTimeMs: 0, errorCode, resultsByTransaction: [] } satisfies AddPartitionsToTxnResponse;
      default:
        return null;
    }
  }

  #apiVersions(version: number): ApiVersionsResponse {
    return {
      errorCode: 0,
      apiKeys: wireApis.filter((api) => ANSWERED.has(api.apiKey))
        .map((api) => ({ apiKey: api.apiKey, minVersion: api.advertisedVersions.min, maxVersion: api.advertisedVersions.max })),
      ...(version >= 1 ? { throttleTimeMs: 0 } : {}),
    };
  }

  async #metadata(v: number, request: MetadataRequest): Promise<MetadataResponse> {
    const broker = this.#broker;
    // v10+ may name a topic by its id alone (name null): an id no topic has is answered UNKNOWN_TOPIC_ID.
    const unknownIds: string[] = [];
    const asked = request.topics === null || (v === 0 && request.topics.length === 0)
      ? null
      : request.topics.flatMap((topic) => {
        const name = topic.name ?? broker.logs.topicNamed(topic.topicId ?? uuidZero);
        if (name === undefined) unknownIds.push(topic.topicId ?? uuidZero);
        return name === undefined ? [] : [name];
      });
    const allowCreate = request.allowAutoTopicCreation ?? true;
    let names: string[];
    const errors = new Map<string, number>();
    if (asked === null) names = broker.logs.listTopics();
    else {
      names = asked;
      const create = allowCreate ? asked : asked.filter((name) => broker.logs.hasTopic(name));
      for (const name of asked) if (!allowCreate && !broker.logs.hasTopic(name)) errors.set(name, KAFKA_ERROR_CODES.UNKNOWN_TOPIC_OR_PARTITION!);
      for (const answer of (await broker.metadata(create)).topics) if (answer.error !== null) errors.set(answer.topic, kafkaErrorCode(answer.error));
    }
    const topics: MetadataResponseTopic[] = names.map((name) => {
      const errorCode = errors.get(name) ?? 0;
      const count = errorCode === 0 ? broker.logs.describeTopic(name).partitions : 0;
      return {
        errorCode,
        name,
        ...(v >= 10 ? { topicId: errorCode === 0 ? broker.logs.describeTopic(name).id : uuidZero } : {}),
        ...(v >= 1 ? { isInternal: INTERNAL_TOPICS.has(name) } : {}),
        partitions: Array.from({ length: count }, (_, partitionIndex) => ({
          errorCode: 0, partitionIndex, leaderId: NODE_ID,
          ...(v >= 7 ? { leaderEpoch: -1 } : {}),
          replicaNodes: [NODE_ID], isrNodes: [NODE_ID],
          ...(v >= 5 ? { offlineReplicas: [] } : {}),
        })),
        ...(v >= 8 ? { topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED } : {}),
      };
    });
    for (const topicId of unknownIds) {
      topics.push({
        errorCode: KAFKA_ERROR_CODES.UNKNOWN_TOPIC_ID!, name: v >= 12 ? null : "", topicId, isInternal: false, partitions: [],
        ...(v >= 8 ? { topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED } : {}),
      });
    }
    return {
      ...(v >= 3 ? { throttleTimeMs: 0 } : {}),
      brokers: [{ nodeId: NODE_ID, host: this.#options.host, port: this.#options.port, ...(v >= 1 ? { rack: null } : {}) }],
      ...(v >= 2 ? { clusterId: CLUSTER_ID } : {}),
      ...(v >= 1 ? { controllerId: NODE_ID } : {}),
      topics,
      ...(v >= 8 && v <= 10 ? { clusterAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED } : {}),
    };
  }

  async #produce(v: number, request: ProduceRequest): Promise<ProduceResponse | null> {
    const answers = new Map<string, ProduceResponsePartitionProduceResponse[]>();
    const failed = (topic: string, index: number, errorCode: number): void => {
      answers.get(topic)!.push({
        index, errorCode, baseOffset: -1n, logAppendTimeMs: -1n,
        ...(v >= 5 ? { logStartOffset: -1n } : {}),
        ...(v >= 8 ? { recordErrors: [], errorMessage: null } : {}),
      });
    };
    for (const topicData of request.topicData) {
      const topic = topicData.name ?? "";
      answers.set(topic, []);
      for (const { index, records } of topicData.partitionData) {
        // The log refuses a compressed batch (UNSUPPORTED_COMPRESSION_TYPE) before storing anything.
        const bytes = records ?? new Uint8Array(0);
        const acks = request.acks as 0 | 1 | -1;
        const [answer] = (await this.#broker.produce({ acks, partitions: [{ topic, partition: index, records: bytes }] })).partitions;
        if (answer!.error !== null) {
          failed(topic, index, kafkaErrorCode(answer!.error));
          continue;
        }
        answers.get(topic)!.push({
          index, errorCode: 0, baseOffset: BigInt(answer!.baseOffset), logAppendTimeMs: BigInt(answer!.logAppendTime),
          ...(v >= 5 ? { logStartOffset: BigInt(answer!.logStartOffset) } : {}),
          ...(v >= 8 ? { recordErrors: [], errorMessage: null } : {}),
        });
      }
    }
    this.#wakeFetches();
    if (request.acks === 0) return null;
    return {
      responses: [...answers].map(([name, partitionResponses]) => ({ name, partitionResponses })),
      throttleTimeMs: 0,
    };
  }

  #wakeFetches(): void {
    for (const wake of [...this.#waiters]) wake();
  }

  /**
   * One pass over the partitions asked for. The request's max_bytes bounds the whole answer, the partition's its
   * own part; as in Kafka (KIP-74) the first batch found is returned whole even when it is larger than both, so a
   * consumer always makes progress, and after it nothing goes beyond the request's budget.
   */
  async #fetchOnce(v: number, request: FetchRequest): Promise<{ response: FetchResponse; bytes: number }> {
    const isolationLevel = request.isolationLevel === 1 ? "read_committed" : "read_uncommitted";
    const budgetBytes = request.maxBytes ?? Number.MAX_SAFE_INTEGER;
    let bytes = 0;
    const responses = [];
    for (const topic of request.topics) {
      // From v13 topics are named by id (KIP-516); an id no topic has gets UNKNOWN_TOPIC_ID on each partition.
      const name = v >= 13 ? this.#broker.logs.topicNamed(topic.topicId ?? uuidZero) : (topic.topic ?? "");
      const named = v >= 13 ? { topicId: topic.topicId ?? uuidZero } : { topic: name ?? "" };
      const partitions: FetchResponsePartitionData[] = [];
      if (name === undefined) {
        for (const p of topic.partitions) {
          partitions.push({
            partitionIndex: p.partition, errorCode: KAFKA_ERROR_CODES.UNKNOWN_TOPIC_ID!, highWatermark: -1n, lastStableOffset: -1n,
            logStartOffset: -1n, abortedTransactions: null, preferredReadReplica: -1, records: new Uint8Array(0),
          });
        }
        responses.push({ ...named, partitions });
        continue;
      }
      for (const p of topic.partitions) {
        const remaining = budgetBytes - bytes;
        const maxBytes = bytes === 0 ? p.partitionMaxBytes : Math.max(0, Math.min(p.partitionMaxBytes, remaining));
        const [fetched] = (await this.#broker.fetch({
          isolationLevel, partitions: [{ topic: name, partition: p.partition, fetchOffset: toOffset(p.fetchOffset), maxBytes: Math.max(1, maxBytes) }],
        })).partitions;
        // The log returns at least one batch: past the first one, a batch over the budget waits for the next fetch.
        const records = bytes > 0 && fetched!.records.length > maxBytes ? new Uint8Array(0) : fetched!.records;
        bytes += records.length;
        partitions.push({
          partitionIndex: fetched!.partition,
          errorCode: kafkaErrorCode(fetched!.error),
          highWatermark: BigInt(fetched!.highWatermark),
          lastStableOffset: BigInt(fetched!.lastStableOffset),
          ...(v >= 5 ? { logStartOffset: BigInt(fetched!.logStartOffset) } : {}),
          abortedTransactions: isolationLevel === "read_committed"
            ? fetched!.abortedTransactions.map((a) => ({ producerId: BigInt(a.producerId), firstOffset: BigInt(a.firstOffset) }))
            : null,
          ...(v >= 11 ? { preferredReadReplica: -1 } : {}),
          records,
        });
      }
      responses.push({ ...named, partitions });
    }
    return {
      response: { throttleTimeMs: 0, ...(v >= 7 ? { errorCode: 0, sessionId: 0 } : {}), responses },
      bytes,
    };
  }

  /** Fetch as a long poll: answers once min_bytes are there, or at max_wait_ms with what there is. */
  async #fetch(v: number, request: FetchRequest): Promise<FetchResponse> {
    const { scheduler } = this.#options;
    const deadline = scheduler.nowMs() + Math.max(0, request.maxWaitMs);
    for (;;) {
      const { response, bytes } = await this.#fetchOnce(v, request);
      const errors = response.responses.some((t) => t.partitions.some((p) => p.errorCode !== 0));
      const remaining = deadline - scheduler.nowMs();
      if (bytes >= Math.max(1, request.minBytes) || errors || remaining <= 0) return response;
      // Sleeps until a produce lands or the deadline passes: no polling.
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          this.#waiters.delete(wake);
          timer.cancel();
          resolve();
        };
        const timer = scheduler.setTimer(remaining, wake);
        this.#waiters.add(wake);
      });
    }
  }

  async #listOffsets(v: number, request: ListOffsetsRequest): Promise<ListOffsetsResponse> {
    const isolationLevel = request.isolationLevel === 1 ? "read_committed" : "read_uncommitted";
    const topics = [];
    for (const topic of request.topics) {
      const answer = await this.#broker.listOffsets({
        isolationLevel,
        partitions: topic.partitions.map((p) => ({
          topic: topic.name, partition: p.partitionIndex,
          timestamp: p.timestamp === -2n ? "earliest" : p.timestamp === -1n ? "latest" : toOffset(p.timestamp),
        })),
      });
      topics.push({
        name: topic.name,
        partitions: answer.partitions.map((p) => ({
          partitionIndex: p.partition, errorCode: kafkaErrorCode(p.error), timestamp: BigInt(p.timestamp), offset: BigInt(p.offset),
          ...(v >= 4 ? { leaderEpoch: -1 } : {}),
        })),
      });
    }
    return { ...(v >= 2 ? { throttleTimeMs: 0 } : {}), topics };
  }

  async #initProducerId(request: InitProducerIdRequest): Promise<InitProducerIdResponse> {
    try {
      const { producerId, producerEpoch } = await this.#broker.initProducerId(request.transactionalId ?? undefined);
      return { throttleTimeMs: 0, errorCode: 0, producerId: BigInt(producerId), producerEpoch };
    } catch (error) {
      return { throttleTimeMs: 0, errorCode: errorOf(error), producerId: -1n, producerEpoch: -1 };
    }
  }

  async #createTopics(v: number, request: CreateTopicsRequest): Promise<CreateTopicsResponse> {
    const topics = [];
    for (const topic of request.topics) {
      const partitions = topic.numPartitions === -1 ? (this.#options.defaultPartitions ?? 1) : topic.numPartitions;
      let errorCode = 0;
      let errorMessage: string | null = null;
      try {
        if (this.#broker.logs.hasTopic(topic.name)) errorCode = KAFKA_ERROR_CODES.TOPIC_ALREADY_EXISTS!;
        else if (!request.validateOnly) {
          const configs = Object.fromEntries(topic.configs.map((c) => [c.name, c.value ?? ""]));
          await this.#broker.logs.createTopic(topic.name, partitions, configs);
        }
      } catch (error) {
        errorCode = errorOf(error);
        errorMessage = (error as Error).message;
      }
      topics.push({
        name: topic.name,
        ...(v >= 7 ? { topicId: errorCode === 0 && !request.validateOnly ? this.#broker.logs.describeTopic(topic.name).id : uuidZero } : {}),
        errorCode, errorMessage,
        ...(v >= 5 ? { numPartitions: errorCode === 0 ? partitions : -1, replicationFactor: errorCode === 0 ? 1 : -1, configs: [] } : {}),
      });
    }
    return { throttleTimeMs: 0, topics };
  }

  /** This broker coordinates every group (and transactional id): it answers with itself. */
  #findCoordinator(v: number, request: FindCoordinatorRequest): FindCoordinatorResponse {
    const { host, port } = this.#options;
    if (v >= 4) {
      return {
        throttleTimeMs: 0,
        coordinators: (request.coordinatorKeys ?? []).map((key) => ({ key, nodeId: NODE_ID, host, port, errorCode: 0, errorMessage: null })),
      };
    }
    return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: NODE_ID, host, port };
  }

  /** `clientHost`: the connection's peer, which DescribeGroups shows for the member (the broker's default when absent). */
  async #joinGroup(clientId: string | null, clientHost: string | undefined, request: JoinGroupRequest): Promise<JoinGroupResponse> {
    try {
      const answer = await this.#broker.joinGroup({
        groupId: request.groupId, memberId: request.memberId, clientId: clientId ?? "", clientHost, sessionTimeoutMs: request.sessionTimeoutMs,
        rebalanceTimeoutMs: request.rebalanceTimeoutMs ?? request.sessionTimeoutMs, protocols: request.protocols,
      });
      return {
        throttleTimeMs: 0, errorCode: kafkaErrorCode(answer.error), generationId: answer.generationId, protocolType: request.protocolType,
        protocolName: answer.protocolName, leader: answer.leaderId, memberId: answer.memberId,
        members: answer.members.map((m) => ({ memberId: m.memberId, groupInstanceId: null, metadata: m.metadata })),
      };
    } catch (error) {
      return { throttleTimeMs: 0, errorCode: errorOf(error), generationId: -1, protocolName: "", leader: "", memberId: request.memberId, members: [] };
    }
  }

  async #syncGroup(request: SyncGroupRequest): Promise<SyncGroupResponse> {
    try {
      const answer = await this.#broker.syncGroup({
        groupId: request.groupId, generationId: request.generationId, memberId: request.memberId, assignments: request.assignments,
      });
      return {
        throttleTimeMs: 0, errorCode: kafkaErrorCode(answer.error), protocolType: request.protocolType ?? null,
        protocolName: request.protocolName ?? null, assignment: answer.assignment,
      };
    } catch (error) {
      return { throttleTimeMs: 0, errorCode: errorOf(error), assignment: new Uint8Array(0) };
    }
  }

  #heartbeat(request: HeartbeatRequest): HeartbeatResponse {
    try {
      return { throttleTimeMs: 0, errorCode: kafkaErrorCode(this.#broker.heartbeat(request)) };
    } catch (error) {
      return { throttleTimeMs: 0, errorCode: errorOf(error) };
    }
  }

  #leaveGroup(v: number, request: LeaveGroupRequest): LeaveGroupResponse {
    const leave = (memberId: string): number => {
      try {
        return kafkaErrorCode(this.#broker.leaveGroup(request.groupId, memberId));
      } catch (error) {
        return errorOf(error);
      }
    };
    if (v < 3) return { throttleTimeMs: 0, errorCode: leave(request.memberId ?? "") };
    const members = (request.members ?? []).map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: leave(m.memberId) }));
    return { throttleTimeMs: 0, errorCode: 0, members };
  }

  async #offsetCommit(request: OffsetCommitRequest): Promise<OffsetCommitResponse> {
    const offsets = request.topics.flatMap((topic) => topic.partitions.map((p) => ({
      topic: topic.name ?? "", partition: p.partitionIndex, offset: toOffset(p.committedOffset), metadata: p.committedMetadata ?? "",
    })));
    const codes = new Map<string, number>();
    try {
      const answer = await this.#broker.offsetCommit({ groupId: request.groupId, generationId: request.generationIdOrMemberEpoch, memberId: request.memberId, offsets });
      for (const p of answer.partitions) codes.set(`${p.topic}\0${p.partition}`, kafkaErrorCode(p.error));
    } catch (error) {
      const code = errorOf(error);
      for (const o of offsets) codes.set(`${o.topic}\0${o.partition}`, code);
    }
    return {
      throttleTimeMs: 0,
      topics: request.topics.map((topic) => ({
        name: topic.name ?? "",
        partitions: topic.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: codes.get(`${topic.name ?? ""}\0${p.partitionIndex}`) ?? 0 })),
      })),
    };
  }

  async #offsetFetch(v: number, request: OffsetFetchRequest): Promise<OffsetFetchResponse> {
    const groups = v >= 8
      ? (request.groups ?? []).map((g) => ({ groupId: g.groupId, topics: g.topics?.map((t) => ({ name: t.name ?? "", partitionIndexes: t.partitionIndexes })) ?? null }))
      : [{ groupId: request.groupId ?? "", topics: request.topics ?? null }];
    const answers = [];
    for (const group of groups) {
      const asked = group.topics?.flatMap((t) => t.partitionIndexes.map((partition) => ({ topic: t.name, partition })));
      let errorCode = 0;
      const byTopic = new Map<string, { partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; metadata: string; errorCode: number }[]>();
      try {
        for (const p of (await this.#broker.offsetFetch(group.groupId, asked, request.requireStable ?? false)).partitions) {
          if (!byTopic.has(p.topic)) byTopic.set(p.topic, []);
          byTopic.get(p.topic)!.push({
            partitionIndex: p.partition, committedOffset: BigInt(p.offset), committedLeaderEpoch: -1, metadata: p.metadata, errorCode: kafkaErrorCode(p.error),
          });
        }
      } catch (error) {
        errorCode = errorOf(error);
      }
      answers.push({ groupId: group.groupId, errorCode, topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })) });
    }
    if (v >= 8) return { throttleTimeMs: 0, groups: answers };
    const [only] = answers;
    return { throttleTimeMs: 0, topics: only!.topics, errorCode: only!.errorCode };
  }
}
