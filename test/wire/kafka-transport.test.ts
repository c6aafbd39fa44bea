// KafkaTransport over an in-memory `dial` to the server's connection core and loglab's Broker, with answers rewritten
// to play a cluster: two brokers splitting the partitions' leadership, a leader that moves (NOT_LEADER_OR_FOLLOWER),
// a topic still being created (LEADER_NOT_AVAILABLE), a coordinator that moved, is loading or is not there yet
// (NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE), KIP-394's MEMBER_ID_REQUIRED, Kafka's
// error codes as loglab's typed errors, AddOffsetsToTxn then TxnOffsetCommit to their two coordinators, and a closed
// transport refusing every request at once.

import { describe, expect, it } from "vitest";
import {
  Broker, type BrokerRequest, ClientClosedError, Consumer, encodeBatch, IllegalGenerationError, isFenced, ManualScheduler, MemoryStorage,
  OffsetOutOfRangeError, Producer, RebalanceInProgressError, SeededRandom, settle, systemScheduler, UnknownTopicOrPartitionError,
} from "../../src/index.ts";
import {
  apiKeys, BrokerHandler, Connection, type Dial, errorCodeOf, errorFromCode, type FindCoordinatorResponse, type HeartbeatResponse, type JoinGroupRequest,
  type JoinGroupResponse, KafkaTransport, type MetadataResponse, type ProduceResponse, type RequestHandler, type WireRequest,
} from "../../src/wire/index.ts";
import { assignmentFromWire, assignmentToWire, subscriptionFromWire, subscriptionToWire } from "../../src/wire/consumer-protocol.ts";

const NODES = [{ nodeId: 0, host: "a.test", port: 1 }, { nodeId: 1, host: "b.test", port: 2 }];

interface Cluster {
  /** Each request's API name and the address it was sent to, in order. */
  readonly requests: { api: string; address: string; body: object }[];
  /** Rewrites an answer (or answers instead of the broker): return undefined to leave it as it is. */
  rewrite: (request: WireRequest, address: string, answer: object | null) => object | null | undefined;
  /** Partition → node id of its leader, as Metadata reports it. */
  leaders: (partition: number) => number;
  readonly transport: KafkaTransport;
  readonly dial: Dial;
}

async function cluster(options: { partitions?: number; unreachable?: string[] } = {}): Promise<Cluster> {
  // The group coordinator's rebalance timers run on the clock, as the transport's do.
  const scheduler = systemScheduler;
  const broker = await Broker.open({ storage: new MemoryStorage(), scheduler, random: new SeededRandom(1), config: { "num.partitions": String(options.partitions ?? 4), "group.initial.rebalance.delay.ms": "0" } });
  const inner = new BrokerHandler({ broker, scheduler, host: "a.test", port: 1 });
  const state: Omit<Cluster, "transport" | "dial"> = { requests: [], rewrite: () => undefined, leaders: (p) => p % 2 };
  const handlerAt = (address: string): RequestHandler => ({
    async handle(request) {
      state.requests.push({ api: request.api.name, address, body: request.body });
      const answer = await inner.handle(request);
      const rewritten = state.rewrite(request, address, answer);
      if (rewritten !== undefined) return rewritten;
      if (request.header.apiKey === apiKeys.Metadata) {
        const metadata = answer as MetadataResponse;
        return {
          ...metadata, brokers: NODES.map((n) => ({ ...n, rack: null })),
          topics: metadata.topics.map((t) => ({ ...t, partitions: t.partitions.map((p) => ({ ...p, leaderId: state.leaders(p.partitionIndex) })) })),
        };
      }
      return answer;
    },
    unsupported: (request, code) => inner.unsupported(request, code),
  });
  const dial: Dial = async (host, port, events) => {
    const address = `${host}:${port}`;
    if (options.unreachable?.includes(address)) throw new Error(`connect ECONNREFUSED ${address}`);
    const server = new Connection({ handler: handlerAt(address), send: (bytes) => queueMicrotask(() => events.data(bytes.slice())) });
    return {
      write: (bytes) => {
        const copy = bytes.slice();
        queueMicrotask(() => server.receive(copy));
      },
      close: () => undefined,
    };
  };
  const transport = new KafkaTransport({ bootstrap: "a.test:1", dial, scheduler: systemScheduler, retryBackoffMs: 1, retryBackoffMaxMs: 5, fetchMaxWaitMs: 0 });
  return Object.assign(state, { transport, dial });
}

