// The programs of the talk "Kafka will get the message across, guaranteed",
// translated from PHP (php-rdkafka) to loglab's clients. Each consumer loop
// calls `step` after every step, so tests can crash it at any point and see
// what the loop's guarantee really is. The delivery lab shows the loops and
// their settings as listings cut from this file's text by name, and marks the
// statement before each standalone `await step(…)` as the one that ran.
//
// The talk's consumers read partition 0 from the group's stored offset
// (consumeStart(0, RD_KAFKA_OFFSET_STORED)): assign() plus committed offsets.
// "offsetStore" in the at-most-once and at-least-once loops is a commit made
// before moving on: only then does the crash table of the talk hold.
// talkAtMostOnceLoop is the at-most-once loop as the talk wrote it: it only
// stores the offset, and librdkafka commits stored offsets from its
// auto-commit timer, so a crash before the next tick repeats the record.

import { type Consumer, type ConsumerConfig, type ConsumerRecord, needsRejoin, type Producer, type RecordMetadata } from "../client/index.ts";
import { LoglabError } from "../format/index.ts";

export const TALK_TOPIC = "test";
export const TALK_GROUP = "myConsumerGroup";

/** What the loops do with a record (the talk's do_something($msg)). */
export type Process = (record: ConsumerRecord) => Promise<void>;
/** Called after each step of a loop, with the step's name and record; throwing there is a crash. */
export type Step = (name: "polled" | "stored" | "processed", record: ConsumerRecord | null) => Promise<void>;

/** BASIC PRODUCER: an unassigned partition, a keyed record, and partition 1. */
export async function basicProducer(producer: Producer, userId: string): Promise<RecordMetadata[]> {
  return producer.send({
    topic: TALK_TOPIC,
    messages: [
      { value: "Unassigned partition, let Kafka choose" },
      { value: "Yay consistent hashing", key: userId },
      { value: "This will always be sent to partition 1", partition: 1 },
    ],
  });
}

/** BASIC CONSUMER's settings: auto-commit of what poll() hands out, every 100 ms. */
export const BASIC_CONSUMER_CONFIG: ConsumerConfig = {
  "group.id": TALK_GROUP,
  "auto.commit.interval.ms": 100,
  "enable.auto.commit": true,
  "enable.auto.offset.store": true,
  "auto.offset.reset": "earliest",
};

/** AT-MOST-ONCE and AT-LEAST-ONCE settings: no automatic commits; the loop stores offsets itself. */
export const MANUAL_STORE_CONFIG: ConsumerConfig = {
  "group.id": TALK_GROUP,
  "enable.auto.commit": false,
  "enable.auto.offset.store": false,
  "auto.offset.reset": "earliest",
};

/** AT-MOST-ONCE as the talk wrote it: the loop stores offsets, the auto-commit timer commits them every 100 ms. */
export const TALK_AT_MOST_ONCE_CONFIG: ConsumerConfig = {
  "group.id": TALK_GROUP,
  "auto.commit.interval.ms": 100,
  "enable.auto.commit": true,
  "enable.auto.offset.store": false,
  "auto.offset.reset": "earliest",
};

/** Starts a talk consumer on partition 0 of the talk's topic, at the group's stored offset. */
export function consumeStart(consumer: Consumer): void {
  consumer.assign([{ topic: TALK_TOPIC, partition: 0 }]);
}

/**
 * $topic->offsetStore($msg->partition, $msg->offset): the next offset to read
 * is offset + 1. True when the broker confirmed it; false when the request
 * went unanswered (or met another retriable error), so it may or may not
 * have happened. Anything else (a rebalance took the partition) is thrown.
 */
async function storedOrUnknown(consumer: Consumer, record: ConsumerRecord): Promise<boolean> {
  try {
    await consumer.commit([{ topic: record.topic, partition: record.partition, offset: record.offset + 1 }]);
    return true;
  } catch (error) {
    // A commit error that means the group moved on (needsRejoin) stops the loop: the rejoined consumer starts from the committed offsets.
    if (error instanceof LoglabError && error.retriable && !needsRejoin(error)) return false;
    throw error;
  }
}

/** BASIC CONSUMER: while (true) { $msg = consume(); do_something($msg); } with auto-commit. */
export async function basicConsumerLoop(consumer: Consumer, process: Process, step: Step, polls: number): Promise<void> {
  for (let i = 0; i < polls; i++) {
    const records = await consumer.poll(1000);
    await step("polled", null);
    for (const record of records) {
      await process(record);
      await step("processed", record);
    }
  }
}

