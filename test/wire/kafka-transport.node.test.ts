// loglab's own Producer and Consumer over Kafka's wire protocol to `loglab serve` on a real TCP port: an idempotent
// producer with acks=all, consumers in a group that commit, a later member resuming after the commit, a transactional
// producer with a read_committed consumer, and the transport's clear failures (an unreachable bootstrap server, a
// broker that closes the connection mid-request, one that never answers).

import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Consumer, type ConsumerRecord, Producer, SeededRandom, systemScheduler } from "../../src/index.ts";
import { NodeFsStorage } from "../../src/storage/node-fs.ts";
import { NetworkError } from "../../src/wire/index.ts";
import { kafkaTransport, type KafkaTransport } from "../../src/wire/node-client.ts";
import { serve, type WireServer } from "../../src/wire/node-server.ts";
import { pollUntil } from "../support/poll.ts";

/** How long a test waits for the records it polls for. */
const POLL_LIMIT_MS = 20_000;

const PARTITIONS = 3;
const TIMEOUT_MS = 60_000;
const runtime = { scheduler: systemScheduler, random: new SeededRandom(7) };
const text = (bytes: Uint8Array | null): string => new TextDecoder().decode(bytes ?? new Uint8Array(0));

let server: WireServer;
let dir: string;
const transports: KafkaTransport[] = [];

function transport(bootstrap = server.bootstrap): KafkaTransport {
  const made = kafkaTransport({ bootstrap, fetchMaxWaitMs: 100, requestTimeoutMs: 10_000 });
  transports.push(made);
  return made;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "loglab-transport-"));
  server = await serve({ storage: new NodeFsStorage(dir), port: 0, config: { "num.partitions": String(PARTITIONS), "group.initial.rebalance.delay.ms": "0" } });
});

