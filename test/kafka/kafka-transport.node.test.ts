// loglab's own Producer and Consumer over Kafka's wire protocol to a real Apache Kafka 4.1.1 broker (KRaft, one
// node): an idempotent producer with acks=all whose records kcat (librdkafka) reads back, three consumers of one
// group sharing the partitions and rebalancing as one leaves, a transactional producer whose committed records a
// read_committed consumer sees and whose aborted ones it does not, `loglab produce|consume --bootstrap`, and the
// talk's loops crashed after a step (at-most-once loses, at-least-once repeats, exactly-once does neither).

import { execFile } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Consumer, type ConsumerRecord, Producer, SeededRandom, systemScheduler } from "../../src/index.ts";
import { kafkaTransport, type KafkaTransport } from "../../src/wire/node-client.ts";
import { atLeastOnceLoop, atMostOnceLoop, MANUAL_STORE_CONFIG } from "../../src/examples/index.ts";
import { clusterCrashLab, clusterExactlyOnceLab, type ClusterLabOptions } from "../../sim/cluster-lab.ts";
import { runCli } from "../support/cli.ts";
import { type KafkaBroker, startKafkaBroker } from "./broker.ts";
import { pollUntil } from "../support/poll.ts";

/** How long a test waits for the records it polls for. */
const POLL_LIMIT_MS = 60_000;

const PARTITIONS = 3;
const TIMEOUT_MS = 120_000;
const runtime = { scheduler: systemScheduler, random: new SeededRandom(11) };
const text = (bytes: Uint8Array | null): string => new TextDecoder().decode(bytes ?? new Uint8Array(0));

let broker: KafkaBroker;
const transports: KafkaTransport[] = [];

function transport(): KafkaTransport {
  const made = kafkaTransport({ bootstrap: broker.bootstrap, fetchMaxWaitMs: 100 });
  transports.push(made);
  return made;
}

