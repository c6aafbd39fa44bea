// A failed fsync: a producer with acks=all sends values to a broker with
// flush.messages=1 whose disk fails one fsync (fsyncgate: the unsynced pages
// may be gone, and a later fsync would not say so). The log goes offline and
// answers KAFKA_STORAGE_ERROR; the broker halts and its supervisor restarts
// it (after a power loss or not), and the producer's retries go through. No
// write may be acknowledged that the restarted broker does not have.

import { Broker, LoglabError, Producer, sleep } from "../../src/index.ts";
import { checkLog } from "../checker.ts";
import { SimulatedDisk } from "../disk.ts";
import { History } from "../history.ts";
import { simulatedLink } from "../network.ts";
import { recordedSend } from "../operations.ts";
import { linkFaults, type Schedule } from "../schedule.ts";
import { World } from "../world.ts";
import type { RunResult } from "./run-result.ts";
import { logValues } from "./two-generals.ts";

const TOPIC = "orders";
/** Restarts that fail (another fsync failing during recovery) are tried again, up to this many times. */
const RESTARTS_MAX = 10;

export async function runFsyncFailure(seed: number, idempotent: boolean, schedule: Schedule = {}, messages = 20): Promise<RunResult> {
  const world = new World(seed);
  const disk = new SimulatedDisk(world, schedule.fsync ?? { atSyncs: [world.between(3, messages - 3)] });
  const open = () => Broker.open({ storage: disk, scheduler: world.scheduler, random: world.random, config: { "flush.messages": "1" } });
  let broker = await open();
  await broker.logs.createTopic(TOPIC, 1);

  // The broker's supervisor: a failed fsync halts the broker (its log dir is offline), and it is started again.
  let restarts = 0;
  let restarting: Promise<void> | null = null;
  const restart = async (): Promise<void> => {
    await sleep(world.scheduler, schedule.broker?.restartAfterMs ?? 500);
    const powerLoss = schedule.broker?.powerLoss ?? world.chance(0.5);
    world.record({ kind: "halt", from: "broker", detail: powerLoss ? "log dir offline; then the power goes" : "log dir offline; the process restarts" });
    if (powerLoss) await disk.crash({ survivingUnsyncedBytes: (_file, unsynced) => world.between(0, unsynced) });
    try {
      broker = await open();
      restarts++;
      for (const recovery of broker.logs.recoveries.filter((r) => r.topicPartition === `${TOPIC}-0`)) {
        world.record({ kind: "recovered", from: "broker", detail: `${recovery.topicPartition}: truncated ${recovery.truncatedBytes} bytes` });
      }
    } catch (error) {
      if (!(error instanceof LoglabError) || restarts >= RESTARTS_MAX) throw error;
      world.record({ kind: "restart failed", from: "broker", detail: error.message });
      await restart();
    }
  };
  disk.onFsyncFailure = () => {
    restarting ??= restart().finally(() => { restarting = null; });
  };

  const link = simulatedLink(world, () => broker, "producer", linkFaults(schedule, "producer", { delayMs: [1, 5] }));
  const producer = new Producer(link, { scheduler: world.scheduler, random: world.random }, {
    acks: "all", "linger.ms": 0, "enable.idempotence": idempotent, "request.timeout.ms": 1000, "retry.backoff.ms": 100,
    "delivery.timeout.ms": 5000,
  });
  const history = new History(() => world.nowMs);
  for (let i = 0; i < messages; i++) await recordedSend(world, history, producer, "producer", TOPIC, `order-${i}`);
  // A restart still under way finishes before the log is read.
  while (restarting !== null) await world.scheduler.runUntilSettled(restarting, 60_000);

  const verdict = checkLog(history.entries, await logValues(broker, TOPIC));
  const failures = world.trace.filter((e) => e.kind === "fsync failed").length;
  const repeats = verdict.duplicated.map(({ value, count }) => `${value} is in the log ${count} times`);
  return {
    label: `${idempotent ? "idempotent producer" : "producer without idempotence"}, acks=all, flush.messages=1`,
    promised: true,
    violations: [
      ...verdict.lostAcknowledged.map((v) => `${v} was acknowledged but is not in the log`),
      ...verdict.unexpected.map((v) => `${v} is in the log but its send failed`),
      ...(idempotent ? repeats : []),
    ],
    notes: [
      `${failures} fsync(s) failed, the broker restarted ${restarts} time(s)`,
      ...(idempotent ? [] : repeats),
      ...verdict.indeterminate.map(({ value, inLog }) => `${value}: outcome unknown to the producer, ${inLog ? "in" : "not in"} the log`),
    ],
    trace: world.trace,
    history: history.entries,
  };
}

export async function fsyncFailure(seed: number, schedule: Schedule = {}): Promise<RunResult[]> {
  return [await runFsyncFailure(seed, false, schedule), await runFsyncFailure(seed, true, schedule)];
}