/** A loglab group member's subscription, as it hands it to the transport. */
const subscription = (topics: string[]) => new TextEncoder().encode(JSON.stringify({ topics }));
const batch = (value: string) => encodeBatch({ records: [{ key: null, value: new TextEncoder().encode(value), timestamp: 1 }] });
const produceTo = (partitions: number[]) => ({ acks: -1 as const, partitions: partitions.map((partition) => ({ topic: "t", partition, records: batch(`p${partition}`) })) });

describe("KafkaTransport routing", () => {
  it("splits a produce per leader, sends each part to its broker, and merges the answers in request order", async () => {
    const c = await cluster();
    const { partitions } = await c.transport.produce(produceTo([3, 0, 1, 2]));
    expect(partitions.map((p) => [p.partition, p.error, p.baseOffset])).toEqual([[3, null, 0], [0, null, 0], [1, null, 0], [2, null, 0]]);
    const produces = c.requests.filter((r) => r.api === "Produce");
    expect(produces.map((r) => r.address).sort()).toEqual(["a.test:1", "b.test:2"]);
    const indexes = (address: string) => (produces.find((r) => r.address === address)!.body as { topicData: { partitionData: { index: number }[] }[] })
      .topicData.flatMap((t) => t.partitionData.map((p) => p.index)).sort();
    expect(indexes("a.test:1")).toEqual([0, 2]);
    expect(indexes("b.test:2")).toEqual([1, 3]);
    // Fetch and ListOffsets go the same way.
    const fetched = await c.transport.fetch({ partitions: [0, 1, 2, 3].map((partition) => ({ topic: "t", partition, fetchOffset: 0 })) });
    expect(fetched.partitions.map((p) => [p.partition, p.highWatermark])).toEqual([[0, 1], [1, 1], [2, 1], [3, 1]]);
    expect(c.requests.filter((r) => r.api === "Fetch").map((r) => r.address).sort()).toEqual(["a.test:1", "b.test:2"]);
    const listed = await c.transport.listOffsets({ partitions: [1, 2].map((partition) => ({ topic: "t", partition, timestamp: "latest" as const })) });
    expect(listed.partitions.map((p) => [p.partition, p.offset])).toEqual([[1, 1], [2, 1]]);
  });

  it("on NOT_LEADER_OR_FOLLOWER refreshes metadata and sends the partition to its new leader", async () => {
    const c = await cluster();
    await c.transport.metadata(["t"]);
    let moved = false;
    c.rewrite = (request, address, answer) => {
      if (request.header.apiKey !== apiKeys.Produce || address !== "b.test:2" || moved) return undefined;
      moved = true;
      c.leaders = () => 0;
      const produce = answer as ProduceResponse;
      return { ...produce, responses: produce.responses.map((t) => ({ ...t, partitionResponses: t.partitionResponses.map((p) => ({ ...p, errorCode: errorCodeOf("NOT_LEADER_OR_FOLLOWER"), baseOffset: -1n })) })) };
    };
    const { partitions } = await c.transport.produce(produceTo([1]));
    expect(partitions[0]!.error).toBeNull();
    expect(c.requests.filter((r) => r.api === "Produce").map((r) => r.address)).toEqual(["b.test:2", "a.test:1"]);
    expect(c.requests.filter((r) => r.api === "Metadata")).toHaveLength(2);
  });

  it("asks metadata again while a new topic has no leader (LEADER_NOT_AVAILABLE), and reports an unknown partition as typed", async () => {
    const c = await cluster({ partitions: 2 });
    let settling = 2;
    c.rewrite = (request, _address, answer) => {
      if (request.header.apiKey !== apiKeys.Metadata || settling-- <= 0) return undefined;
      const metadata = answer as MetadataResponse;
      return { ...metadata, brokers: NODES.map((n) => ({ ...n, rack: null })), topics: metadata.topics.map((t) => ({ ...t, errorCode: errorCodeOf("LEADER_NOT_AVAILABLE"), partitions: [] })) };
    };
    expect(await c.transport.metadata(["fresh"])).toEqual({ topics: [{ topic: "fresh", error: null, partitions: 2 }] });
    expect(c.requests.filter((r) => r.api === "Metadata")).toHaveLength(3);
    const { partitions } = await c.transport.fetch({ partitions: [{ topic: "fresh", partition: 0, fetchOffset: 5 }] });
    expect(partitions[0]!.error).toBeInstanceOf(OffsetOutOfRangeError);
    expect(partitions[0]!.error!.message).toContain("fresh-0");
    // A partition the topic lacks: UNKNOWN_TOPIC_OR_PARTITION, retriable, after a few retries.
    const short = new KafkaTransport({ bootstrap: "a.test:1", dial: c.dial, scheduler: systemScheduler, retries: 1, retryBackoffMs: 1 });
    const { partitions: beyond } = await short.fetch({ partitions: [{ topic: "fresh", partition: 7, fetchOffset: 0 }] });
    expect(beyond[0]!.error).toBeInstanceOf(UnknownTopicOrPartitionError);
    expect(beyond[0]!.error!.retriable).toBe(true);
  });

  it("without auto-creation, reports an unknown topic at once instead of waiting for it", async () => {
    const c = await cluster();
    const strict = new KafkaTransport({ bootstrap: "a.test:1", dial: c.dial, scheduler: systemScheduler, allowAutoTopicCreation: false, retryBackoffMs: 1 });
    const [answer] = (await strict.metadata(["absent"])).topics;
    expect(answer!.error).toBeInstanceOf(UnknownTopicOrPartitionError);
    expect(c.requests.filter((r) => r.api === "Metadata")).toHaveLength(1);
  });

  it("tries the next bootstrap server when the first cannot be reached, and names the last failure when none can", async () => {
    const c = await cluster({ unreachable: ["down.test:9", "gone.test:8"] });
    const transport = new KafkaTransport({ bootstrap: "down.test:9, a.test:1", dial: c.dial, scheduler: systemScheduler });
    expect((await transport.metadata(["t"])).topics[0]!.error).toBeNull();
    const none = await new KafkaTransport({ bootstrap: ["down.test:9", "gone.test:8"], dial: c.dial, scheduler: systemScheduler }).metadata(["t"]).catch((e: unknown) => e);
    expect(none).toHaveProperty("code", "NETWORK_EXCEPTION");
    expect((none as Error).message).toBe("broker gone.test:8: cannot connect: connect ECONNREFUSED gone.test:8");
    expect(() => new KafkaTransport({ bootstrap: "nohost", dial: c.dial, scheduler: systemScheduler })).toThrow(/"nohost" is not host:port/);
  });
});

