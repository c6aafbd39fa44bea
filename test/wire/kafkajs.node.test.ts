// Cross-check with kafkajs 2.2.4's protocol code, an implementation nobody here wrote: loglab decodes the requests
// kafkajs encodes, and kafkajs decodes the responses loglab encodes, at the versions kafkajs speaks.

import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { decodeBatches, encodeBatch } from "../../src/index.ts";
import { type WireApi, wireApisByKey } from "../../src/wire/index.ts";

const require = createRequire(import.meta.url);
const kafkajsRequest = (path: string) => require(`kafkajs/src/protocol/requests/${path}/request`) as (args: object) => {
  apiKey: number;
  apiVersion: number;
  encode: () => Promise<{ buffer: Buffer }>;
};
const kafkajsDecode = (path: string) => (require(`kafkajs/src/protocol/requests/${path}/response`) as {
  decode: (raw: Buffer) => Promise<Record<string, unknown>>;
}).decode;

const api = (name: string): WireApi => [...wireApisByKey.values()].find((a) => a.name === name)!;

/** Encodes with kafkajs, then decodes the body with loglab at the same API key and version. */
async function loglabDecodes(name: string, path: string, args: object): Promise<object> {
  const request = kafkajsRequest(path)(args);
  expect(request.apiKey).toBe(api(name).apiKey);
  const { buffer } = await request.encode();
  return api(name).decodeRequest(request.apiVersion, new Uint8Array(buffer));
}

const batch = encodeBatch({
  baseOffset: 5,
  records: [{ key: new Uint8Array([1]), value: new Uint8Array([2, 3]), timestamp: 1_700_000_000_000 }],
});

