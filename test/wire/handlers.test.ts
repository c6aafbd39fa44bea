// The request handlers over a Broker on virtual time: Kafka's numeric error codes, compressed batches refused, the
// fetch long poll woken by a produce, an EndTxn or ended by max_wait_ms, Fetch's max_bytes, Metadata's advertised
// address and auto-creation, transactions as Kafka's clients send them, the admin requests, Produce v0–2 refused.

import { describe, expect, it } from "vitest";
import { BATCH_CRC_START, BATCH_HEADER, Broker, crc32c, decodeBatches, encodeBatch, ManualScheduler, MemoryStorage, SeededRandom } from "../../src/index.ts";
import {
  type AddOffsetsToTxnRequest, type AddOffsetsToTxnResponse, type AddPartitionsToTxnRequest, type AddPartitionsToTxnResponse, apiKeys, type ApiVersionsResponse,
  BrokerHandler, Connection, type DeleteTopicsResponse, type DescribeConfigsRequest, type DescribeConfigsResponse, type DescribeGroupsRequest,
  type DescribeGroupsResponse, type EndTxnRequest, type EndTxnResponse, type FetchRequest, type FetchResponse, type InitProducerIdResponse,
  type JoinGroupRequest, type JoinGroupResponse, type ListGroupsRequest, type ListGroupsResponse, type MetadataResponse, type OffsetFetchRequest,
  type OffsetFetchResponse, type ProduceRequest, type ProduceResponse, Reader, type SyncGroupRequest, type TxnOffsetCommitRequest,
  type TxnOffsetCommitResponse, uuidZero, wireApisByKey, type WireRequest, Writer,
} from "../../src/wire/index.ts";

async function setUp(config: Record<string, string> = {}) {
  const scheduler = new ManualScheduler(1_700_000_000_000);
  const broker = await Broker.open({ storage: new MemoryStorage(), scheduler, random: new SeededRandom(1), config });
  const handler = new BrokerHandler({ broker, scheduler, host: "127.0.0.1", port: 9092 });
  const call = (apiKey: number, apiVersion: number, body: object) =>
    handler.handle({ header: { apiKey, apiVersion, correlationId: 1, clientId: null }, api: wireApisByKey.get(apiKey)!, body } satisfies WireRequest);
  const produce = (records: Uint8Array, acks = 1) =>
    call(apiKeys.Produce, 7, {
      transactionalId: null, acks, timeoutMs: 1000, topicData: [{ name: "t", partitionData: [{ index: 0, records }] }],
    } satisfies ProduceRequest) as Promise<ProduceResponse | null>;
  const fetch = (fetchOffset: bigint, maxWaitMs: number) =>
    call(apiKeys.Fetch, 11, {
      maxWaitMs, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic: "t", partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
      forgottenTopicsData: [], rackId: "",
    } satisfies FetchRequest) as Promise<FetchResponse>;
  return { scheduler, broker, handler, call, produce, fetch };
}

const batch = (value: string) => encodeBatch({ baseOffset: 0, records: [{ key: null, value: new TextEncoder().encode(value), timestamp: 1 }] });

