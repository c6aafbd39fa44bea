// The talk's consumer loops, crashed at every step: a fresh consumer of the
// same group takes over from what was committed, and we count how often each
// record was processed. At-most-once never processes a record twice and loses
// the one stored but not processed; at-least-once never loses one and repeats
// the one processed but not stored; the plain auto-commit loop does both,
// depending on when the crash falls between commits (kafka-facts.md). The
// at-most-once loop as the talk wrote it (offsetStore only stores; the
// auto-commit timer commits) repeats what it processed since the last tick.

import { describe, expect, it } from "vitest";
import {
  Broker, Consumer, type ConsumerConfig, encodeBatch, InProcessTransport, ManualScheduler, mapTransport, MemoryStorage, murmur2Partition,
  Producer, SeededRandom, type TopicPartition,
} from "../../src/index.ts";
import { type ConsumerLoop, crashLab, exactlyOnceLab } from "../../sim/crash-lab.ts";
import {
  atLeastOnceLoop, atMostOnceLoop, BASIC_CONSUMER_CONFIG, basicConsumerLoop, basicProducer, consumeStart, EXACTLY_ONCE_CONSUMER_CONFIG,
  exactlyOnceLoop, MANUAL_STORE_CONFIG, TALK_AT_MOST_ONCE_CONFIG, TALK_GROUP, TALK_TOPIC, talkAtMostOnceLoop,
} from "../../src/examples/talk.ts";

const live = (loop: ConsumerLoop, config: ConsumerConfig, crashAt: number | null) => crashLab(loop, config, crashAt);

/** Every crash point of a loop: 1 .. the number of steps of a run without a crash. */
async function crashPoints(loop: ConsumerLoop, config: ConsumerConfig): Promise<number[]> {
  const { steps } = await live(loop, config, null);
  return Array.from({ length: steps.length }, (_, i) => i + 1);
}

describe("the talk's consumer loops under a crash at every step", () => {
  it("without a crash, each loop processes every record exactly once", async () => {
    for (const [loop, config] of [
      [basicConsumerLoop, BASIC_CONSUMER_CONFIG], [atMostOnceLoop, MANUAL_STORE_CONFIG], [atLeastOnceLoop, MANUAL_STORE_CONFIG],
      [talkAtMostOnceLoop, TALK_AT_MOST_ONCE_CONFIG],
    ] as const) {
      expect((await live(loop, config, null)).processed).toEqual([1, 1, 1, 1, 1]);
    }
  });

  it("at-most-once (store, then process) never redelivers, and loses exactly the record stored but not yet processed", async () => {
    for (const crashAt of await crashPoints(atMostOnceLoop, MANUAL_STORE_CONFIG)) {
      const { processed, steps } = await live(atMostOnceLoop, MANUAL_STORE_CONFIG, crashAt);
      const crashed = steps[crashAt - 1]!;
      const expected = processed.map((_, offset) => (crashed.name === "stored" && crashed.offset === offset ? 0 : 1));
      expect(processed, `crash after step ${crashAt} (${crashed.name} ${crashed.offset})`).toEqual(expected);
    }
  });

  it("the talk's at-most-once as written (store, process, the 100 ms timer commits) repeats what it processed before the next commit", async () => {
    const outcomes = new Map<string, number[]>();
    for (const crashAt of await crashPoints(talkAtMostOnceLoop, TALK_AT_MOST_ONCE_CONFIG)) {
      const { processed, steps } = await live(talkAtMostOnceLoop, TALK_AT_MOST_ONCE_CONFIG, crashAt);
      const crashed = steps[crashAt - 1]!;
      outcomes.set(`${crashed.name} ${crashed.offset}`, processed);
    }
    // Processed record 0 at 40 ms, stored offset 1, crashed before the first commit at 100 ms: record 0 again.
    expect(outcomes.get("processed 0")).toEqual([2, 1, 1, 1, 1]);
    expect(outcomes.get("processed 1")).toEqual([2, 2, 1, 1, 1]);
    // The tick at 100 ms committed offset 3 (stored at 80 ms) while record 2 was processed: nothing repeats.
    expect(outcomes.get("processed 2")).toEqual([1, 1, 1, 1, 1]);
    // Record 3 was processed at 160 ms, before the tick at 200 ms: again.
    expect(outcomes.get("processed 3")).toEqual([1, 1, 1, 2, 1]);
  });

  it("at-least-once (process, then store) never loses, and redelivers exactly the record processed but not yet stored", async () => {
    for (const crashAt of await crashPoints(atLeastOnceLoop, MANUAL_STORE_CONFIG)) {
      const { processed, steps } = await live(atLeastOnceLoop, MANUAL_STORE_CONFIG, crashAt);
      const crashed = steps[crashAt - 1]!;
      const expected = processed.map((_, offset) => (crashed.name === "processed" && crashed.offset === offset ? 2 : 1));
      expect(processed, `crash after step ${crashAt} (${crashed.name} ${crashed.offset})`).toEqual(expected);
    }
  });

  it("the basic auto-commit loop guarantees neither: some crashes redeliver, others lose", async () => {
    const outcomes = [];
    for (const crashAt of await crashPoints(basicConsumerLoop, BASIC_CONSUMER_CONFIG)) {
      outcomes.push((await live(basicConsumerLoop, BASIC_CONSUMER_CONFIG, crashAt)).processed);
    }
    // After the first record (40 ms), nothing is committed yet: it is processed again.
    expect(outcomes[1]).toEqual([2, 1, 1, 1, 1]);
    // After the third (120 ms), the 100 ms auto-commit has stored all five handed out: two are lost.
    expect(outcomes[3]).toEqual([1, 1, 1, 0, 0]);
    expect(outcomes.some((o) => o.includes(2))).toBe(true);
    expect(outcomes.some((o) => o.includes(0))).toBe(true);
  });
});

