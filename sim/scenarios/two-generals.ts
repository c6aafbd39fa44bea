// The two generals: a producer sends values to the broker over a link that
// loses answers. The producer cannot tell a lost request from a lost answer,
// so it retries; without idempotence a retry after a lost answer writes the
// value twice, with idempotence the broker recognises the retry.

import { Broker, decodeBatches, MemoryStorage, Producer } from "../../src/index.ts";
import { checkLog, type Verdict } from "../checker.ts";
import { History } from "../history.ts";
import type { RunResult } from "./run-result.ts";
import { simulatedLink } from "../network.ts";
import { recordedSend } from "../operations.ts";
import { World } from "../world.ts";

export interface TwoGeneralsRun {
  readonly label: string;
  /** Whether this configuration promises that the checker finds nothing. */
  readonly promised: boolean;
  readonly verdict: Verdict;
  readonly world: World;
  readonly history: History;
}

const TOPIC = "payments";

/** The values a read of the whole log returns, in offset order. */
export async function logValues(broker: Broker, topic: string, partition = 0): Promise<string[]> {
  const values: string[] = [];
  let offset = 0;
  for (;;) {
    const { partitions } = await broker.fetch({ partitions: [{ topic, partition, fetchOffset: offset }] });
    const batches = decodeBatches(partitions[0]!.records);
    if (batches.length === 0) return values;
    for (const batch of batches) {
      for (const record of batch.records) if (record.offset >= offset) values.push(new TextDecoder().decode(record.value!));
      offset = batch.lastOffset + 1;
    }
  }
}

export async function runTwoGenerals(seed: number, idempotent: boolean, messages = 20, loseAnswer = 0.3): Promise<TwoGeneralsRun> {
  const world = new World(seed);
  const broker = await Broker.open({ storage: new MemoryStorage(), scheduler: world.scheduler, random: world.random });
  await broker.logs.createTopic(TOPIC, 1);
  const link = simulatedLink(world, broker, "producer", { loseAnswer, only: ["produce"], delayMs: [1, 20] });
  const producer = new Producer(link, { scheduler: world.scheduler, random: world.random }, {
    "enable.idempotence": idempotent, acks: "all", "linger.ms": 0, "request.timeout.ms": 100, "retry.backoff.ms": 10,
    "delivery.timeout.ms": 10_000,
  });
  const history = new History(() => world.nowMs);
  for (let i = 0; i < messages; i++) await recordedSend(world, history, producer, "producer", TOPIC, `payment-${i}`);
  const verdict = checkLog(history.entries, await logValues(broker, TOPIC));
  return { label: idempotent ? "with idempotence" : "without idempotence", promised: idempotent, verdict, world, history };
}

/** Both configurations with one seed: what the scenario teaches. */
export async function twoGenerals(seed: number): Promise<RunResult[]> {
  const runs = [await runTwoGenerals(seed, false), await runTwoGenerals(seed, true)];
  return runs.map(({ label, promised, verdict, world, history }) => ({
    label,
    promised,
    violations: verdict.explanation,
    notes: verdict.indeterminate.length === 0 ? [] : [
      `${verdict.indeterminate.length} send(s) with unknown outcome (${verdict.indeterminate.filter((i) => i.inLog).length} in the log)`,
    ],
    trace: world.trace,
    history: history.entries,
  }));
}