describe("Kafka's error codes as loglab's typed errors", () => {
  it("maps each code to the class carrying its name, with Kafka's retriability and what the request was about", () => {
    expect(errorFromCode(0, "t-0")).toBeNull();
    const outOfRange = errorFromCode(1, "t-0")!;
    expect(outOfRange).toBeInstanceOf(OffsetOutOfRangeError);
    expect([outOfRange.code, outOfRange.retriable, outOfRange.message]).toEqual(["OFFSET_OUT_OF_RANGE", false, "OFFSET_OUT_OF_RANGE (1) from the broker for t-0"]);
    expect(errorFromCode(3, "t-9")).toBeInstanceOf(UnknownTopicOrPartitionError);
    expect(errorFromCode(3, "t-9")!.retriable).toBe(true);
    // Kafka 4 fences a transactional producer with PRODUCER_FENCED: loglab's clients know it as a fenced epoch.
    const fenced = errorFromCode(errorCodeOf("PRODUCER_FENCED"), "transactional id tx")!;
    expect(isFenced(fenced)).toBe(true);
    expect(fenced.code).toBe("PRODUCER_FENCED");
    expect(errorFromCode(errorCodeOf("NOT_COORDINATOR"), "group g")).toMatchObject({ code: "NOT_COORDINATOR", retriable: true });
    expect(errorFromCode(9999, "x")).toMatchObject({ name: "LoglabError", code: "UNKNOWN_ERROR_9999", retriable: false });
  });
});

describe("Kafka's consumer protocol in JoinGroup and SyncGroup", () => {
  it("encodes a subscription and an assignment as Kafka's ConsumerProtocol v0 bytes, and reads them back", () => {
    // ConsumerProtocolSubscription v0: version 0, topics ["t"] (int32 count, int16-length string), user data null.
    const wire = subscriptionToWire(subscription(["t"]));
    expect([...wire]).toEqual([0, 0, 0, 0, 0, 1, 0, 1, 0x74, 0xff, 0xff, 0xff, 0xff]);
    expect(new TextDecoder().decode(subscriptionFromWire(wire))).toBe('{"topics":["t"]}');
    // ConsumerProtocolAssignment v0: version 0, [("t", [2, 0])], user data null.
    const assignment = assignmentToWire(new TextEncoder().encode(JSON.stringify([{ topic: "t", partition: 2 }, { topic: "t", partition: 0 }])));
    expect([...assignment]).toEqual([0, 0, 0, 0, 0, 1, 0, 1, 0x74, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]);
    expect(JSON.parse(new TextDecoder().decode(assignmentFromWire(assignment)))).toEqual([{ topic: "t", partition: 2 }, { topic: "t", partition: 0 }]);
    expect(assignmentFromWire(new Uint8Array(0))).toHaveLength(0);
  });
});