afterAll(async () => {
  for (const t of transports) t.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("loglab's clients over Kafka's wire to loglab serve", () => {
  it("an idempotent producer with acks=all writes keyed records to every partition, each in order", async () => {
    const producer = new Producer(transport(), runtime, { "enable.idempotence": true, acks: "all", "linger.ms": 5 });
    const messages = Array.from({ length: 60 }, (_, i) => ({ key: `k${i % 12}`, value: `v${i}` }));
    const sent = await producer.send({ topic: "orders", messages });
    await producer.close();
    expect(new Set(sent.map((m) => m.partition)).size).toBe(PARTITIONS);
    for (let p = 0; p < PARTITIONS; p++) {
      const offsets = sent.filter((m) => m.partition === p).map((m) => m.offset);
      expect(offsets).toEqual(offsets.map((_, i) => i));
    }

    const reader = new Consumer(transport(), runtime, { "auto.offset.reset": "earliest" });
    reader.assign(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: "orders", partition })));
    const records = await pollUntil(reader, messages.length, POLL_LIMIT_MS);
    await reader.close();
    expect(records.map((r) => text(r.value)).sort()).toEqual(messages.map((m) => m.value).sort());
    for (const r of records) expect(sent.find((m) => m.offset === r.offset && m.partition === r.partition)).toBeDefined();
  }, TIMEOUT_MS);

  it("two consumers in a group split the partitions, commit, and a later member resumes after the commit", async () => {
    const producer = new Producer(transport(), runtime, { "linger.ms": 0 });
    await producer.send({ topic: "grouped", messages: Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `first-${i}` })) });
    const config = { "group.id": "wire-group", "auto.offset.reset": "earliest", "enable.auto.commit": false, "session.timeout.ms": 10_000, "heartbeat.interval.ms": 500 } as const;
    const a = new Consumer(transport(), runtime, config);
    const b = new Consumer(transport(), runtime, config);
    a.subscribe(["grouped"]);
    b.subscribe(["grouped"]);
    const seen: ConsumerRecord[] = [];
    const deadline = Date.now() + 30_000;
    while ((seen.length < 30 || a.assignment().length + b.assignment().length !== PARTITIONS || a.assignment().length === 0 || b.assignment().length === 0) && Date.now() < deadline) {
      const [fromA, fromB] = await Promise.all([a.poll(200), b.poll(200)]);
      seen.push(...fromA, ...fromB);
    }
    expect(seen.map((r) => text(r.value)).sort()).toEqual(Array.from({ length: 30 }, (_, i) => `first-${i}`).sort());
    const owned = [...a.assignment(), ...b.assignment()].map((tp) => tp.partition).sort();
    expect(owned).toEqual([0, 1, 2]);
    expect(a.assignment().length).toBeGreaterThan(0);
    expect(b.assignment().length).toBeGreaterThan(0);
    await Promise.all([a.commit(), b.commit()]);
    const committed = await a.committed(a.assignment());
    for (const c of committed) expect(c.offset).toBe(seen.filter((r) => r.partition === c.partition).length);
    await Promise.all([a.close(), b.close()]);

    await producer.send({ topic: "grouped", messages: [{ key: "late", value: "second" }] });
    await producer.close();
    const later = new Consumer(transport(), runtime, config);
    later.subscribe(["grouped"]);
    const resumed = await pollUntil(later, 1, POLL_LIMIT_MS);
    await later.close();
    expect(resumed.map((r) => text(r.value))).toEqual(["second"]);
  }, TIMEOUT_MS);

  it("a transactional producer's committed records reach a read_committed consumer and its aborted ones do not", async () => {
    const producer = new Producer(transport(), runtime, { "transactional.id": "wire-tx", "linger.ms": 0 });
    const kept = await producer.transaction();
    await kept.send({ topic: "tx", messages: [{ value: "committed" }] });
    await kept.commit();
    const dropped = await producer.transaction();
    await dropped.send({ topic: "tx", messages: [{ value: "aborted" }] });
    await dropped.abort();
    const after = await producer.transaction();
    await after.send({ topic: "tx", messages: [{ value: "after" }] });
    await after.commit();
    await producer.close();
    const reader = new Consumer(transport(), runtime, { "auto.offset.reset": "earliest", "isolation.level": "read_committed" });
    reader.assign(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: "tx", partition })));
    const records = await pollUntil(reader, 2, POLL_LIMIT_MS);
    await new Promise((resolve) => setTimeout(resolve, 300));
    records.push(...await reader.poll(200));
    await reader.close();
    expect(records.map((r) => text(r.value)).sort()).toEqual(["after", "committed"]);
  }, TIMEOUT_MS);
});

describe("the wire transport's failures", () => {
  it("an unreachable bootstrap server fails with a retriable NetworkError naming it", async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0));
      });
    });
    const error = await transport(`127.0.0.1:${port}`).metadata(["t"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).retriable).toBe(true);
    expect((error as NetworkError).message).toContain(`127.0.0.1:${port}`);
  }, TIMEOUT_MS);

  it("a broker that closes the connection mid-request fails it with a retriable NetworkError", async () => {
    const closing = createServer((socket) => socket.once("data", () => socket.destroy()));
    await new Promise<void>((resolve) => closing.listen(0, "127.0.0.1", resolve));
    const address = closing.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    const error = await transport(`127.0.0.1:${port}`).metadata(["t"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).message).toBe(`broker 127.0.0.1:${port}: connection closed`);
    await new Promise<void>((resolve) => closing.close(() => resolve()));
  }, TIMEOUT_MS);

  it("a request the broker never answers times out, and the connection is closed and redialled", async () => {
    const held: import("node:net").Socket[] = [];
    const silent = createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const address = silent.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    const quiet = kafkaTransport({ bootstrap: `127.0.0.1:${port}`, requestTimeoutMs: 300 });
    transports.push(quiet);
    const error = await quiet.metadata(["t"]).catch((e: unknown) => e);
    expect((error as Error).name).toBe("RequestTimedOutError");
    await quiet.metadata(["t"]).catch(() => undefined);
    expect(held.length).toBe(2);
    for (const socket of held) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  }, TIMEOUT_MS);
});
