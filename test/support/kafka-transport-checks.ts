// What loglab's own Producer and Consumer must do over Kafka's wire protocol, declared once for every broker they
// speak to (`loglab serve` and Apache Kafka), so the two suites cannot drift apart: an idempotent producer whose
// records loglab's consumer and kcat read back, groups that share partitions, commit and hand them over, transactions
// a read_committed consumer honours, and the talk's loops crashed after every step with the talk's guarantees.

import { execFile } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { Consumer, type ConsumerRecord, Producer, SeededRandom, systemScheduler } from "../../src/index.ts";
import { kafkaTransport, type KafkaTransport } from "../../src/wire/node-client.ts";
import {
  atLeastOnceLoop, atMostOnceLoop, BASIC_CONSUMER_CONFIG, basicConsumerLoop, MANUAL_STORE_CONFIG, TALK_AT_MOST_ONCE_CONFIG, talkAtMostOnceLoop,
} from "../../src/examples/index.ts";
import { clusterCrashEveryStep, clusterExactlyOnceEveryStep, type EveryStepOptions, type EveryStepResult } from "../../sim/cluster-lab.ts";
import type { LoopStep } from "../../sim/scenarios/delivery.ts";
import { pollUntil } from "./poll.ts";

/** A broker to check, and what differs between brokers. */
export interface KafkaTransportTarget {
  /** Names the broker in the tests' titles: "loglab serve", "Apache Kafka". */
  readonly name: string;
  /** Its host:port, once the caller's beforeAll has started it. */
  readonly bootstrap: () => string;
  /** How long one test may take (a JVM broker on a busy machine is slower). */
  readonly timeoutMs: number;
  /** How long a test waits for the records it polls for. */
  readonly pollLimitMs: number;
  /** How many runs of one crash table share the broker at once (each on its own topics and transactional.id). */
  readonly crashRunsAtOnce: number;
}

/** The num.partitions the broker must be started with: the checks' topics are auto-created, and share out three ways. */
export const CHECKED_PARTITIONS = 3;

const runtime = { scheduler: systemScheduler, random: new SeededRandom(11) };
const text = (bytes: Uint8Array | null): string => new TextDecoder().decode(bytes ?? new Uint8Array(0));
const distinct = (records: readonly ConsumerRecord[]): string[] => [...new Set(records.map((r) => text(r.value)))].sort();
/** What the crash tables expect of a run without a crash. */
const ONCE_EACH = [1, 1, 1, 1, 1];