describe("KafkaTransport coordinators", () => {
  it("finds the group coordinator once, finds it again after NOT_COORDINATOR, and waits out COORDINATOR_LOAD_IN_PROGRESS", async () => {
    const c = await cluster();
    let findings = 0;
    const faults = ["COORDINATOR_NOT_AVAILABLE"];
    c.rewrite = (request) => {
      if (request.header.apiKey === apiKeys.FindCoordinator) {
        findings++;
        const fault = faults.shift();
        const coordinator = NODES[findings % 2]!;
        const entry = { key: "g", nodeId: coordinator.nodeId, host: coordinator.host, port: coordinator.port, errorCode: fault === undefined ? 0 : errorCodeOf(fault), errorMessage: null };
        return { throttleTimeMs: 0, coordinators: [entry] } satisfies FindCoordinatorResponse;
      }
      return undefined;
    };
    const join = await c.transport.joinGroup({ groupId: "g", memberId: "", sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, protocols: [{ name: "range", metadata: subscription(["t"]) }] });
    expect(join.error).toBeNull();
    expect(findings).toBe(2);
    const joinedAt = c.requests.find((r) => r.api === "JoinGroup")!.address;
    expect(joinedAt).toBe("a.test:1"); // the second answer names node 0

    let heartbeats = 0;
    c.rewrite = (request, address) => {
      if (request.header.apiKey === apiKeys.FindCoordinator) {
        findings++;
        return { throttleTimeMs: 0, coordinators: [{ key: "g", nodeId: 1, host: "b.test", port: 2, errorCode: 0, errorMessage: null }] } satisfies FindCoordinatorResponse;
      }
      if (request.header.apiKey !== apiKeys.Heartbeat) return undefined;
      heartbeats++;
      if (address === "a.test:1") return { throttleTimeMs: 0, errorCode: errorCodeOf("NOT_COORDINATOR") } satisfies HeartbeatResponse;
      if (heartbeats === 2) return { throttleTimeMs: 0, errorCode: errorCodeOf("COORDINATOR_LOAD_IN_PROGRESS") } satisfies HeartbeatResponse;
      return undefined;
    };
    const beat = await c.transport.heartbeat({ groupId: "g", generationId: join.generationId, memberId: join.memberId });
    expect(beat).toBeNull();
    expect(c.requests.filter((r) => r.api === "Heartbeat").map((r) => r.address)).toEqual(["a.test:1", "b.test:2", "b.test:2"]);
    expect(findings).toBe(3);
    // Errors that are the member's to handle come back typed, not retried.
    c.rewrite = (request) => (request.header.apiKey === apiKeys.Heartbeat ? { throttleTimeMs: 0, errorCode: errorCodeOf("REBALANCE_IN_PROGRESS") } : undefined);
    expect(await c.transport.heartbeat({ groupId: "g", generationId: join.generationId, memberId: join.memberId })).toBeInstanceOf(RebalanceInProgressError);
    c.rewrite = (request) => (request.header.apiKey === apiKeys.Heartbeat ? { throttleTimeMs: 0, errorCode: errorCodeOf("ILLEGAL_GENERATION") } : undefined);
    const stale = await c.transport.heartbeat({ groupId: "g", generationId: 0, memberId: join.memberId });
    expect(stale).toBeInstanceOf(IllegalGenerationError);
    expect(stale!.message).toContain("group g");
  });

  it("rejoins with the member id a first JoinGroup is answered with (MEMBER_ID_REQUIRED)", async () => {
    const c = await cluster();
    let assigned = "";
    c.rewrite = (request, _address, answer) => {
      const body = request.body as JoinGroupRequest;
      if (request.header.apiKey !== apiKeys.JoinGroup || body.memberId !== "") return undefined;
      // As Kafka does: the member id is handed out, and the member must join again with it.
      assigned = (answer as JoinGroupResponse).memberId;
      return { throttleTimeMs: 0, errorCode: errorCodeOf("MEMBER_ID_REQUIRED"), generationId: -1, protocolName: null, leader: "", skipAssignment: false, memberId: assigned, members: [] } satisfies JoinGroupResponse;
    };
    const join = await c.transport.joinGroup({ groupId: "g2", memberId: "", sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, protocols: [{ name: "range", metadata: subscription(["t"]) }] });
    expect(join.error).toBeNull();
    const joins = c.requests.filter((r) => r.api === "JoinGroup").map((r) => (r.body as JoinGroupRequest).memberId);
    expect(assigned).not.toBe("");
    expect(joins).toEqual(["", assigned]);
    expect(join.memberId).toBe(assigned);
  });

  it("commits a transaction's offsets as AddOffsetsToTxn to the transaction coordinator, then TxnOffsetCommit to the group's", async () => {
    const c = await cluster();
    c.rewrite = (request) => {
      if (request.header.apiKey !== apiKeys.FindCoordinator) return undefined;
      const [key] = (request.body as { coordinatorKeys: string[] }).coordinatorKeys;
      const node = key === "tx" ? NODES[1]! : NODES[0]!;
      return { throttleTimeMs: 0, coordinators: [{ key: key!, nodeId: node.nodeId, host: node.host, port: node.port, errorCode: 0, errorMessage: null }] } satisfies FindCoordinatorResponse;
    };
    await c.transport.metadata(["in"]);
    const { producerId, producerEpoch } = await c.transport.initProducerId("tx");
    await c.transport.addOffsetsToTxn({ transactionalId: "tx", producerId, producerEpoch, offsets: { groupId: "eos", offsets: [{ topic: "in", partition: 0, offset: 5 }] } });
    const sent = c.requests.filter((r) => r.api === "AddOffsetsToTxn" || r.api === "TxnOffsetCommit").map((r) => `${r.api}@${r.address}`);
    expect(sent).toEqual(["AddOffsetsToTxn@b.test:2", "TxnOffsetCommit@a.test:1"]);
    await c.transport.endTxn({ transactionalId: "tx", producerId, producerEpoch, commit: true });
    const { partitions } = await c.transport.offsetFetch("eos", [{ topic: "in", partition: 0 }]);
    expect(partitions.map((p) => p.offset)).toEqual([5]);
  });
});

