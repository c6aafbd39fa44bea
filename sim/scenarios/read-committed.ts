// Transactions and isolation: a transactional producer commits some
// transactions and aborts others. Its first process is a zombie: it dies in
// the middle of a transaction, and its successor — the next incarnation of
// the same program, with the same transactional.id — fences it, its
// InitProducerId aborting what the zombie left open. A read_committed reader
// must see exactly the committed values; a read_uncommitted reader sees the
// aborted ones too, which is what isolation levels are about. Written on
// simulate(): the writer and two readers are programs, the zombie's death a
// crash point, and each reader is judged by the public readCommitted check.

import { type IsolationLevel, LoglabError, SeededRandom, type Transaction } from "../../src/index.ts";
import { readCommitted as readCommittedCheck } from "../checks.ts";
import type { HistoryEntry } from "../history.ts";
import { linkFaults, type Schedule } from "../schedule.ts";
import { type Check, type Program, simulate } from "../simulate.ts";
import type { RunResult } from "./run-result.ts";

const TOPIC = "ledger";
const TRANSACTIONAL_ID = "ledger-writer";
const TRANSACTIONS = 6;
const ABORT_PROBABILITY = 0.4;
/** The step where the zombie dies, its transaction open. */
export const ZOMBIE_STEP = "transaction open";
/** The readers poll until the run's time is up: long after the writer is done. */
const RUN_MS = 10_000;
const ISOLATION_LEVELS: readonly IsolationLevel[] = ["read_committed", "read_uncommitted"];

/**
 * The writer: its first incarnation (the zombie) sends two values into a
 * transaction and reaches ZOMBIE_STEP, where the faults crash it; its
 * successor runs TRANSACTIONS transactions, committing or aborting each at
 * random (from `seed`), with one to three values each.
 */
export const ledgerWriter = (seed: number): Program => async ({ producer, incarnation, step }) => {
  const random = new SeededRandom(seed);
  // Short timeouts: over a lossy link (a schedule's) a lost request is given up within the run.
  const ledger = producer({ "transactional.id": TRANSACTIONAL_ID, "request.timeout.ms": 1000, "delivery.timeout.ms": 3000 });
  if (incarnation === 1) {
    const open = await ledger.transaction();
    for (let i = 0; i < 2; i++) await open.send({ topic: TOPIC, messages: [{ value: `zombie/value-${i}` }] });
    await step(ZOMBIE_STEP);
    return;
  }
  for (let t = 1; t <= TRANSACTIONS; t++) {
    const count = 1 + random.nextInt(3);
    const abort = random.nextInt(1000) < ABORT_PROBABILITY * 1000;
    let open: Transaction | null = null;
    try {
      open = await ledger.transaction();
      for (let i = 0; i < count; i++) await open.send({ topic: TOPIC, messages: [{ value: `txn-${t}/value-${i}` }] });
      await (abort ? open.abort() : open.commit());
    } catch (error) {
      // A request or answer a lossy link lost: the history has the outcome as unknown; abort what is left and go on.
      if (!(error instanceof LoglabError)) throw error;
      await open?.abort().catch(() => undefined);
    }
  }
};

/** A reader at `isolation`: polls the ledger from the start until the run's time is up, recording each value it reads as `read <isolation>`. */
export const ledgerReader = (isolation: IsolationLevel): Program => async ({ consumer, record, signal }) => {
  const reader = consumer({ "isolation.level": isolation, "auto.offset.reset": "earliest" });
  reader.assign([{ topic: TOPIC, partition: 0 }]);
  while (!signal.aborted) {
    for (const found of await reader.poll(100)) record(`read ${isolation}`, new TextDecoder().decode(found.value!));
  }
  await reader.close();
};

/**
 * A user-written check over the public one: readCommitted judges the "read"
 * entries, so this one hands it the reader's entries as the reads (and not
 * the simulator's own read-back at the end).
 */
const isolationOf = (isolation: IsolationLevel): Check => (history) => readCommittedCheck(history.flatMap((entry): HistoryEntry[] => {
  if (entry.op === "read") return [];
  return entry.op === `read ${isolation}` ? [{ ...entry, op: "read" }] : [entry];
}));

export async function readCommitted(seed: number, schedule: Schedule = {}): Promise<RunResult[]> {
  const result = await simulate({
    seed,
    topics: [{ name: TOPIC, partitions: 1 }],
    processes: {
      writer: ledgerWriter(seed),
      ...Object.fromEntries(ISOLATION_LEVELS.map((isolation) => [`${isolation.replace("read_", "")} reader`, ledgerReader(isolation)])),
    },
    runForMs: RUN_MS,
    faults: {
      links: { writer: linkFaults(schedule, "writer", { delayMs: [1, 10] }) },
      crashes: [{ process: "writer", step: ZOMBIE_STEP, occurrence: 1 }],
    },
    checks: Object.fromEntries(ISOLATION_LEVELS.map((isolation) => [isolation, isolationOf(isolation)])),
  });
  const ended = (op: string) => result.history.filter((e) => e.op === op && e.type === "ok").length;
  const abandoned = [...new Set(result.history.filter((e) => e.op === "send" && e.process === "writer#1" && e.type === "ok").map((e) => e.detail))];
  const notes = [`the zombie writer#1 died with ${abandoned.join(", ")} open; writer#2 committed ${ended("commit")} transaction(s) and aborted ${ended("abort")}`];
  return ISOLATION_LEVELS.map((isolation) => ({
    label: isolation,
    promised: isolation === "read_committed",
    violations: result.checks[isolation]!.explanation,
    notes,
    trace: result.trace,
    history: result.history,
  }));
}