describe("the talk's basic producer", () => {
  it("lets the partitioner choose, hashes the user id like Java's client, and honours partition 1", async () => {
    const scheduler = new ManualScheduler(1_700_000_000_000);
    const random = new SeededRandom(2);
    const broker = await Broker.open({ storage: new MemoryStorage(), scheduler, random });
    await broker.logs.createTopic(TALK_TOPIC, 4);
    const producer = new Producer(new InProcessTransport(broker), { scheduler, random });
    const [unassigned, keyed, explicit] = await scheduler.runUntilSettled(basicProducer(producer, "user-42"));
    expect(unassigned!.partition).toBeGreaterThanOrEqual(0);
    expect(unassigned!.partition).toBeLessThan(4);
    expect(keyed!.partition).toBe(murmur2Partition(new TextEncoder().encode("user-42"), 4));
    expect(explicit!.partition).toBe(1);
  });
});

describe("exactly once: an idempotent, transactional consume–transform–produce loop", () => {
  it("puts every input in the output exactly once, whatever step the crash falls after", async () => {
    const { steps } = await exactlyOnceLab(null);
    expect(steps.map((s) => s.name)).toContain("committed");
    for (let crashAt = 1; crashAt <= steps.length; crashAt++) {
      const { processed } = await exactlyOnceLab(crashAt);
      expect(processed, `crash after step ${crashAt} (${steps[crashAt - 1]!.name})`).toEqual([1, 1, 1, 1, 1]);
    }
  });
});

describe("exactly once after a restart, against a coordinator that keeps a transaction's offsets pending (require_stable)", () => {
  it("initialises its producer before it polls: the predecessor's transaction is aborted, and the restart resumes at the last committed offset", async () => {
    const scheduler = new ManualScheduler(1_700_000_000_000);
    const random = new SeededRandom(6);
    const broker = await Broker.open({ storage: new MemoryStorage(), scheduler, random });
    await broker.logs.createTopic(TALK_TOPIC, 1);
    await broker.logs.createTopic("upper", 1);
    const inputs = ["a", "b", "c", "d", "e"];
    await broker.produce({ acks: -1, partitions: [{ topic: TALK_TOPIC, partition: 0, records: encodeBatch({ baseTimestamp: 0, records: inputs.map((value) => ({ value })) }) }] });
    // Records 0 and 1 are done; the offset 2 is committed.
    await broker.offsetCommit({ groupId: TALK_GROUP, offsets: [{ topic: TALK_TOPIC, partition: 0, offset: 2 }] });
    // As Kafka's consumers ask (and KafkaTransport does): committed offsets a transaction still holds answer UNSTABLE_OFFSET_COMMIT.
    const stable = mapTransport(new InProcessTransport(broker), (name, call) => (name === "offsetFetch"
      ? (groupId, partitions) => broker.offsetFetch(groupId as string, partitions as TopicPartition[], true)
      : call));
    const runtime = { scheduler, random };
    const run = <T>(promise: Promise<T>) => scheduler.runUntilSettled(promise, 60_000);
    const transactional = () => new Producer(stable, runtime, { "transactional.id": "upper-tx", "linger.ms": 0 });

    // The predecessor crashed inside a transaction: "C" written and offset 3 sent, neither committed.
    const crashed = await run(transactional().transaction());
    await run(crashed.send({ topic: "upper", messages: [{ value: "C", headers: [{ key: "source-offset", value: "2" }] }] }));
    await run(crashed.sendOffsets({ consumerGroupId: TALK_GROUP, offsets: [{ topic: TALK_TOPIC, partition: 0, offset: 3 }] }));

    const consumer = new Consumer(stable, runtime, EXACTLY_ONCE_CONSUMER_CONFIG);
    consumeStart(consumer);
    const upper = (value: Uint8Array | null) => new TextEncoder().encode(new TextDecoder().decode(value!).toUpperCase());
    await run(exactlyOnceLoop(consumer, transactional(), "upper", upper, async () => {}, 2));

    const reader = new Consumer(stable, runtime, { "isolation.level": "read_committed", "auto.offset.reset": "earliest" });
    reader.assign([{ topic: "upper", partition: 0 }]);
    const output = (await run(reader.poll(100))).map((r) => new TextDecoder().decode(r.value!));
    expect(output).toEqual(["C", "D", "E"]);
    expect((await run(consumer.committed([{ topic: TALK_TOPIC, partition: 0 }])))[0]!.offset).toBe(5);
  });
});