describe("KafkaTransport after close()", () => {
  const tp = { topic: "t", partition: 0 };
  const txn = { transactionalId: "tx", producerId: 1, producerEpoch: 0 };
  /** One call of every request a BrokerTransport carries (the record type makes leaving one out a compile error). */
  const everyRequest = (t: KafkaTransport): Record<BrokerRequest, () => Promise<unknown>> => ({
    metadata: () => t.metadata(["t"]),
    initProducerId: () => t.initProducerId("tx"),
    addPartitionsToTxn: () => t.addPartitionsToTxn({ ...txn, partitions: [tp] }),
    addOffsetsToTxn: () => t.addOffsetsToTxn({ ...txn, offsets: { groupId: "g", offsets: [{ ...tp, offset: 1 }] } }),
    endTxn: () => t.endTxn({ ...txn, commit: true }),
    produce: () => t.produce(produceTo([0, 1])),
    fetch: () => t.fetch({ partitions: [{ ...tp, fetchOffset: 0 }] }),
    listOffsets: () => t.listOffsets({ partitions: [{ ...tp, timestamp: "latest" }] }),
    joinGroup: () => t.joinGroup({ groupId: "g", memberId: "", sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, protocols: [{ name: "range", metadata: subscription(["t"]) }] }),
    syncGroup: () => t.syncGroup({ groupId: "g", generationId: 1, memberId: "m" }),
    heartbeat: () => t.heartbeat({ groupId: "g", generationId: 1, memberId: "m" }),
    leaveGroup: () => t.leaveGroup("g", "m"),
    offsetCommit: () => t.offsetCommit({ groupId: "g", offsets: [{ ...tp, offset: 1 }] }),
    offsetFetch: () => t.offsetFetch("g", [tp]),
  });
  /** Virtual time, with Kafka's default backoffs: a closed transport that still retried would need time to pass. */
  const onVirtualTime = (dial: Dial) => {
    const scheduler = new ManualScheduler();
    return { scheduler, transport: new KafkaTransport({ bootstrap: "a.test:1", dial, scheduler, fetchMaxWaitMs: 0 }) };
  };
  /** What `promise` settles with, provided it settles before any time passes. */
  const atOnce = (scheduler: ManualScheduler, promise: Promise<unknown>) => scheduler.runUntilSettled(promise.then((value) => value, (error: unknown) => error), 0);

  it("rejects every request at once with ClientClosedError, not retriable, and sends nothing", async () => {
    const c = await cluster();
    const { scheduler, transport } = onVirtualTime(c.dial);
    // Connected, with leaders and the group's coordinator known: the paths that skip the lookups.
    await transport.metadata(["t"]);
    await transport.offsetFetch("g", [tp]);
    transport.close();
    const sent = c.requests.length;
    for (const [name, call] of Object.entries(everyRequest(transport))) {
      const error = await atOnce(scheduler, call());
      expect(error, name).toBeInstanceOf(ClientClosedError);
      expect(error, name).toMatchObject({ code: "CLIENT_CLOSED", retriable: false });
    }
    expect((await atOnce(scheduler, transport.metadata(["t"])) as Error).message).toBe("the Kafka transport to a.test:1 is closed");
    expect(c.requests).toHaveLength(sent);
    expect(scheduler.nowMs()).toBe(0);
    // Never connected: the same.
    const fresh = onVirtualTime(c.dial);
    fresh.transport.close();
    expect(await atOnce(fresh.scheduler, fresh.transport.offsetFetch("g", [tp]))).toBeInstanceOf(ClientClosedError);
  });

  it("ends a request waiting for its answer, and a retry loop in its backoff, at once with ClientClosedError", async () => {
    // A broker that never answers: the first request waits for the connection's ApiVersions.
    const silent: Dial = async () => ({ write: () => undefined, close: () => undefined });
    const mute = onVirtualTime(silent);
    const waiting = mute.transport.metadata(["t"]);
    await settle();
    mute.transport.close();
    expect(await atOnce(mute.scheduler, waiting)).toBeInstanceOf(ClientClosedError);

    // A coordinator still loading: the lookup backs off 100 ms, 200 ms, ... (about 17 s over 20 tries).
    const c = await cluster();
    c.rewrite = (request) => (request.header.apiKey === apiKeys.FindCoordinator
      ? { throttleTimeMs: 0, coordinators: [{ key: "g", nodeId: 0, host: "a.test", port: 1, errorCode: errorCodeOf("COORDINATOR_LOAD_IN_PROGRESS"), errorMessage: null }] } satisfies FindCoordinatorResponse
      : undefined);
    const { scheduler, transport } = onVirtualTime(c.dial);
    const asked = transport.offsetFetch("g", [tp]);
    while (!c.requests.some((r) => r.api === "FindCoordinator")) await settle();
    await settle();
    expect(scheduler.pendingTimers).toBeGreaterThan(0);
    transport.close();
    expect(await atOnce(scheduler, asked)).toBeInstanceOf(ClientClosedError);
    expect(c.requests.filter((r) => r.api === "FindCoordinator")).toHaveLength(1);
  });

  it("lets a consumer with auto-commit close at once (its last commit fails typed instead of retrying for seconds), and clients fail at once", async () => {
    const c = await cluster();
    await c.transport.produce(produceTo([0]));
    const { scheduler, transport } = onVirtualTime(c.dial);
    const runtime = { scheduler, random: new SeededRandom(3) };
    const consumer = new Consumer(transport, runtime, { "group.id": "closing", "enable.auto.commit": true, "auto.offset.reset": "earliest" });
    consumer.assign([tp]);
    expect(await consumer.poll(0)).toHaveLength(1); // stored: the close commits it
    const other = new Consumer(transport, runtime, { "group.id": "closing" });
    other.assign([tp]);
    transport.close();
    await atOnce(scheduler, consumer.close());
    expect(consumer.lastAutoCommitError).toBeInstanceOf(ClientClosedError);
    expect(c.requests.filter((r) => r.api === "OffsetCommit")).toHaveLength(0);
    // A poll over the closed transport fails typed, at once, instead of returning nothing until its time is up;
    // so does a send, instead of being retried until delivery.timeout.ms.
    expect(await atOnce(scheduler, other.poll(60_000))).toBeInstanceOf(ClientClosedError);
    expect(await atOnce(scheduler, new Producer(transport, runtime, { "linger.ms": 0 }).send({ topic: "t", messages: [{ value: "late" }] }))).toBeInstanceOf(ClientClosedError);
    expect(scheduler.nowMs()).toBe(0);
  });
});