describe("loglab decodes what kafkajs's request encoders write", () => {
  it("ApiVersions v2", async () => {
    expect(await loglabDecodes("ApiVersions", "apiVersions/v2", {})).toEqual({});
  });

  it("Metadata v0–v6", async () => {
    for (let v = 0; v <= 6; v++) {
      const decoded = await loglabDecodes("Metadata", `metadata/v${v}`, { topics: ["a", "b"], allowAutoTopicCreation: false });
      expect(decoded).toMatchObject({ topics: [{ name: "a" }, { name: "b" }] });
      if (v >= 4) expect(decoded).toMatchObject({ allowAutoTopicCreation: false });
    }
  });

  it("Produce v3–v7, records handed over as the RecordBatch bytes src/format reads", async () => {
    for (let v = 3; v <= 7; v++) {
      const decoded = await loglabDecodes("Produce", `produce/v${v}`, {
        acks: -1, timeout: 30_000, transactionalId: "tx", producerId: 7, producerEpoch: 1,
        topicData: [{ topic: "t", partitions: [{ partition: 2, firstSequence: 0, messages: [{ key: "k", value: "v", timestamp: 1_700_000_000_000 }] }] }],
      }) as { transactionalId: string; acks: number; timeoutMs: number; topicData: { name: string; partitionData: { index: number; records: Uint8Array }[] }[] };
      expect(decoded).toMatchObject({ transactionalId: "tx", acks: -1, timeoutMs: 30_000 });
      const partition = decoded.topicData[0]!.partitionData[0]!;
      expect([decoded.topicData[0]!.name, partition.index]).toEqual(["t", 2]);
      const [found] = decodeBatches(partition.records);
      expect(found!.producerId).toBe(7);
      expect(new TextDecoder().decode(found!.records[0]!.value!)).toBe("v");
    }
  });

  it("Fetch v4–v11", async () => {
    for (let v = 4; v <= 11; v++) {
      const decoded = await loglabDecodes("Fetch", `fetch/v${v}`, {
        replicaId: -1, maxWaitTime: 500, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 1,
        topics: [{ topic: "t", partitions: [{ partition: 0, fetchOffset: "12", maxBytes: 1 << 16 }] }],
      });
      expect(decoded).toMatchObject({
        replicaId: -1, maxWaitMs: 500, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 1,
        topics: [{ topic: "t", partitions: [{ partition: 0, fetchOffset: 12n, partitionMaxBytes: 1 << 16 }] }],
      });
    }
  });

  it("ListOffsets v1–v3", async () => {
    for (let v = 1; v <= 3; v++) {
      const decoded = await loglabDecodes("ListOffsets", `listOffsets/v${v}`, {
        replicaId: -1, isolationLevel: 1, topics: [{ topic: "t", partitions: [{ partition: 3, timestamp: -2 }] }],
      });
      expect(decoded).toMatchObject({ replicaId: -1, topics: [{ name: "t", partitions: [{ partitionIndex: 3, timestamp: -2n }] }] });
    }
  });

  it("FindCoordinator v0–v2", async () => {
    for (let v = 0; v <= 2; v++) {
      const decoded = await loglabDecodes("FindCoordinator", `findCoordinator/v${v}`, { groupId: "g", coordinatorKey: "g", coordinatorType: 0 });
      expect(decoded).toMatchObject({ key: "g" });
    }
  });

  it("JoinGroup v5, SyncGroup v3, Heartbeat v3, LeaveGroup v3", async () => {
    expect(await loglabDecodes("JoinGroup", "joinGroup/v5", {
      groupId: "g", sessionTimeout: 10_000, rebalanceTimeout: 60_000, memberId: "", groupInstanceId: null,
      protocolType: "consumer", groupProtocols: [{ name: "range", metadata: Buffer.from([1, 2]) }],
    })).toEqual({
      groupId: "g", sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 60_000, memberId: "", groupInstanceId: null,
      protocolType: "consumer", protocols: [{ name: "range", metadata: new Uint8Array([1, 2]) }],
    });
    expect(await loglabDecodes("SyncGroup", "syncGroup/v3", {
      groupId: "g", generationId: 4, memberId: "m", groupInstanceId: null, groupAssignment: [{ memberId: "m", memberAssignment: Buffer.from([5]) }],
    })).toEqual({ groupId: "g", generationId: 4, memberId: "m", groupInstanceId: null, assignments: [{ memberId: "m", assignment: new Uint8Array([5]) }] });
    expect(await loglabDecodes("Heartbeat", "heartbeat/v3", { groupId: "g", groupGenerationId: 4, memberId: "m", groupInstanceId: null }))
      .toEqual({ groupId: "g", generationId: 4, memberId: "m", groupInstanceId: null });
    expect(await loglabDecodes("LeaveGroup", "leaveGroup/v3", { groupId: "g", members: [{ memberId: "m" }] }))
      .toEqual({ groupId: "g", members: [{ memberId: "m", groupInstanceId: null }] });
  });

  it("OffsetCommit v5, OffsetFetch v4", async () => {
    expect(await loglabDecodes("OffsetCommit", "offsetCommit/v5", {
      groupId: "g", groupGenerationId: 4, memberId: "m", topics: [{ topic: "t", partitions: [{ partition: 1, offset: "99" }] }],
    })).toEqual({
      groupId: "g", generationIdOrMemberEpoch: 4, memberId: "m",
      topics: [{ name: "t", partitions: [{ partitionIndex: 1, committedOffset: 99n, committedMetadata: null }] }],
    });
    expect(await loglabDecodes("OffsetFetch", "offsetFetch/v4", { groupId: "g", topics: [{ topic: "t", partitions: [{ partition: 1 }] }] }))
      .toEqual({ groupId: "g", topics: [{ name: "t", partitionIndexes: [1] }] });
  });

  it("InitProducerId v1, AddPartitionsToTxn v1, EndTxn v1", async () => {
    expect(await loglabDecodes("InitProducerId", "initProducerId/v1", { transactionalId: "tx", transactionTimeout: 60_000 }))
      .toEqual({ transactionalId: "tx", transactionTimeoutMs: 60_000 });
    expect(await loglabDecodes("AddPartitionsToTxn", "addPartitionsToTxn/v1", {
      transactionalId: "tx", producerId: "7", producerEpoch: 1, topics: [{ topic: "t", partitions: [0, 1] }],
    })).toEqual({ v3AndBelowTransactionalId: "tx", v3AndBelowProducerId: 7n, v3AndBelowProducerEpoch: 1, v3AndBelowTopics: [{ name: "t", partitions: [0, 1] }] });
    expect(await loglabDecodes("EndTxn", "endTxn/v1", { transactionalId: "tx", producerId: "7", producerEpoch: 1, transactionResult: true }))
      .toEqual({ transactionalId: "tx", producerId: 7n, producerEpoch: 1, committed: true });
  });
});