/** Declares the checks against `target`. */
export function kafkaTransportChecks(target: KafkaTransportTarget): void {
  const { timeoutMs, pollLimitMs } = target;
  const partitions = CHECKED_PARTITIONS;
  const all = (topic: string) => Array.from({ length: partitions }, (_, partition) => ({ topic, partition }));
  const transports: KafkaTransport[] = [];
  const transport = (): KafkaTransport => {
    const made = kafkaTransport({ bootstrap: target.bootstrap(), fetchMaxWaitMs: 100 });
    transports.push(made);
    return made;
  };
  const kcat = (args: readonly string[]): Promise<string> => new Promise((resolve, reject) => {
    execFile("kcat", ["-b", target.bootstrap(), ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`kcat ${args.join(" ")} failed: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
  // Each member polls on its own, as each would in its own process: a member whose poll waits in JoinGroup for the
  // rebalance does not hold the others back from joining it.
  const pollEach = (group: readonly Consumer[], into: ConsumerRecord[], done: () => boolean, limitMs: number): Promise<void[]> => {
    const deadline = Date.now() + limitMs;
    return Promise.all(group.map(async (m) => {
      while (!done() && Date.now() < deadline) into.push(...await m.poll(200));
    }));
  };
  const balanced = (group: readonly Consumer[]): boolean =>
    group.every((m) => m.assignment().length > 0) && group.flatMap((m) => m.assignment()).length === partitions;

  const closeAll = (): void => {
    for (const t of transports.splice(0)) t.close();
  };

  describe(`loglab's clients over Kafka's wire to ${target.name}`, () => {
    afterAll(closeAll);

    it("an idempotent producer with acks=all writes keyed records to every partition, each in order, that loglab's consumer and kcat read back", async () => {
      const producer = new Producer(transport(), runtime, { "enable.idempotence": true, acks: "all", "linger.ms": 5 });
      const messages = Array.from({ length: 60 }, (_, i) => ({ key: `k${i % 12}`, value: `v${i}` }));
      const sent = await producer.send({ topic: "orders", messages });
      await producer.close();
      expect(new Set(sent.map((m) => m.partition)).size).toBe(partitions);
      for (let p = 0; p < partitions; p++) {
        const offsets = sent.filter((m) => m.partition === p).map((m) => m.offset);
        expect(offsets).toEqual(offsets.map((_, i) => i));
      }

      const reader = new Consumer(transport(), runtime, { "auto.offset.reset": "earliest" });
      reader.assign(all("orders"));
      const records = await pollUntil(reader, messages.length, pollLimitMs);
      await reader.close();
      expect(records.map((r) => `${text(r.key)}:${text(r.value)}`).sort()).toEqual(messages.map((m) => `${m.key}:${m.value}`).sort());
      for (const r of records) expect(sent.find((m) => m.offset === r.offset && m.partition === r.partition)).toBeDefined();

      const printed = await kcat(["-C", "-t", "orders", "-e", "-o", "beginning", "-f", "%k:%s:%p:%o\n"]);
      const rows = printed.trim().split("\n").sort();
      expect(rows).toEqual(sent.map((m, i) => `${messages[i]!.key}:${messages[i]!.value}:${m.partition}:${m.offset}`).sort());
    }, timeoutMs);

    it("two consumers of a group split the partitions and commit, and a later member resumes after the commit", async () => {
      const producer = new Producer(transport(), runtime, { "linger.ms": 0 });
      const first = Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `first-${i}` }));
      await producer.send({ topic: "grouped", messages: first });
      const config = { "group.id": "loglab-pair", "auto.offset.reset": "earliest", "enable.auto.commit": false, "session.timeout.ms": 10_000, "heartbeat.interval.ms": 500 } as const;
      const [a, b] = [new Consumer(transport(), runtime, config), new Consumer(transport(), runtime, config)];
      a.subscribe(["grouped"]);
      b.subscribe(["grouped"]);
      const seen: ConsumerRecord[] = [];
      // Until both have joined, a partition may move on uncommitted: its next owner may read a record again
      // (at-least-once), but none is missing.
      await pollEach([a, b], seen, () => distinct(seen).length >= first.length && balanced([a, b]), 3 * pollLimitMs);
      expect(distinct(seen)).toEqual(first.map((m) => m.value).sort());
      expect([...a.assignment(), ...b.assignment()].map((tp) => tp.partition).sort()).toEqual([0, 1, 2]);
      expect(a.assignment().length).toBeGreaterThan(0);
      expect(b.assignment().length).toBeGreaterThan(0);
      await Promise.all([a.commit(), b.commit()]);
      const committed = await a.committed(all("grouped"));
      for (const c of committed) expect(c.offset).toBe(distinct(seen.filter((r) => r.partition === c.partition)).length);
      await Promise.all([a.close(), b.close()]);

      await producer.send({ topic: "grouped", messages: [{ key: "late", value: "second" }] });
      await producer.close();
      const later = new Consumer(transport(), runtime, config);
      later.subscribe(["grouped"]);
      const resumed = await pollUntil(later, 1, pollLimitMs);
      await later.close();
      expect(resumed.map((r) => text(r.value))).toEqual(["second"]);
    }, timeoutMs);

    it("three consumers of one group share the partitions, and the two left take over when one leaves", async () => {
      const producer = new Producer(transport(), runtime, { "linger.ms": 0 });
      const first = Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `first-${i}` }));
      await producer.send({ topic: "shared", messages: first });
      // max.poll.interval.ms is the rebalance timeout: how long the coordinator waits for every member to join again.
      const config = {
        "group.id": "loglab-trio", "auto.offset.reset": "earliest", "enable.auto.commit": false,
        "session.timeout.ms": 10_000, "heartbeat.interval.ms": 500, "max.poll.interval.ms": 30_000,
      } as const;
      const members = [0, 1, 2].map(() => new Consumer(transport(), runtime, config));
      for (const m of members) m.subscribe(["shared"]);
      const seen: ConsumerRecord[] = [];
      // Until all three have joined, a member may own partitions that move on without a commit: a record it read may
      // be read again by the next owner (at-least-once), but none is missing.
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
      await pollEach(staying, after, () => distinct(after).length >= second.length && balanced(staying), 90_000);
      await Promise.all(staying.map((m) => m.commit()));
      expect(staying.flatMap((m) => m.assignment()).map((tp) => tp.partition).sort()).toEqual([0, 1, 2]);
      // Nothing was committed while the group rebalanced: a partition moved at its committed offset, so records read
      // before the move may be read again by the new owner (at-least-once), but none is missing.
      expect(distinct(after)).toEqual(second.map((m) => m.value).sort());
      const committed = await staying[0].committed(all("shared"));
      expect(committed.reduce((sum, c) => sum + c.offset, 0)).toBe(first.length + second.length);
      await Promise.all(staying.map((m) => m.close()));
    }, 2 * timeoutMs);

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
      committedReader.assign(all("ledger"));
      const visible = await pollUntil(committedReader, 3, pollLimitMs);
      // Long enough for an aborted record that would wrongly come to come.
      visible.push(...await committedReader.poll(1_000));
      await committedReader.close();
      expect(visible.map((r) => text(r.value)).sort()).toEqual(["committed-1", "committed-2", "committed-3"]);

      // read_uncommitted sees the aborted records too: they were written, then hidden by the ABORT marker.
      const everything = new Consumer(transport(), runtime, { "auto.offset.reset": "earliest" });
      everything.assign(all("ledger"));
      const written = await pollUntil(everything, 5, pollLimitMs);
      await everything.close();
      expect(written.map((r) => text(r.value)).sort()).toEqual(["aborted-1", "aborted-2", "committed-1", "committed-2", "committed-3"]);
    }, timeoutMs);

    it("a transaction's consumed offsets commit with it (AddOffsetsToTxn, then TxnOffsetCommit), an aborted one's do not", async () => {
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
    }, timeoutMs);
  });

  crashTables(target, transport, closeAll);
}

/** The step a run crashed after, as a failure message names it. */
const where = (steps: readonly LoopStep[], crashAt: number): string => {
  const step = steps[crashAt - 1];
  return step === undefined ? `no step ${crashAt}` : `crash after step ${crashAt} (${step.name}${step.offset === null ? "" : ` ${step.offset}`})`;
};

/**
 * Where the restart resumed: the offset from which every record was processed once more than before the crash
 * (null when no one offset explains the counts, which a restart from the group's committed offset always would).
 */
function resumedAt(processed: readonly number[], steps: readonly LoopStep[]): number | null {
  const before = new Set(steps.filter((s) => s.name === "processed").map((s) => s.offset));
  for (let from = 0; from <= processed.length; from++) {
    if (processed.every((n, offset) => n === (before.has(offset) ? 1 : 0) + (offset >= from ? 1 : 0))) return from;
  }
  return null;
}

/** One past the last offset the crashed run stored (0 when it stored none). */
const storedEnd = (steps: readonly LoopStep[]): number =>
  Math.max(0, ...steps.filter((s) => s.name === "stored").map((s) => s.offset! + 1));

/**
 * The talk's loops and the exactly-once loop crashed after every step, with the assertions of the in-process talk
 * test (talk.test.ts) where they do not hang on the clock. The as-written at-most-once loop and the auto-commit loop
 * commit on a timer whose ticks fall where real time puts them: the first is checked for what holds wherever they
 * fall, the second on a slower clock. The five tables run side by side, and so do the runs within each.
 */
function crashTables(target: KafkaTransportTarget, connect: () => KafkaTransport, closeAll: () => void): void {
  // Two polls: the records come in the first, and one past them shows nothing more comes (a third would only wait).
  const options = (batch: string): EveryStepOptions => ({ connect, batch, concurrency: target.crashRunsAtOnce, polls: 2 });
  /** Each crashed run must have crashed where asked: its first consumer took exactly that many steps. */
  const crashedWhereAsked = (table: EveryStepResult, expectation: typeof expect): void => {
    table.crashed.forEach(({ steps }, i) => expectation(steps.length, `run ${i + 1}`).toBe(i + 1));
  };
  const timeoutMs = 4 * target.timeoutMs;

  describe.concurrent(`the talk's loops against ${target.name}, crashed after every step`, () => {
    afterAll(closeAll);

    it("at-most-once (store, then process) never redelivers, and loses exactly the record stored but not yet processed", async ({ expect }) => {
      const table = await clusterCrashEveryStep(atMostOnceLoop, MANUAL_STORE_CONFIG, options("at-most-once"));
      expect(table.clean.processed).toEqual(ONCE_EACH);
      crashedWhereAsked(table, expect);
      table.crashed.forEach(({ processed, steps }, i) => {
        const crashed = steps[i]!;
        const expected = processed.map((_, offset) => (crashed.name === "stored" && crashed.offset === offset ? 0 : 1));
        expect(processed, where(steps, i + 1)).toEqual(expected);
      });
    }, timeoutMs);

    it("at-least-once (process, then store) never loses, and redelivers exactly the record processed but not yet stored", async ({ expect }) => {
      const table = await clusterCrashEveryStep(atLeastOnceLoop, MANUAL_STORE_CONFIG, options("at-least-once"));
      expect(table.clean.processed).toEqual(ONCE_EACH);
      crashedWhereAsked(table, expect);
      table.crashed.forEach(({ processed, steps }, i) => {
        const crashed = steps[i]!;
        const expected = processed.map((_, offset) => (crashed.name === "processed" && crashed.offset === offset ? 2 : 1));
        expect(processed, where(steps, i + 1)).toEqual(expected);
      });
    }, timeoutMs);

    it("the talk's at-most-once as written (store, process, the 100 ms timer commits) repeats what it processed since the last commit, and loses at most the record stored but not processed", async ({ expect }) => {
      const table = await clusterCrashEveryStep(talkAtMostOnceLoop, TALK_AT_MOST_ONCE_CONFIG, options("talk-at-most-once"));
      expect(table.clean.processed).toEqual(ONCE_EACH);
      crashedWhereAsked(table, expect);
      const repeats = table.crashed.map(({ processed, steps }, i) => {
        const from = resumedAt(processed, steps);
        expect(from, `${where(steps, i + 1)}: [${processed}]`).not.toBeNull();
        // The timer commits only what the loop stored, so the restart never starts past it.
        expect(from!, `${where(steps, i + 1)}: [${processed}]`).toBeLessThanOrEqual(storedEnd(steps));
        return processed.some((n) => n > 1);
      });
      // Five records take 200 ms against ticks 100 ms apart: some crash falls before the tick after a processed record.
      expect(repeats).toContain(true);
    }, timeoutMs);

    it("the basic auto-commit loop guarantees neither: some crashes redeliver, others lose", async ({ expect }) => {
      // Which crash repeats and which loses depends on where the timer's ticks fall, and a busy machine delays the
      // first poll by tens of milliseconds: the talk's 40 ms per record and 100 ms between commits, five times over,
      // keep both outcomes clear of that (the first tick at 500 ms, after one record and before the fourth).
      const config = { ...BASIC_CONSUMER_CONFIG, "auto.commit.interval.ms": 500 };
      const table = await clusterCrashEveryStep(basicConsumerLoop, config, { ...options("auto-commit"), processMs: 200 });
      expect(table.clean.processed).toEqual(ONCE_EACH);
      crashedWhereAsked(table, expect);
      for (const [i, { processed, steps }] of table.crashed.entries()) {
        // The restart resumes where the timer last committed what poll() had handed out, processed or not.
        expect(resumedAt(processed, steps), `${where(steps, i + 1)}: [${processed}]`).not.toBeNull();
      }
      const outcomes = new Map(table.crashed.map(({ processed, steps }, i) => [`${steps[i]!.name} ${steps[i]!.offset}`, processed]));
      const listed = [...outcomes].map(([step, processed]) => `${step}: [${processed}]`).join(", ");
      // After the first record, nothing is committed yet: it is processed again.
      expect(outcomes.get("processed 0"), listed).toEqual([2, 1, 1, 1, 1]);
      // After the fourth, the tick has committed all five handed out: the fifth is lost.
      expect(outcomes.get("processed 3"), listed).toEqual([1, 1, 1, 1, 0]);
    }, timeoutMs);

    it("exactly-once puts every input in the output exactly once, whatever step the crash falls after", async ({ expect }) => {
      const table = await clusterExactlyOnceEveryStep(options("exactly-once"));
      expect(table.clean.processed).toEqual(ONCE_EACH);
      expect(table.clean.steps.map((s) => s.name)).toContain("committed");
      crashedWhereAsked(table, expect);
      table.crashed.forEach(({ processed, steps }, i) => expect(processed, where(steps, i + 1)).toEqual(ONCE_EACH));
    }, timeoutMs);
  });
}