/** AT-MOST ONCE DELIVERY: offsetStore() before do_something(). */
export async function atMostOnceLoop(consumer: Consumer, process: Process, step: Step, polls: number): Promise<void> {
  for (let i = 0; i < polls; i++) {
    const records = await consumer.poll(1000);
    await step("polled", null);
    for (const record of records) {
      // A store whose outcome is unknown may have happened: processing now could process twice, so skip the record.
      if (!(await storedOrUnknown(consumer, record))) continue;
      await step("stored", record);
      await process(record);
      await step("processed", record);
    }
  }
}

/**
 * AT-MOST ONCE DELIVERY as the talk wrote it: offsetStore() before
 * do_something(), where offsetStore() only stores the offset. Nothing is
 * committed until the auto-commit timer's next tick: a crash before it
 * leaves the old offset committed, and the record is processed again.
 */
export async function talkAtMostOnceLoop(consumer: Consumer, process: Process, step: Step, polls: number): Promise<void> {
  for (let i = 0; i < polls; i++) {
    const records = await consumer.poll(1000);
    await step("polled", null);
    for (const record of records) {
      // Stored, not committed: the broker learns of it at the next auto-commit.
      consumer.storeOffsets([record]);
      await step("stored", record);
      await process(record);
      await step("processed", record);
    }
  }
}

/** AT-LEAST ONCE DELIVERY: do_something() before offsetStore(). */
export async function atLeastOnceLoop(consumer: Consumer, process: Process, step: Step, polls: number): Promise<void> {
  for (let i = 0; i < polls; i++) {
    const records = await consumer.poll(1000);
    await step("polled", null);
    for (const record of records) {
      await process(record);
      await step("processed", record);
      // A store whose outcome is unknown is covered by the next record's; a crash before that repeats this one, which is allowed.
      if (await storedOrUnknown(consumer, record)) await step("stored", record);
    }
  }
}

/** Steps of the exactly-once loop; throwing in one is a crash. */
export type TransactionStep = (name: "polled" | "sent" | "offsets-sent" | "committed", record: ConsumerRecord | null) => Promise<void>;

/** EXACTLY-ONCE settings: read only committed records, and let the transaction commit the offsets. */
export const EXACTLY_ONCE_CONSUMER_CONFIG: ConsumerConfig = {
  "group.id": TALK_GROUP,
  "enable.auto.commit": false,
  "isolation.level": "read_committed",
  "auto.offset.reset": "earliest",
};

/**
 * Java's producer.initTransactions(): registers the transactional.id, which
 * fences the previous producer with it and ends the transaction that one left
 * open. loglab's producer does this at its first transaction(); one ended
 * with nothing in it asks the coordinator for nothing more.
 */
async function initTransactions(producer: Producer): Promise<void> {
  await (await producer.transaction()).abort();
}

/**
 * EXACTLY ONCE (consume–transform–produce): each polled batch becomes one
 * transaction holding the transformed records and the consumer's next
 * offset. A crash anywhere aborts the transaction (when the next producer
 * with the same transactional.id starts), so output and offsets move together.
 */
export async function exactlyOnceLoop(
  consumer: Consumer, producer: Producer, outputTopic: string, transform: (value: Uint8Array | null) => Uint8Array | null,
  step: TransactionStep, polls: number,
): Promise<void> {
  // Before the first poll, as in Java: the predecessor's open transaction still holds the group's next offsets.
  await initTransactions(producer);
  for (let i = 0; i < polls; i++) {
    const records = await consumer.poll(1000);
    await step("polled", null);
    if (records.length === 0) continue;
    const transaction = await producer.transaction();
    for (const record of records) {
      await transaction.send({ topic: outputTopic, messages: [{ key: record.key, value: transform(record.value), headers: [{ key: "source-offset", value: String(record.offset) }] }] });
      await step("sent", record);
    }
    const last = records[records.length - 1]!;
    await transaction.sendOffsets({ consumerGroupId: TALK_GROUP, offsets: [{ topic: last.topic, partition: last.partition, offset: last.offset + 1 }] });
    await step("offsets-sent", last);
    await transaction.commit();
    await step("committed", last);
  }
}
