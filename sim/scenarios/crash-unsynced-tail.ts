// A broker that loses power: a producer with acks=all sends values, the
// broker's process dies between two sends (of the bytes not yet synced, only
// what the OS had written back survives, the last write torn), and it
// restarts, recovering its log. With Kafka's default (no fsync on append,
// durability left to replication) and a single replica, writes it
// acknowledged can be gone; with flush.messages=1 every acknowledged write
// was synced first, and none can be. Written on simulate(): a producer
// program and a broker crash when it reaches its step "sent".

import { LoglabError, SeededRandom } from "../../src/index.ts";
import { noDuplicates, noLostWrites } from "../checks.ts";
import { linkFaults, type Schedule } from "../schedule.ts";
import { type Program, simulate } from "../simulate.ts";
import type { RunResult } from "./run-result.ts";

const TOPIC = "orders";

/** Sends order-0, order-1, … one at a time with acks=all, reaching step "sent" after each, acknowledged or not. */
export const orderProducer = (messages: number, idempotent: boolean): Program => async ({ producer, step }) => {
  const orders = producer({
    acks: "all", "linger.ms": 0, "enable.idempotence": idempotent, "request.timeout.ms": 1000, "retry.backoff.ms": 100,
    "delivery.timeout.ms": 5000,
  });
  for (let i = 0; i < messages; i++) {
    try {
      await orders.send({ topic: TOPIC, messages: [{ value: `order-${i}`, partition: 0 }] });
    } catch (error) {
      // The history has the failure; the producer goes on with the next order.
      if (!(error instanceof LoglabError)) throw error;
    }
    await step("sent");
  }
};

export async function runCrashUnsyncedTail(seed: number, flushEveryMessage: boolean, messages = 20, schedule: Schedule = {}): Promise<RunResult> {
  const crashAfter = schedule.broker?.crashAfterSend ?? 3 + new SeededRandom(seed).nextInt(messages - 5);
  const result = await simulate({
    seed,
    broker: { config: flushEveryMessage ? { "flush.messages": "1" } : {} },
    topics: [{ name: TOPIC, partitions: 1 }],
    processes: { producer: orderProducer(messages, false) },
    runForMs: 60_000,
    faults: {
      links: { producer: linkFaults(schedule, "producer", { delayMs: [1, 5] }) },
      // The power goes once the producer is past send `crashAfter`, and the broker is back at once.
      broker: { crashes: [{ process: "producer", step: "sent", occurrence: crashAfter + 1 }] },
    },
    checks: { "no lost writes": noLostWrites, "no duplicates": noDuplicates },
  });
  return {
    label: flushEveryMessage ? "flush.messages=1 (sync before acknowledging)" : "Kafka's default (no sync on append, one replica)",
    promised: flushEveryMessage,
    violations: result.checks["no lost writes"]!.explanation,
    notes: result.checks["no duplicates"]!.explanation,
    trace: result.trace,
    history: result.history,
  };
}

export async function crashUnsyncedTail(seed: number, schedule: Schedule = {}): Promise<RunResult[]> {
  return [await runCrashUnsyncedTail(seed, false, undefined, schedule), await runCrashUnsyncedTail(seed, true, undefined, schedule)];
}