describe("BrokerHandler", () => {
  it("advertises its address and auto-creates a topic with num.partitions", async () => {
    const { call } = await setUp({ "num.partitions": "3" });
    const answer = await call(apiKeys.Metadata, 12, { topics: [{ topicId: "00000000-0000-0000-0000-000000000000", name: "fresh" }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false }) as MetadataResponse;
    expect(answer.brokers).toEqual([{ nodeId: 0, host: "127.0.0.1", port: 9092, rack: null }]);
    expect(answer.topics.map((t) => [t.name, t.errorCode, t.partitions.length])).toEqual([["fresh", 0, 3]]);
  });

  it("answers an unknown topic with UNKNOWN_TOPIC_OR_PARTITION (3) when auto-creation is off", async () => {
    const { call } = await setUp({ "auto.create.topics.enable": "false" });
    const answer = await call(apiKeys.Metadata, 4, { topics: [{ name: "missing" }], allowAutoTopicCreation: true }) as MetadataResponse;
    expect(answer.topics.map((t) => t.errorCode)).toEqual([3]);
  });

  it("refuses a batch of a compression codec Kafka does not define with UNSUPPORTED_COMPRESSION_TYPE (76) and stores nothing", async () => {
    const { produce, broker } = await setUp();
    const unknownCodec = batch("x");
    unknownCodec[BATCH_HEADER.attributes.offset + 1] = unknownCodec[BATCH_HEADER.attributes.offset + 1]! | 6; // compression id 6: none defined
    new DataView(unknownCodec.buffer).setUint32(BATCH_HEADER.crc.offset, crc32c(unknownCodec.subarray(BATCH_CRC_START)));
    const answer = await produce(unknownCodec);
    expect(answer!.responses[0]!.partitionResponses[0]!.errorCode).toBe(76);
    expect(broker.logs.hasTopic("t") ? broker.logs.log("t", 0).highWatermark : 0).toBe(0);
  });

  it("turns loglab's error names into Kafka's codes: a corrupt batch is CORRUPT_MESSAGE (2)", async () => {
    const { produce } = await setUp();
    const broken = batch("x");
    broken[broken.length - 1] = broken[broken.length - 1]! ^ 0xff;
    const answer = await produce(broken);
    expect(answer!.responses[0]!.partitionResponses[0]!.errorCode).toBe(2);
  });

  it("holds a fetch with nothing to read until a produce lands, without time passing", async () => {
    const { produce, fetch, scheduler } = await setUp();
    await produce(batch("first"));
    let answered: FetchResponse | null = null;
    const waiting = fetch(1n, 30_000).then((answer) => (answered = answer));
    await scheduler.advance(10);
    expect(answered).toBeNull();
    expect(await produce(batch("second"), 0)).toBeNull();
    const answer = await waiting;
    const partition = answer.responses[0]!.partitions[0]!;
    expect(partition.highWatermark).toBe(2n);
    expect(partition.records!.length).toBeGreaterThan(0);
    expect(answer.sessionId).toBe(0);
  });

  it("names each topic incarnation by a topic id: Metadata v10+ hands it out, Fetch v13+ and DeleteTopics v6 take it", async () => {
    const { call, produce, broker } = await setUp();
    await produce(batch("by id"));
    const metadata = (body: object) => call(apiKeys.Metadata, 12, { allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false, ...body }) as Promise<MetadataResponse>;
    const [described] = (await metadata({ topics: [{ topicId: uuidZero, name: "t" }] })).topics;
    expect(described!.topicId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(described!.topicId).not.toBe(uuidZero);
    const id = described!.topicId!;
    // Asked for by id alone; an id no topic has is UNKNOWN_TOPIC_ID (100).
    const stranger = "0123abcd-0000-4000-8000-000000000001";
    const byId = await metadata({ topics: [{ topicId: id, name: null }, { topicId: stranger, name: null }] });
    expect(byId.topics.map((t) => [t.name, t.topicId, t.errorCode])).toEqual([["t", id, 0], [null, stranger, 100]]);
    const fetchById = (topicId: string) => call(apiKeys.Fetch, 17, {
      maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topicId, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
      forgottenTopicsData: [], rackId: "",
    } satisfies FetchRequest) as Promise<FetchResponse>;
    const fetched = (await fetchById(id)).responses[0]!;
    expect(fetched.topicId).toBe(id);
    expect(decodeBatches(fetched.partitions[0]!.records!).flatMap((b) => b.records).map((r) => new TextDecoder().decode(r.value!))).toEqual(["by id"]);
    expect((await fetchById(stranger)).responses[0]!.partitions[0]!.errorCode).toBe(100);
    // The id outlives a restart of the broker's logs, and a topic deleted and created again is a new incarnation with a new id.
    const deleted = await call(apiKeys.DeleteTopics, 6, { topics: [{ name: null, topicId: id }], timeoutMs: 1000 }) as DeleteTopicsResponse;
    expect(deleted.responses.map((r) => [r.name, r.topicId, r.errorCode])).toEqual([["t", id, 0]]);
    await broker.logs.createTopic("t", 1);
    expect(broker.logs.describeTopic("t").id).not.toBe(id);
    expect((await fetchById(id)).responses[0]!.partitions[0]!.errorCode).toBe(100);
  });

  it("refuses an API it does not answer, so the connection closes instead of leaving the client waiting", async () => {
    const { handler } = await setUp();
    const request = { header: { apiKey: 999, apiVersion: 0, correlationId: 1, clientId: null }, api: { ...wireApisByKey.get(apiKeys.ListGroups)!, name: "Api999" }, body: {} };
    await expect(handler.handle(request as unknown as WireRequest)).rejects.toThrow("Api999 is not answered");
  });

  it("answers an empty fetch at max_wait_ms", async () => {
    const { produce, fetch, scheduler } = await setUp();
    await produce(batch("only"));
    let answered: FetchResponse | null = null;
    const waiting = fetch(1n, 500).then((answer) => (answered = answer));
    await scheduler.advance(499);
    expect(answered).toBeNull();
    await scheduler.advance(1);
    const answer = await waiting;
    expect(answer.responses[0]!.partitions[0]!.records!.length).toBe(0);
  });
});

const TX = "tx-1";
const encoder = new TextEncoder();

/** A transactional producer's requests through the handler, as a Kafka client sends them. */
async function transactions(config: Record<string, string> = {}) {
  const s = await setUp({ "num.partitions": "2", ...config });
  const init = await s.call(apiKeys.InitProducerId, 4, { transactionalId: TX, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 }) as InitProducerIdResponse;
  const producerId = init.producerId;
  const producerEpoch = init.producerEpoch;
  const sequences = [0, 0];
  const ids = { transactionalId: TX, producerId, producerEpoch };
  const addPartitions = (partitions: number[], topic = "t", v = 3) =>
    s.call(apiKeys.AddPartitionsToTxn, v, {
      v3AndBelowTransactionalId: TX, v3AndBelowProducerId: producerId, v3AndBelowProducerEpoch: producerEpoch,
      v3AndBelowTopics: [{ name: topic, partitions }],
    } satisfies AddPartitionsToTxnRequest) as Promise<AddPartitionsToTxnResponse>;
  const send = async (partition: number, value: string) => {
    const records = encodeBatch({
      isTransactional: true, producerId: Number(producerId), producerEpoch, baseSequence: sequences[partition]!++,
      records: [{ key: null, value: encoder.encode(value), timestamp: 1 }],
    });
    const answer = await s.call(apiKeys.Produce, 7, {
      transactionalId: TX, acks: -1, timeoutMs: 1000, topicData: [{ name: "t", partitionData: [{ index: partition, records }] }],
    } satisfies ProduceRequest) as ProduceResponse;
    return answer.responses[0]!.partitionResponses[0]!.errorCode;
  };
  const addOffsets = (groupId: string, v = 3) =>
    s.call(apiKeys.AddOffsetsToTxn, v, { ...ids, groupId } satisfies AddOffsetsToTxnRequest) as Promise<AddOffsetsToTxnResponse>;
  const txnCommit = (groupId: string, offset: bigint, partition = 0) =>
    s.call(apiKeys.TxnOffsetCommit, 3, {
      ...ids, groupId, generationId: -1, memberId: "", groupInstanceId: null,
      topics: [{ name: "t", partitions: [{ partitionIndex: partition, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: "" }] }],
    } satisfies TxnOffsetCommitRequest) as Promise<TxnOffsetCommitResponse>;
  const end = (committed: boolean, v = 3, epoch = producerEpoch) =>
    s.call(apiKeys.EndTxn, v, { ...ids, producerEpoch: epoch, committed } satisfies EndTxnRequest) as Promise<EndTxnResponse>;
  /** The committed offset and the partition's error code, as a read_committed consumer asks (require_stable) or not. */
  const committed = async (groupId: string, requireStable = true) => {
    const answer = await s.call(apiKeys.OffsetFetch, 7, {
      groupId, topics: [{ name: "t", partitionIndexes: [0] }], requireStable,
    } satisfies OffsetFetchRequest) as OffsetFetchResponse;
    const { committedOffset, errorCode } = answer.topics![0]!.partitions[0]!;
    return [committedOffset, errorCode];
  };
  const committedOffset = async (groupId: string) => (await committed(groupId))[0];
  const fetchCommitted = (partition: number, maxWaitMs = 0) =>
    s.call(apiKeys.Fetch, 11, {
      maxWaitMs, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 1, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic: "t", partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
      forgottenTopicsData: [], rackId: "",
    } satisfies FetchRequest) as Promise<FetchResponse>;
  await s.call(apiKeys.CreateTopics, 7, { topics: [{ name: "t", numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 1000, validateOnly: false });
  return { ...s, producerId, producerEpoch, addPartitions, send, addOffsets, txnCommit, end, committed, committedOffset, fetchCommitted };
}

const values = (records: Uint8Array | null | undefined) =>
  decodeBatches(records ?? new Uint8Array(0)).filter((b) => !b.isControl).flatMap((b) => b.records.map((r) => new TextDecoder().decode(r.value!)));

describe("ApiVersions", () => {
  it("advertises the transactional and admin APIs with the ranges served, and Produce from v0", async () => {
    const { call } = await setUp();
    const answer = await call(apiKeys.ApiVersions, 3, { clientSoftwareName: "t", clientSoftwareVersion: "1" }) as ApiVersionsResponse;
    const range = (key: number) => answer.apiKeys.filter((k) => k.apiKey === key).map((k) => [k.minVersion, k.maxVersion]);
    expect(range(apiKeys.Produce)).toEqual([[0, 11]]);
    expect([apiKeys.AddPartitionsToTxn, apiKeys.AddOffsetsToTxn, apiKeys.TxnOffsetCommit, apiKeys.EndTxn].map(range)).toEqual([[[0, 3]], [[0, 3]], [[0, 3]], [[0, 3]]]);
    expect([apiKeys.DeleteTopics, apiKeys.ListGroups, apiKeys.DescribeGroups, apiKeys.DescribeConfigs].map(range)).toEqual([[[1, 6]], [[0, 4]], [[0, 5]], [[1, 4]]]);
  });
});

describe("transactions over the wire", () => {
  it("commits records on two partitions and the group's offsets together, and only at EndTxn", async () => {
    const tx = await transactions();
    expect((await tx.addPartitions([0, 1])).resultsByTopicV3AndBelow!.flatMap((t) => t.resultsByPartition.map((p) => p.partitionErrorCode))).toEqual([0, 0]);
    expect(await tx.send(0, "a")).toBe(0);
    expect(await tx.send(1, "b")).toBe(0);
    expect((await tx.addOffsets("g")).errorCode).toBe(0);
    expect((await tx.txnCommit("g", 5n)).topics[0]!.partitions[0]!.errorCode).toBe(0);
    // Pending: UNSTABLE_OFFSET_COMMIT (88) to require_stable, the offset committed before (none) otherwise.
    expect(await tx.committed("g")).toEqual([-1n, 88]);
    expect(await tx.committed("g", false)).toEqual([-1n, 0]);
    expect(values((await tx.fetchCommitted(0)).responses[0]!.partitions[0]!.records)).toEqual([]);
    expect((await tx.end(true)).errorCode).toBe(0);
    expect(await tx.committed("g")).toEqual([5n, 0]);
    expect(values((await tx.fetchCommitted(0)).responses[0]!.partitions[0]!.records)).toEqual(["a"]);
    expect(values((await tx.fetchCommitted(1)).responses[0]!.partitions[0]!.records)).toEqual(["b"]);
  });

  it("discards an aborted transaction's offsets and hides its records from read_committed", async () => {
    const tx = await transactions();
    await tx.addPartitions([0]);
    await tx.send(0, "gone");
    await tx.addOffsets("g");
    await tx.txnCommit("g", 9n);
    expect((await tx.end(false)).errorCode).toBe(0);
    expect(await tx.committedOffset("g")).toBe(-1n);
    const partition = (await tx.fetchCommitted(0)).responses[0]!.partitions[0]!;
    expect(partition.abortedTransactions).toEqual([{ producerId: tx.producerId, firstOffset: 0n }]);
    expect(partition.lastStableOffset).toBe(2n);
  });

  it("refuses TxnOffsetCommit for a group AddOffsetsToTxn did not add: INVALID_TXN_STATE (48)", async () => {
    const tx = await transactions();
    await tx.addPartitions([0]);
    expect((await tx.txnCommit("g", 1n)).topics[0]!.partitions[0]!.errorCode).toBe(48);
  });

  it("answers a stale epoch PRODUCER_FENCED (90) from EndTxn v2, INVALID_PRODUCER_EPOCH (47) before", async () => {
    const tx = await transactions();
    await tx.addPartitions([0]);
    expect((await tx.end(true, 2, tx.producerEpoch - 1)).errorCode).toBe(90);
    expect((await tx.end(true, 1, tx.producerEpoch - 1)).errorCode).toBe(47);
  });

  it("answers an unknown partition UNKNOWN_TOPIC_OR_PARTITION (3) and the others OPERATION_NOT_ATTEMPTED (55)", async () => {
    const tx = await transactions();
    const answer = await tx.addPartitions([0, 7]);
    expect(answer.resultsByTopicV3AndBelow![0]!.resultsByPartition.map((p) => [p.partitionIndex, p.partitionErrorCode])).toEqual([[0, 55], [7, 3]]);
  });

  it("wakes a read_committed fetch waiting on max_wait_ms when EndTxn writes the markers", async () => {
    const tx = await transactions();
    await tx.addPartitions([0]);
    await tx.send(0, "late");
    let answered: FetchResponse | null = null;
    const waiting = tx.fetchCommitted(0, 30_000).then((answer) => (answered = answer));
    await tx.scheduler.advance(10);
    expect(answered).toBeNull();
    await tx.end(true);
    const answer = await waiting;
    expect(values(answer.responses[0]!.partitions[0]!.records)).toEqual(["late"]);
    expect(tx.scheduler.nowMs()).toBe(1_700_000_000_010);
  });

  it("wakes a read_committed fetch when a new epoch's InitProducerId aborts the open transaction", async () => {
    const tx = await transactions();
    await tx.addPartitions([0]);
    await tx.send(0, "orphan");
    let answered: FetchResponse | null = null;
    const waiting = tx.fetchCommitted(0, 30_000).then((answer) => (answered = answer));
    await tx.scheduler.advance(10);
    expect(answered).toBeNull();
    await tx.call(apiKeys.InitProducerId, 4, { transactionalId: TX, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
    const partition = (await waiting).responses[0]!.partitions[0]!;
    expect([partition.lastStableOffset, partition.abortedTransactions]).toEqual([2n, [{ producerId: tx.producerId, firstOffset: 0n }]]);
    expect(tx.scheduler.nowMs()).toBe(1_700_000_000_010);
  });

  it("answers AddPartitionsToTxn v4 (the brokers' form) UNSUPPORTED_VERSION through the connection", async () => {
    const { handler } = await setUp();
    const api = wireApisByKey.get(apiKeys.AddPartitionsToTxn)!;
    expect(api.servedVersions).toEqual({ min: 0, max: 3 });
    const request = { header: { apiKey: apiKeys.AddPartitionsToTxn, apiVersion: 4, correlationId: 1, clientId: null }, api, body: { transactions: [] } };
    expect(handler.unsupported(request, 35)).toEqual({ throttleTimeMs: 0, errorCode: 35, resultsByTransaction: [] });
  });
});

describe("Fetch's request-level max_bytes", () => {
  it("returns the first batch whole even when larger, and nothing more past the budget", async () => {
    const { call, broker } = await setUp({ "num.partitions": "2" });
    const big = encodeBatch({ records: [{ key: null, value: new Uint8Array(300), timestamp: 1 }] });
    for (const partition of [0, 1]) await broker.produce({ acks: 1, partitions: [{ topic: "t", partition, records: big }] });
    const fetchBoth = (maxBytes: number) => call(apiKeys.Fetch, 11, {
      maxWaitMs: 0, minBytes: 1, maxBytes, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic: "t", partitions: [0, 1].map((partition) => ({ partition, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20 })) }],
      forgottenTopicsData: [], rackId: "",
    } satisfies FetchRequest) as Promise<FetchResponse>;
    const sizes = async (maxBytes: number) => (await fetchBoth(maxBytes)).responses[0]!.partitions.map((p) => p.records!.length);
    expect(await sizes(10)).toEqual([big.length, 0]);
    expect(await sizes(big.length * 2)).toEqual([big.length, big.length]);
    expect(await sizes(big.length * 2 - 1)).toEqual([big.length, 0]);
  });
});

describe("admin requests", () => {
  it("deletes a topic and its files by name; an unknown name is 3, a topic id 100", async () => {
    const storage = new MemoryStorage();
    const scheduler = new ManualScheduler(0);
    const broker = await Broker.open({ storage, scheduler, random: new SeededRandom(1) });
    const handler = new BrokerHandler({ broker, scheduler, host: "127.0.0.1", port: 9092 });
    await broker.logs.createTopic("doomed", 2);
    await broker.produce({ acks: 1, partitions: [{ topic: "doomed", partition: 1, records: batch("x") }] });
    expect((await storage.list("doomed-1/")).length).toBeGreaterThan(0);
    const call = (v: number, body: object) =>
      handler.handle({ header: { apiKey: apiKeys.DeleteTopics, apiVersion: v, correlationId: 1, clientId: null }, api: wireApisByKey.get(apiKeys.DeleteTopics)!, body }) as Promise<DeleteTopicsResponse>;
    const answer = await call(6, { topics: [{ name: "doomed", topicId: uuidZero }, { name: "never", topicId: uuidZero }, { name: null, topicId: "0123456789abcdef0123456789abcdef".replace(/(.{8})(.{4})(.{4})(.{4})/, "$1-$2-$3-$4-") }], timeoutMs: 1000 });
    expect(answer.responses.map((r) => r.errorCode)).toEqual([0, 3, 100]);
    expect(broker.logs.hasTopic("doomed")).toBe(false);
    expect(await storage.list("doomed-")).toEqual([]);
    expect((await call(1, { topicNames: ["__consumer_offsets"], timeoutMs: 1000 })).responses[0]!.errorCode).toBe(17);
    await broker.close();
    const reopened = await Broker.open({ storage, scheduler, random: new SeededRandom(1) });
    expect(reopened.logs.hasTopic("doomed")).toBe(false);
    await reopened.close();
  });

  it("lists and describes a Stable group with its members' assignments, an unknown one as Dead", async () => {
    const { call, scheduler } = await setUp({ "group.initial.rebalance.delay.ms": "0" });
    const joining = call(apiKeys.JoinGroup, 5, {
      groupId: "g", sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: "", groupInstanceId: null, protocolType: "consumer",
      protocols: [{ name: "range", metadata: encoder.encode("meta") }],
    } satisfies JoinGroupRequest) as Promise<JoinGroupResponse>;
    await scheduler.advance(0);
    const joined = await joining;
    expect(joined.errorCode).toBe(0);
    await call(apiKeys.SyncGroup, 3, {
      groupId: "g", generationId: joined.generationId, memberId: joined.memberId, groupInstanceId: null,
      assignments: [{ memberId: joined.memberId, assignment: encoder.encode("all of t") }],
    } satisfies SyncGroupRequest);
    const listed = await call(apiKeys.ListGroups, 4, { statesFilter: ["stable"] } satisfies ListGroupsRequest) as ListGroupsResponse;
    expect(listed.groups).toEqual([{ groupId: "g", protocolType: "consumer", groupState: "Stable" }]);
    expect((await call(apiKeys.ListGroups, 4, { statesFilter: ["Empty"] }) as ListGroupsResponse).groups).toEqual([]);
    const described = await call(apiKeys.DescribeGroups, 5, { groups: ["g", "nobody"], includeAuthorizedOperations: false } satisfies DescribeGroupsRequest) as DescribeGroupsResponse;
    const [g, nobody] = described.groups;
    expect(g).toMatchObject({ errorCode: 0, groupState: "Stable", protocolType: "consumer", protocolData: "range" });
    expect(g!.members.map((m) => [m.memberId, new TextDecoder().decode(m.memberAssignment), new TextDecoder().decode(m.memberMetadata)]))
      .toEqual([[joined.memberId, "all of t", "meta"]]);
    expect(nobody).toMatchObject({ errorCode: 0, groupState: "Dead", members: [] });
  });

  it("describes a topic's configs as Kafka does: overrides DYNAMIC_TOPIC_CONFIG (1), the rest DEFAULT_CONFIG (5); and the broker's", async () => {
    const { call, broker } = await setUp({ "retention.ms": "1000" });
    await broker.logs.createTopic("c", 1, { "cleanup.policy": "compact" });
    const answer = await call(apiKeys.DescribeConfigs, 4, {
      resources: [{ resourceType: 2, resourceName: "c", configurationKeys: null }, { resourceType: 2, resourceName: "missing", configurationKeys: null },
        { resourceType: 4, resourceName: "0", configurationKeys: ["num.partitions", "retention.ms"] }],
      includeSynonyms: false, includeDocumentation: false,
    } satisfies DescribeConfigsRequest) as DescribeConfigsResponse;
    const [topic, missing, brokerResult] = answer.results;
    const entry = (name: string) => topic!.configs.find((c) => c.name === name);
    expect(entry("cleanup.policy")).toMatchObject({ value: "compact", configSource: 1, readOnly: false });
    expect(entry("segment.bytes")).toMatchObject({ value: "1073741824", configSource: 5, readOnly: false, configType: 3 });
    expect(entry("retention.ms")).toMatchObject({ value: "1000", configSource: 4 });
    expect(missing!.errorCode).toBe(3);
    expect(brokerResult!.configs.map((c) => [c.name, c.value, c.configSource, c.readOnly])).toEqual([["num.partitions", "1", 5, true], ["retention.ms", "1000", 4, true]]);
  });
});

describe("Produce v0–2", () => {
  it("answers UNSUPPORTED_VERSION (35) per partition in a response of the request's version", async () => {
    const { handler } = await setUp();
    const sent: Uint8Array[] = [];
    const connection = new Connection({ handler, send: (bytes) => sent.push(bytes) });
    const legacyFrame = (acks: number) => {
      const w = new Writer();
      w.int32(0);
      w.int16(apiKeys.Produce); w.int16(2); w.int32(42); w.string("old", false);
      w.int16(acks); w.int32(1000); w.int32(1); w.string("t", false); w.int32(1); w.int32(3); w.bytes(new Uint8Array(5), false);
      const frame = w.finish();
      w.int32At(0, frame.length - 4);
      return frame;
    };
    // acks=0 gets no answer, as at every version.
    expect(connection.receive(legacyFrame(0))).toEqual({ kind: "ok" });
    expect(sent).toEqual([]);
    expect(connection.receive(legacyFrame(1))).toEqual({ kind: "ok" });
    expect(sent).toHaveLength(1);
    const r = new Reader(sent[0]!);
    expect([r.int32("size"), r.int32("correlation")]).toEqual([sent[0]!.length - 4, 42]);
    expect([r.int32("topics"), r.string("name", false), r.int32("partitions"), r.int32("index"), r.int16("error"), r.int64("base"), r.int64("append"), r.int32("throttle")])
      .toEqual([1, "t", 1, 3, 35, -1n, -1n, 0]);
    r.end("response");
  });
});