describe("loglab decodes what kafkajs's admin and transaction encoders write", () => {
  it("CreateTopics v2–v3, DeleteTopics v1", async () => {
    for (const v of [2, 3]) {
      expect(await loglabDecodes("CreateTopics", `createTopics/v${v}`, {
        topics: [{ topic: "t", numPartitions: 3, replicationFactor: 1, configEntries: [{ name: "cleanup.policy", value: "compact" }] }],
        validateOnly: true, timeout: 5000,
      })).toEqual({
        topics: [{ name: "t", numPartitions: 3, replicationFactor: 1, assignments: [], configs: [{ name: "cleanup.policy", value: "compact" }] }],
        timeoutMs: 5000, validateOnly: true,
      });
    }
    expect(await loglabDecodes("DeleteTopics", "deleteTopics/v1", { topics: ["a", "b"], timeout: 5000 }))
      .toEqual({ topicNames: ["a", "b"], timeoutMs: 5000 });
  });

  it("ListGroups v2, DescribeGroups v2, DescribeConfigs v1–v2", async () => {
    expect(await loglabDecodes("ListGroups", "listGroups/v2", {})).toEqual({});
    expect(await loglabDecodes("DescribeGroups", "describeGroups/v2", { groupIds: ["g1", "g2"] })).toEqual({ groups: ["g1", "g2"] });
    for (const v of [1, 2]) {
      expect(await loglabDecodes("DescribeConfigs", `describeConfigs/v${v}`, {
        resources: [{ type: 2, name: "t", configNames: ["retention.ms"] }], includeSynonyms: true,
      })).toEqual({ resources: [{ resourceType: 2, resourceName: "t", configurationKeys: ["retention.ms"] }], includeSynonyms: true });
    }
  });

  it("AddOffsetsToTxn v1, TxnOffsetCommit v1", async () => {
    expect(await loglabDecodes("AddOffsetsToTxn", "addOffsetsToTxn/v1", { transactionalId: "tx", producerId: "7", producerEpoch: 1, groupId: "g" }))
      .toEqual({ transactionalId: "tx", producerId: 7n, producerEpoch: 1, groupId: "g" });
    expect(await loglabDecodes("TxnOffsetCommit", "txnOffsetCommit/v1", {
      transactionalId: "tx", groupId: "g", producerId: "7", producerEpoch: 1,
      topics: [{ topic: "t", partitions: [{ partition: 0, offset: "10", metadata: null }] }],
    })).toEqual({
      transactionalId: "tx", groupId: "g", producerId: 7n, producerEpoch: 1,
      topics: [{ name: "t", partitions: [{ partitionIndex: 0, committedOffset: 10n, committedMetadata: null }] }],
    });
  });
});

/** Encodes a response body with loglab and decodes it with kafkajs at the same version. */
async function kafkajsDecodes(name: string, path: string, version: number, body: object): Promise<Record<string, unknown>> {
  return kafkajsDecode(path)(Buffer.from(api(name).encodeResponse(version, body)));
}

