// A broker that loses power: a producer with acks=all sends values, the
// broker's process dies between two sends (of the bytes not yet synced, only
// what the OS had written back survives, the last write torn), and it
// restarts, recovering its log. With Kafka's
// default (no fsync on append, durability left to replication) and a single
// replica, writes it acknowledged can be gone; with flush.messages=1 every
// acknowledged write was synced first, and none can be.

import { Broker, MemoryStorage, Producer } from "../../src/index.ts";
import { checkLog } from "../checker.ts";
import { History } from "../history.ts";
import { simulatedLink } from "../network.ts";
import { recordedSend } from "../operations.ts";
import { linkFaults, type Schedule } from "../schedule.ts";
import { World } from "../world.ts";
import type { RunResult } from "./run-result.ts";
import { logValues } from "./two-generals.ts";

const TOPIC = "orders";

export async function runCrashUnsyncedTail(seed: number, flushEveryMessage: boolean, messages = 20, schedule: Schedule = {}): Promise<RunResult> {
  const world = new World(seed);
  const storage = new MemoryStorage();
  const config: Record<string, string> = flushEveryMessage ? { "flush.messages": "1" } : {};
  const open = () => Broker.open({ storage, scheduler: world.scheduler, random: world.random, config });
  let broker = await open();
  await broker.logs.createTopic(TOPIC, 1);
  const link = simulatedLink(world, () => broker, "producer", linkFaults(schedule, "producer", { delayMs: [1, 5] }));
  const producer = new Producer(link, { scheduler: world.scheduler, random: world.random }, { acks: "all", "linger.ms": 0, "enable.idempotence": false });
  const history = new History(() => world.nowMs);
  const crashAfter = schedule.broker?.crashAfterSend ?? world.between(3, messages - 3);
  for (let i = 0; i < messages; i++) {
    const value = `order-${i}`;
    await recordedSend(world, history, producer, "producer", TOPIC, value);
    if (i === crashAfter) {
      // What the OS had written back survives: some prefix of the unsynced bytes, the last write torn.
      world.record({ kind: "crash", from: "broker", detail: `power lost after ${value}` });
      storage.crash({
        survivingUnsyncedBytes: (file, unsynced) => {
          const kept = world.between(0, unsynced);
          world.record({ kind: "disk", from: "broker", detail: `${file}: ${kept} of ${unsynced} unsynced bytes survive` });
          return kept;
        },
      });
      broker = await open();
      for (const recovery of broker.logs.recoveries) {
        world.record({ kind: "recovered", from: "broker", detail: `${recovery.topicPartition}: truncated ${recovery.truncatedBytes} bytes` });
      }
    }
  }
  const verdict = checkLog(history.entries, await logValues(broker, TOPIC));
  return {
    label: flushEveryMessage ? "flush.messages=1 (sync before acknowledging)" : "Kafka's default (no sync on append, one replica)",
    promised: flushEveryMessage,
    violations: verdict.lostAcknowledged.map((v) => `${v} was acknowledged but is not in the log`),
    notes: verdict.duplicated.map(({ value, count }) => `${value} is in the log ${count} times`),
    trace: world.trace,
    history: history.entries,
  };
}

export async function crashUnsyncedTail(seed: number, schedule: Schedule = {}): Promise<RunResult[]> {
  return [await runCrashUnsyncedTail(seed, false, undefined, schedule), await runCrashUnsyncedTail(seed, true, undefined, schedule)];
}
