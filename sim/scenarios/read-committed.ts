// Transactions and isolation: a transactional producer commits some
// transactions and aborts others; a second producer process with the same
// transactional.id dies in the middle of one, and its successor's
// InitProducerId aborts what it left open. A read_committed reader must see
// exactly the committed values; a read_uncommitted reader sees the aborted
// ones too, which is what isolation levels are about.

import { Broker, Consumer, type IsolationLevel, MemoryStorage, Producer } from "../../src/index.ts";
import { History } from "../history.ts";
import { checkIsolation } from "../isolation-checker.ts";
import { simulatedLink } from "../network.ts";
import { SimulatedProcess } from "../process.ts";
import { linkFaults, type Schedule } from "../schedule.ts";
import { World } from "../world.ts";
import type { RunResult } from "./run-result.ts";

const TOPIC = "ledger";
const TRANSACTIONAL_ID = "ledger-writer";
const TRANSACTIONS = 6;
const ABORT_PROBABILITY = 0.4;
const POLLS_MAX = 20;

async function writeTransactions(world: World, broker: Broker, history: History, schedule: Schedule): Promise<void> {
  const process = (name: string) => {
    const running = new SimulatedProcess(world, name);
    const link = running.connect(simulatedLink(world, broker, name, linkFaults(schedule, name, { delayMs: [1, 10] })));
    return { running, producer: new Producer(link, { scheduler: running.scheduler, random: world.random }, { "transactional.id": TRANSACTIONAL_ID }) };
  };
  const run = <T>(work: Promise<T>) => world.scheduler.runUntilSettled(work, 60_000);

  // The zombie: begins a transaction, sends into it, and dies before ending it.
  const zombie = process("producer-1");
  const doomed = "txn-zombie";
  const transaction = await run(zombie.producer.transaction());
  for (let i = 0; i < 2; i++) {
    const value = `${doomed}/value-${i}`;
    history.invoke("producer-1", "send", value);
    await run(transaction.send({ topic: TOPIC, messages: [{ value }] }));
    history.complete("producer-1", "send", value, "ok", doomed);
  }
  zombie.running.crash();
  world.record({ kind: "crash", from: "producer-1", detail: `dies with ${doomed} open` });

  // Its successor: the same transactional.id fences the zombie and aborts what it left open.
  const successor = process("producer-2");
  for (let t = 0; t < TRANSACTIONS; t++) {
    const name = `txn-${t}`;
    const open = await run(successor.producer.transaction());
    const count = world.between(1, 3);
    for (let i = 0; i < count; i++) {
      const value = `${name}/value-${i}`;
      history.invoke("producer-2", "send", value);
      await run(open.send({ topic: TOPIC, messages: [{ value }] }));
      history.complete("producer-2", "send", value, "ok", name);
    }
    const end = world.chance(ABORT_PROBABILITY) ? "abort" : "commit";
    history.invoke("producer-2", end, name);
    await run(end === "abort" ? open.abort() : open.commit());
    history.complete("producer-2", end, name, "ok");
  }
}

async function readAll(world: World, broker: Broker, isolation: IsolationLevel): Promise<string[]> {
  const reader = new Consumer(simulatedLink(world, broker, `reader (${isolation})`, { delayMs: [1, 10] }), { scheduler: world.scheduler, random: world.random }, {
    "isolation.level": isolation, "auto.offset.reset": "earliest",
  });
  reader.assign([{ topic: TOPIC, partition: 0 }]);
  const values: string[] = [];
  for (let i = 0; i < POLLS_MAX; i++) {
    for (const record of await world.scheduler.runUntilSettled(reader.poll(50))) values.push(new TextDecoder().decode(record.value!));
  }
  await world.scheduler.runUntilSettled(reader.close());
  return values;
}

export async function readCommitted(seed: number, schedule: Schedule = {}): Promise<RunResult[]> {
  const world = new World(seed);
  const broker = await Broker.open({ storage: new MemoryStorage(), scheduler: world.scheduler, random: world.random });
  await broker.logs.createTopic(TOPIC, 1);
  const history = new History(() => world.nowMs);
  await writeTransactions(world, broker, history, schedule);
  const runs: RunResult[] = [];
  for (const isolation of ["read_committed", "read_uncommitted"] as const) {
    const verdict = checkIsolation(history.entries, await readAll(world, broker, isolation));
    runs.push({
      label: isolation,
      promised: isolation === "read_committed",
      violations: verdict.explanation,
      notes: [],
      trace: world.trace,
      history: history.entries,
    });
  }
  return runs;
}
