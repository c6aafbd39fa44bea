// A failed fsync: a producer with acks=all sends values to a broker with
// flush.messages=1 whose disk fails one fsync (fsyncgate: the unsynced pages
// may be gone, and a later fsync would not say so). The log goes offline and
// answers KAFKA_STORAGE_ERROR; the broker halts and its supervisor restarts
// it (after a power loss or not), and the producer's retries go through. No
// write may be acknowledged that the restarted broker does not have.
// Written on simulate(): a producer program and faults.broker.fsync.

import { SeededRandom } from "../../src/index.ts";
import { noDuplicates, noLostWrites, noUnsentWrites } from "../checks.ts";
import { linkFaults, type Schedule } from "../schedule.ts";
import { type FsyncFailures, simulate } from "../simulate.ts";
import { orderProducer } from "./crash-unsynced-tail.ts";
import type { RunResult } from "./run-result.ts";

const TOPIC = "orders";

export async function runFsyncFailure(seed: number, idempotent: boolean, schedule: Schedule = {}, messages = 20): Promise<RunResult> {
  const { restartAfterMs, powerLoss } = schedule.broker ?? {};
  const fsync: FsyncFailures = {
    ...(schedule.fsync ?? { atSyncs: [3 + new SeededRandom(seed).nextInt(messages - 5)] }),
    ...(restartAfterMs === undefined ? {} : { restartAfterMs }),
    ...(powerLoss === undefined ? {} : { powerLoss }),
  };
  const result = await simulate({
    seed,
    broker: { config: { "flush.messages": "1" } },
    topics: [{ name: TOPIC, partitions: 1 }],
    processes: { producer: orderProducer(messages, idempotent) },
    runForMs: 60_000,
    faults: { links: { producer: linkFaults(schedule, "producer", { delayMs: [1, 5] }) }, broker: { fsync } },
    checks: { "no lost writes": noLostWrites, "no unsent writes": noUnsentWrites, "no duplicates": noDuplicates },
  });
  const failures = result.trace.filter((e) => e.kind === "fsync failed").length;
  const restarts = result.trace.filter((e) => e.kind === "restart" && e.from === "broker").length;
  const repeats = result.checks["no duplicates"]!.explanation;
  const unknown = result.history.filter((e) => e.op === "send" && e.type === "info");
  const inLog = new Set(result.history.filter((e) => e.op === "read").map((e) => e.value));
  return {
    label: `${idempotent ? "idempotent producer" : "producer without idempotence"}, acks=all, flush.messages=1`,
    promised: true,
    violations: [...result.checks["no lost writes"]!.explanation, ...result.checks["no unsent writes"]!.explanation, ...(idempotent ? repeats : [])],
    notes: [
      `${failures} fsync(s) failed, the broker restarted ${restarts} time(s)`,
      ...(idempotent ? [] : repeats),
      ...unknown.map(({ value }) => `${value}: outcome unknown to the producer, ${inLog.has(value) ? "in" : "not in"} the log`),
    ],
    trace: result.trace,
    history: result.history,
  };
}

export async function fsyncFailure(seed: number, schedule: Schedule = {}): Promise<RunResult[]> {
  return [await runFsyncFailure(seed, false, schedule), await runFsyncFailure(seed, true, schedule)];
}