function kcat(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("kcat", ["-b", broker.bootstrap, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`kcat ${args.join(" ")} failed: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

beforeAll(async () => {
  broker = await startKafkaBroker({ config: { "num.partitions": String(PARTITIONS) } });
}, TIMEOUT_MS);

afterAll(async () => {
  for (const t of transports) t.close();
  await broker?.dispose();
}, TIMEOUT_MS);

describe("loglab's clients over the wire to Apache Kafka", () => {
  it("an idempotent producer with acks=all writes keyed records that loglab's consumer and kcat read back", async () => {
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
    expect(records.map((r) => `${text(r.key)}:${text(r.value)}`).sort()).toEqual(messages.map((m) => `${m.key}:${m.value}`).sort());

    const printed = await kcat(["-C", "-t", "orders", "-e", "-o", "beginning", "-f", "%k:%s:%p:%o\n"]);
    const rows = printed.trim().split("\n").sort();
    expect(rows).toEqual(sent.map((m, i) => `${messages[i]!.key}:${messages[i]!.value}:${m.partition}:${m.offset}`).sort());
  }, TIMEOUT_MS);

  it("three consumers of one group share the partitions, and the two left take over when one leaves", async () => {
    const producer = new Producer(transport(), runtime, { "linger.ms": 0 });
    const first = Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `first-${i}` }));
    await producer.send({ topic: "shared", messages: first });
    // max.poll.interval.ms is the rebalance timeout: how long Kafka waits for every member to join again.
    const config = {
      "group.id": "loglab-trio", "auto.offset.reset": "earliest", "enable.auto.commit": false,
      "session.timeout.ms": 10_000, "heartbeat.interval.ms": 500, "max.poll.interval.ms": 30_000,
    } as const;
    const members = [0, 1, 2].map(() => new Consumer(transport(), runtime, config));
    for (const m of members) m.subscribe(["shared"]);
    const seen: ConsumerRecord[] = [];
    const balanced = (group: readonly Consumer[]): boolean =>
      group.every((m) => m.assignment().length > 0) && group.flatMap((m) => m.assignment()).length === PARTITIONS;
    // Each member polls on its own, as each would in its own process: a member whose poll waits in JoinGroup
    // for the rebalance does not hold the others back from joining it.
    const pollEach = (group: readonly Consumer[], into: ConsumerRecord[], done: () => boolean, limitMs: number): Promise<void[]> => {
      const deadline = Date.now() + limitMs;
      return Promise.all(group.map(async (m) => {
        while (!done() && Date.now() < deadline) into.push(...await m.poll(200));
      }));
    };
    // Until all three have joined, a member may own partitions that move on without a commit: a record it read may be
    // read again by the next owner (at-least-once), but none is missing.
    const distinct = (records: readonly ConsumerRecord[]) => [...new Set(records.map((r) => text(r.value)))].sort();
    await pollEach(members, seen, () => distinct(seen).length >= first.length && balanced(members), 90_000);
    expect(distinct(seen)).toEqual(first.map((m) => m.value).sort());
    expect(members.map((m) => m.assignment().length)).toEqual([1, 1, 1]);
    expect(members.flatMap((m) => m.assignment()).map((tp) => tp.partition).sort()).toEqual([0, 1, 2]);
    await Promise.all(members.map((m) => m.commit()));

    // One leaves (LeaveGroup); the other two rejoin and split all three partitions, resuming after the commits.
    const [leaving, ...staying] = members as [Consumer, Consumer, Consumer];
    await leaving.close();
    const second = Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `second-${i}` }));
    await producer.send({ topic: "shared", messages: second });
    await producer.close();
    const after: ConsumerRecord[] = [];
    await pollEach(staying, after, () => new Set(after.map((r) => text(r.value))).size >= second.length && balanced(staying), 90_000);
    await Promise.all(staying.map((m) => m.commit()));
    expect(staying.flatMap((m) => m.assignment()).map((tp) => tp.partition).sort()).toEqual([0, 1, 2]);
    // Nothing was committed while the group rebalanced: a partition moved at its committed offset, so records read
    // before the move may be read again by the new owner (at-least-once), but none is missing.
    expect([...new Set(after.map((r) => text(r.value)))].sort()).toEqual(second.map((m) => m.value).sort());
    const committed = await staying[0].committed([0, 1, 2].map((partition) => ({ topic: "shared", partition })));
    expect(committed.reduce((sum, c) => sum + c.offset, 0)).toBe(first.length + second.length);
    await Promise.all(staying.map((m) => m.close()));
  }, TIMEOUT_MS * 2);

  it("a transactional producer's commit is visible to a read_committed consumer, its abort is not", async () => {
    const producer = new Producer(transport(), runtime, { "transactional.id": "loglab-tx", "linger.ms": 0 });
    const kept = await producer.transaction();
    await kept.send({ topic: "ledger", messages: [{ key: "a", value: "committed-1" }, { key: "b", value: "committed-2" }] });
    await kept.commit();
    const dropped = await producer.transaction();
    await dropped.send({ topic: "ledger", messages: [{ key: "a", value: "aborted-1" }, { key: "c", value: "aborted-2" }] });
    await dropped.abort();
    const last = await producer.transaction();
    await last.send({ topic: "ledger", messages: [{ key: "b", value: "committed-3" }] });
    await last.commit();
    await producer.close();

    const committedReader = new Consumer(transport(), runtime, { "auto.offset.reset": "earliest", "isolation.level": "read_committed" });
    committedReader.assign([0, 1, 2].map((partition) => ({ topic: "ledger", partition })));
    const visible = await pollUntil(committedReader, 3, POLL_LIMIT_MS);
    visible.push(...await committedReader.poll(1_000));
    await committedReader.close();
    expect(visible.map((r) => text(r.value)).sort()).toEqual(["committed-1", "committed-2", "committed-3"]);

    // read_uncommitted sees the aborted records too: they were written, then hidden by the ABORT marker.
    const everything = new Consumer(transport(), runtime, { "auto.offset.reset": "earliest" });
    everything.assign([0, 1, 2].map((partition) => ({ topic: "ledger", partition })));
    const all = await pollUntil(everything, 5, POLL_LIMIT_MS);
    await everything.close();
    expect(all.map((r) => text(r.value)).sort()).toEqual(["aborted-1", "aborted-2", "committed-1", "committed-2", "committed-3"]);
  }, TIMEOUT_MS);

  it("a transaction's consumed offsets commit with it (AddOffsetsToTxn, then TxnOffsetCommit)", async () => {
    const eos = transport();
    // The group's offsets are for a topic that must exist: Kafka refuses offsets of an unknown one.
    expect((await eos.metadata(["eos-in"])).topics[0]!.error).toBeNull();
    const producer = new Producer(eos, runtime, { "transactional.id": "loglab-eos", "linger.ms": 0 });
    const tx = await producer.transaction();
    await tx.send({ topic: "eos-out", messages: [{ value: "out" }] });
    await tx.sendOffsets({ consumerGroupId: "eos-group", offsets: [{ topic: "eos-in", partition: 0, offset: 7 }] });
    await tx.commit();
    const aborted = await producer.transaction();
    await aborted.sendOffsets({ consumerGroupId: "eos-group", offsets: [{ topic: "eos-in", partition: 0, offset: 99 }] });
    await aborted.abort();
    await producer.close();
    const group = new Consumer(transport(), runtime, { "group.id": "eos-group" });
    const [committed] = await group.committed([{ topic: "eos-in", partition: 0 }]);
    await group.close();
    expect(committed?.offset).toBe(7);
  }, TIMEOUT_MS);
});

describe("loglab produce and consume --bootstrap against Apache Kafka", () => {
  it("produces lines and consumes them back from the beginning; kcat sees the same", async () => {
    const produced = runCli("node", ["produce", "cli-lines", "--bootstrap", broker.bootstrap, "--key-separator", ":"], { input: "a:one\nb:two\nc:three\n" });
    expect(produced.stderr).toBe("");
    expect(produced.status).toBe(0);
    const consumed = runCli("node", ["consume", "cli-lines", "--bootstrap", broker.bootstrap, "--from-beginning", "--max-messages", "3"]);
    expect(consumed.stderr).toBe("Processed a total of 3 messages\n");
    expect(consumed.status).toBe(0);
    expect(consumed.stdout.trim().split("\n").sort()).toEqual(["one", "three", "two"]);
    const printed = await kcat(["-C", "-t", "cli-lines", "-e", "-o", "beginning", "-f", "%k=%s\n"]);
    expect(printed.trim().split("\n").sort()).toEqual(["a=one", "b=two", "c=three"]);
  }, TIMEOUT_MS);
});

describe("the talk's loops against Apache Kafka, crashed after a step", () => {
  const cluster = (): ClusterLabOptions => ({ connect: transport });
  /** The 1-based crash point of the step named `name` about record `offset`, from a run without a crash. */
  const pointOf = (steps: readonly { name: string; offset: number | null }[], name: string, offset: number): number =>
    steps.findIndex((s) => s.name === name && s.offset === offset) + 1;

  it("at-least-once repeats exactly the record processed but not stored; at-most-once loses exactly the one stored but not processed", async () => {
    const clean = await clusterCrashLab(atLeastOnceLoop, MANUAL_STORE_CONFIG, null, cluster());
    expect(clean.processed).toEqual([1, 1, 1, 1, 1]);
    expect((await clusterCrashLab(atLeastOnceLoop, MANUAL_STORE_CONFIG, pointOf(clean.steps, "processed", 1), cluster())).processed).toEqual([1, 2, 1, 1, 1]);
    expect((await clusterCrashLab(atLeastOnceLoop, MANUAL_STORE_CONFIG, pointOf(clean.steps, "stored", 1), cluster())).processed).toEqual([1, 1, 1, 1, 1]);
    const atMostOnce = await clusterCrashLab(atMostOnceLoop, MANUAL_STORE_CONFIG, null, cluster());
    expect((await clusterCrashLab(atMostOnceLoop, MANUAL_STORE_CONFIG, pointOf(atMostOnce.steps, "stored", 2), cluster())).processed).toEqual([1, 1, 0, 1, 1]);
  }, TIMEOUT_MS);

  it("exactly-once: a crash mid-transaction leaves each record's copy committed once", async () => {
    const clean = await clusterExactlyOnceLab(null, cluster());
    expect(clean.processed).toEqual([1, 1, 1, 1, 1]);
    for (const [name, offset] of [["sent", 2], ["offsets-sent", 4]] as const) {
      const at = pointOf(clean.steps, name, offset);
      expect(at).toBeGreaterThan(0);
      expect((await clusterExactlyOnceLab(at, cluster())).processed, `crash after ${name} #${offset}`).toEqual([1, 1, 1, 1, 1]);
    }
  }, TIMEOUT_MS);
});