describe("kafkajs's response decoders read what loglab encodes", () => {
  it("ApiVersions v2", async () => {
    expect(await kafkajsDecodes("ApiVersions", "apiVersions/v2", 2, {
      errorCode: 0, apiKeys: [{ apiKey: 3, minVersion: 0, maxVersion: 12 }], throttleTimeMs: 7,
    })).toMatchObject({ errorCode: 0, apiVersions: [{ apiKey: 3, minVersion: 0, maxVersion: 12 }], clientSideThrottleTime: 7 });
  });

  it("Metadata v6", async () => {
    expect(await kafkajsDecodes("Metadata", "metadata/v6", 6, {
      throttleTimeMs: 0, brokers: [{ nodeId: 1, host: "127.0.0.1", port: 9092, rack: null }], clusterId: "c", controllerId: 1,
      topics: [{ errorCode: 0, name: "t", isInternal: false, partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 1, replicaNodes: [1], isrNodes: [1], offlineReplicas: [] }] }],
    })).toMatchObject({
      brokers: [{ nodeId: 1, host: "127.0.0.1", port: 9092, rack: null }], clusterId: "c", controllerId: 1,
      topicMetadata: [{ topicErrorCode: 0, topic: "t", isInternal: false, partitionMetadata: [{ partitionId: 0, leader: 1, replicas: [1], isr: [1] }] }],
    });
  });

  it("Produce v7 and Fetch v11, whose records kafkajs reads from loglab's RecordBatch bytes", async () => {
    expect(await kafkajsDecodes("Produce", "produce/v7", 7, {
      responses: [{ name: "t", partitionResponses: [{ index: 0, errorCode: 0, baseOffset: 42n, logAppendTimeMs: -1n, logStartOffset: 0n }] }], throttleTimeMs: 0,
    })).toMatchObject({ topics: [{ topicName: "t", partitions: [{ partition: 0, errorCode: 0, baseOffset: "42", logAppendTime: "-1", logStartOffset: "0" }] }] });
    const fetched = await kafkajsDecodes("Fetch", "fetch/v11", 11, {
      throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses: [{ topic: "t", partitions: [{
        partitionIndex: 0, errorCode: 0, highWatermark: 6n, lastStableOffset: 6n, logStartOffset: 0n, abortedTransactions: null,
        preferredReadReplica: -1, records: batch,
      }] }],
    });
    expect(fetched).toMatchObject({ sessionId: 0, responses: [{ topicName: "t", partitions: [{
      partition: 0, highWatermark: "6", lastStableOffset: "6", messages: [{ offset: "5", key: Buffer.from([1]), value: Buffer.from([2, 3]) }],
    }] }] });
  });

  it("ListOffsets v3, FindCoordinator v2, InitProducerId v1", async () => {
    expect(await kafkajsDecodes("ListOffsets", "listOffsets/v3", 3, {
      throttleTimeMs: 0, topics: [{ name: "t", partitions: [{ partitionIndex: 0, errorCode: 0, timestamp: -1n, offset: 6n }] }],
    })).toMatchObject({ responses: [{ topic: "t", partitions: [{ partition: 0, errorCode: 0, timestamp: "-1", offset: "6" }] }] });
    expect(await kafkajsDecodes("FindCoordinator", "findCoordinator/v2", 2, {
      throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: 1, host: "127.0.0.1", port: 9092,
    })).toMatchObject({ errorCode: 0, coordinator: { nodeId: 1, host: "127.0.0.1", port: 9092 } });
    expect(await kafkajsDecodes("InitProducerId", "initProducerId/v1", 1, { throttleTimeMs: 0, errorCode: 0, producerId: 1000n, producerEpoch: 0 }))
      .toMatchObject({ errorCode: 0, producerId: "1000", producerEpoch: 0 });
  });

  it("JoinGroup v5, SyncGroup v3, Heartbeat v3", async () => {
    expect(await kafkajsDecodes("JoinGroup", "joinGroup/v5", 5, {
      throttleTimeMs: 0, errorCode: 0, generationId: 3, protocolName: "range", leader: "m1", memberId: "m1",
      members: [{ memberId: "m1", groupInstanceId: null, metadata: new Uint8Array([9]) }],
    })).toMatchObject({ generationId: 3, groupProtocol: "range", leaderId: "m1", memberId: "m1", members: [{ memberId: "m1", memberMetadata: Buffer.from([9]) }] });
    expect(await kafkajsDecodes("SyncGroup", "syncGroup/v3", 3, { throttleTimeMs: 0, errorCode: 0, assignment: new Uint8Array([1, 2]) }))
      .toMatchObject({ errorCode: 0, memberAssignment: Buffer.from([1, 2]) });
    expect(await kafkajsDecodes("Heartbeat", "heartbeat/v3", 3, { throttleTimeMs: 5, errorCode: 0 }))
      .toMatchObject({ errorCode: 0, clientSideThrottleTime: 5 });
  });

  it("OffsetCommit v5, OffsetFetch v4", async () => {
    expect(await kafkajsDecodes("OffsetCommit", "offsetCommit/v5", 5, {
      throttleTimeMs: 0, topics: [{ name: "t", partitions: [{ partitionIndex: 0, errorCode: 0 }] }],
    })).toMatchObject({ responses: [{ topic: "t", partitions: [{ partition: 0, errorCode: 0 }] }] });
    expect(await kafkajsDecodes("OffsetFetch", "offsetFetch/v4", 4, {
      throttleTimeMs: 0, topics: [{ name: "t", partitions: [{ partitionIndex: 0, committedOffset: 17n, metadata: "", errorCode: 0 }] }], errorCode: 0,
    })).toMatchObject({ errorCode: 0, responses: [{ topic: "t", partitions: [{ partition: 0, offset: "17", metadata: "" }] }] });
  });
});
