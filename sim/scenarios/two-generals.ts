// The two generals: a producer sends values to the broker over a link that
// loses answers. The producer cannot tell a lost request from a lost answer,
// so it retries; without idempotence a retry after a lost answer writes the
// value twice, with idempotence the broker recognises the retry. The
// scenario is a producer program run by simulate(); sendOverLossyLink, the
// same producer without simulate(), is what the web lesson watches request
// by request.

import { Broker, type BrokerTransport, decodeBatches, LoglabError, MemoryStorage, Producer, type ProducerConfig } from "../../src/index.ts";
import { checkLog, type Verdict } from "../checker.ts";
import { noDuplicates, noLostWrites, noUnsentWrites, partitionOrder } from "../checks.ts";
import { History } from "../history.ts";
import type { RunResult } from "./run-result.ts";
import { type LinkFaults, simulatedLink } from "../network.ts";
import { recordedSend } from "../operations.ts";
import { linkFaults, type Schedule } from "../schedule.ts";
import { type Check, type Program, simulate, type SimulationResult } from "../simulate.ts";
import { World } from "../world.ts";

/** The topic the two-generals producer writes its payments to. */
export const TOPIC = "payments";

/** The values a read of the whole log returns, in offset order. */
async function logValues(broker: Broker, topic: string, partition = 0): Promise<string[]> {
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

/** One producer sending values one at a time to a fresh broker over a faulty link. */
export interface LossyLinkSetup {
  readonly world: World;
  readonly idempotent: boolean;
  readonly messages: number;
  readonly faults: LinkFaults;
  /** Producer settings over the scenario's own (acks=all, no linger, short timeouts). */
  readonly producer?: ProducerConfig;
  /** Lets a caller watch the broker and the link (the web lesson labels each request with what the broker did). */
  readonly observe?: (broker: Broker, link: BrokerTransport) => BrokerTransport;
}

/** The producer settings the scenario runs with: acks=all, no linger, short timeouts so retries come quickly. */
export const TWO_GENERALS_PRODUCER: ProducerConfig = {
  acks: "all", "linger.ms": 0, "request.timeout.ms": 100, "retry.backoff.ms": 10, "delivery.timeout.ms": 10_000,
};

/** Sends payment-0, payment-1, … and checks the history against the log the broker ends with. */
export async function sendOverLossyLink(setup: LossyLinkSetup): Promise<{ history: History; values: string[]; verdict: Verdict }> {
  const { world } = setup;
  const broker = await Broker.open({ storage: new MemoryStorage(), scheduler: world.scheduler, random: world.random });
  await broker.logs.createTopic(TOPIC, 1);
  const link = simulatedLink(world, broker, "producer", setup.faults);
  const producer = new Producer(setup.observe?.(broker, link) ?? link, { scheduler: world.scheduler, random: world.random }, {
    ...TWO_GENERALS_PRODUCER, "enable.idempotence": setup.idempotent, ...setup.producer,
  });
  const history = new History(() => world.nowMs);
  for (let i = 0; i < setup.messages; i++) await recordedSend(world, history, producer, "producer", TOPIC, `payment-${i}`);
  const values = await logValues(broker, TOPIC);
  return { history, values, verdict: checkLog(history.entries, values) };
}

/** The checks a two-generals run is judged by: nothing acknowledged lost, nothing twice, nothing refused or unsent, each partition in order. */
export const TWO_GENERALS_CHECKS: Readonly<Record<string, Check>> = {
  "no lost writes": noLostWrites, "no duplicates": noDuplicates, "no unsent writes": noUnsentWrites, "partition order": partitionOrder,
};

/** Sends payment-0, payment-1, … one at a time with the scenario's settings; a send that fails is in the history, and the next one goes. */
export const paymentsProducer = (messages: number, idempotent: boolean): Program => async ({ producer }) => {
  const payments = producer({ ...TWO_GENERALS_PRODUCER, "enable.idempotence": idempotent });
  for (let i = 0; i < messages; i++) {
    try {
      await payments.send({ topic: TOPIC, messages: [{ value: `payment-${i}`, partition: 0 }] });
    } catch (error) {
      if (!(error instanceof LoglabError)) throw error;
    }
  }
};

/** One two-generals run on simulate(): what the checks found, and the run itself. */
export interface TwoGeneralsRun {
  readonly label: string;
  /** Whether this configuration promises that the checks find nothing. */
  readonly promised: boolean;
  /** Every check's findings, one line each. */
  readonly violations: readonly string[];
  readonly result: SimulationResult;
}

/** One two-generals run: `messages` payments over a link that loses answers, with or without idempotence. */
export async function runTwoGenerals(
  seed: number, idempotent: boolean, messages = 20, loseAnswer = 0.3, schedule: Schedule = {},
): Promise<TwoGeneralsRun> {
  const result = await simulate({
    seed,
    topics: [{ name: TOPIC, partitions: 1 }],
    processes: { producer: paymentsProducer(messages, idempotent) },
    runForMs: 60_000,
    faults: { links: { producer: linkFaults(schedule, "producer", { loseAnswer, only: ["produce"], delayMs: [1, 20] }) } },
    checks: TWO_GENERALS_CHECKS,
  });
  const violations = Object.values(result.checks).flatMap((verdict) => verdict.explanation);
  return { label: idempotent ? "with idempotence" : "without idempotence", promised: idempotent, violations, result };
}

/** A run as the simulator reports it: the checks' findings, and how many sends had an unknown outcome. */
export function reportTwoGenerals({ label, promised, violations, result }: TwoGeneralsRun): RunResult {
  const unknown = result.history.filter((e) => e.op === "send" && e.type === "info").map((e) => e.value);
  const inLog = new Set(result.history.filter((e) => e.op === "read").map((e) => e.value));
  return {
    label,
    promised,
    violations,
    notes: unknown.length === 0 ? [] : [`${unknown.length} send(s) with unknown outcome (${unknown.filter((value) => inLog.has(value)).length} in the log)`],
    trace: result.trace,
    history: result.history,
  };
}

/** Both configurations with one seed: what the scenario teaches. */
export async function twoGenerals(seed: number, schedule: Schedule = {}): Promise<RunResult[]> {
  return [
    reportTwoGenerals(await runTwoGenerals(seed, false, undefined, undefined, schedule)),
    reportTwoGenerals(await runTwoGenerals(seed, true, undefined, undefined, schedule)),
  ];
}
