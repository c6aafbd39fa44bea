// The talk's delivery guarantees as scenarios, written on simulate(): each
// consumer loop of the talk runs as a program whose steps are crash points
// and whose processing is `record("processed", value)`. A clean run lists
// the steps the loop reaches; then one run per step crashes the process
// there, a new incarnation takes over from the group's committed offsets,
// and the public processing checks count how often each input was
// processed. Each configuration is checked against the guarantee it
// promises; what the others find is listed as allowed.

import { type Consumer, type ConsumerConfig, type ConsumerRecord } from "../../src/index.ts";
import {
  atLeastOnceLoop, atMostOnceLoop, BASIC_CONSUMER_CONFIG, basicConsumerLoop, consumeStart, EXACTLY_ONCE_CONSUMER_CONFIG, exactlyOnceLoop,
  MANUAL_STORE_CONFIG, type Process, type Step, TALK_AT_MOST_ONCE_CONFIG, TALK_TOPIC, talkAtMostOnceLoop,
} from "../../src/examples/index.ts";
import { atLeastOnce as atLeastOnceCheck, atMostOnce as atMostOnceCheck, exactlyOnce as exactlyOnceCheck } from "../checks.ts";
import { type Check, type CrashPoint, type InputRecord, type Program, simulate, type SimulationResult, type TopicSpec } from "../simulate.ts";
import type { RunResult } from "./run-result.ts";

export type Guarantee = "at-most-once" | "at-least-once" | "exactly-once" | "none";

/** One of the talk's consumer loops: `polls` rounds of poll, process, store, with a `step` after each. */
export type ConsumerLoop = (consumer: Consumer, process: Process, step: Step, polls: number) => Promise<void>;

/** A step the program reached in its first incarnation, with the offset of the record it concerned. */
export interface LoopStep {
  readonly name: string;
  readonly offset: number | null;
}

/** How many records the delivery lab writes, how long each takes to process, how often the loop polls, and its world's links. */
export interface DeliveryLabOptions {
  readonly records?: number;
  /** Virtual milliseconds each record takes to process. */
  readonly processMs?: number;
  readonly polls?: number;
  readonly seed?: number;
  /** One-way delay bounds of the consumer's link, in virtual ms (simulate()'s default when absent). */
  readonly delayMs?: readonly [number, number];
  /** Bounds of the virtual ms from the crash to the new incarnation (simulate()'s default when absent). */
  readonly restartAfterMs?: readonly [number, number];
}

/** The output topic of the exactly-once loop. */
const OUTPUT_TOPIC = "output";
const TRANSACTIONAL_ID = "talk-transformer";
/** The program's name in the runs. */
const CONSUMER = "consumer";

const text = (value: Uint8Array | null): string => (value === null ? "null" : new TextDecoder().decode(value));
/** The inputs the delivery lab writes: "record 0", "record 1", … in partition 0 of the talk's topic. */
const deliveryInputs = (records: number): string[] => Array.from({ length: records }, (_, i) => `record ${i}`);
/** What the exactly-once loop writes to the output for an input. */
const transformed = (value: string): string => value.toUpperCase();

/** Passes each step on to the program's crash points, and notes the first incarnation's steps in `seen`. */
function stepper(context: { incarnation: number; step(name: string): Promise<void> }, seen: LoopStep[] | undefined) {
  return async (name: string, record: ConsumerRecord | null): Promise<void> => {
    if (context.incarnation === 1) seen?.push({ name, offset: record?.offset ?? null });
    await context.step(name);
  };
}

/**
 * A talk loop as a program: a consumer with `config` started at the group's
 * committed offset, processing a record taking `processMs` and ending with
 * `record("processed", value)`.
 */
export function loopProgram(loop: ConsumerLoop, config: ConsumerConfig, options: DeliveryLabOptions = {}, seen?: LoopStep[]): Program {
  const { processMs = 40, polls = 3 } = options;
  return async (context) => {
    const consumer = context.consumer(config);
    consumeStart(consumer);
    const process: Process = async (record) => {
      await context.sleep(processMs);
      context.record("processed", text(record.value));
    };
    await loop(consumer, process, stepper(context, seen), polls);
  };
}

/**
 * The talk's exactly-once loop as a program: records of the talk's topic are
 * upper-cased into OUTPUT_TOPIC in transactions that also commit the
 * consumer's offsets. What counts as processed is what a read_committed
 * reader finds in the output at the end (simulate()'s "read" entries).
 */
export function exactlyOnceProgram(options: DeliveryLabOptions = {}, seen?: LoopStep[]): Program {
  const { polls = 3 } = options;
  return async (context) => {
    const consumer = context.consumer(EXACTLY_ONCE_CONSUMER_CONFIG);
    consumeStart(consumer);
    const producer = context.producer({ "transactional.id": TRANSACTIONAL_ID });
    const upper = (value: Uint8Array | null) => (value === null ? null : new TextEncoder().encode(transformed(text(value))));
    await exactlyOnceLoop(consumer, producer, OUTPUT_TOPIC, upper, stepper(context, seen), polls);
  };
}

/** A delivery-lab world: the talk's topic with the inputs in partition 0 (and the output topic for the exactly-once loop). */
export interface DeliveryWorld {
  readonly topics: readonly TopicSpec[];
  readonly inputs: readonly InputRecord[];
  /** The values the checks count: the inputs, or for the exactly-once loop their transforms in the output. */
  readonly counted: readonly string[];
  /** The history kind the checks count: "processed", or "read" for the output's read_committed view. */
  readonly kind: "processed" | "read";
}

/** The world of a talk loop (`exactly` false) or of the exactly-once loop, with `records` inputs. */
export function deliveryWorld(exactly: boolean, records = 5): DeliveryWorld {
  const values = deliveryInputs(records);
  return {
    topics: exactly ? [{ name: TALK_TOPIC, partitions: 1 }, { name: OUTPUT_TOPIC, partitions: 1 }] : [{ name: TALK_TOPIC, partitions: 2 }],
    inputs: values.map((value) => ({ topic: TALK_TOPIC, value, partition: 0 })),
    counted: exactly ? values.map(transformed) : values,
    kind: exactly ? "read" : "processed",
  };
}

/** The crash point of the `n`-th step (from 1) the program reached: that step, at its occurrence then. */
export function crashPointAt(steps: readonly LoopStep[], n: number): CrashPoint {
  const step = steps[n - 1]!.name;
  return { process: CONSUMER, step, occurrence: steps.slice(0, n).filter((s) => s.name === step).length };
}

/** One simulate() run of a delivery program (built with the `seen` list given), with a crash at `crash` or none. */
export function runDelivery(
  world: DeliveryWorld, program: (seen?: LoopStep[]) => Program, seed: number, crash: CrashPoint | null, options: DeliveryLabOptions = {},
  checks: Readonly<Record<string, Check>> = {}, seen?: LoopStep[],
): Promise<SimulationResult> {
  return simulate({
    seed, topics: world.topics, inputs: world.inputs,
    processes: { [CONSUMER]: program(seen) },
    runForMs: 30_000,
    faults: {
      ...(crash === null ? {} : { crashes: [crash] }),
      ...(options.delayMs === undefined ? {} : { links: { [CONSUMER]: { delayMs: options.delayMs } } }),
      ...(options.restartAfterMs === undefined ? {} : { restartAfterMs: options.restartAfterMs }),
    },
    checks,
  });
}

/**
 * Crashes the program after every step a clean run reaches (the seed varies
 * its random choices), one simulate() run per step, and judges each with the
 * public processing checks. `guarantee`'s findings are violations, the
 * others' notes; `promised` false checks a guarantee the loop claims but does
 * not keep: its breaks are listed, not fatal.
 */
export async function crashEveryStep(
  label: string, guarantee: Guarantee, exactly: boolean, program: (seen?: LoopStep[]) => Program, seed: number,
  promised = guarantee !== "none",
): Promise<RunResult> {
  const world = deliveryWorld(exactly);
  const options = { kind: world.kind };
  const checks: Record<string, Check> = guarantee === "exactly-once"
    ? { "exactly-once": exactlyOnceCheck(world.counted, options) }
    : { "at-most-once": atMostOnceCheck(world.counted, options), "at-least-once": atLeastOnceCheck(world.counted, options) };
  const steps: LoopStep[] = [];
  await runDelivery(world, program, seed, null, {}, {}, steps);
  const violations: string[] = [];
  const notes: string[] = [];
  for (let n = 1; n <= steps.length; n++) {
    const result = await runDelivery(world, program, seed, crashPointAt(steps, n), {}, checks);
    const { name, offset } = steps[n - 1]!;
    const where = `crash after ${name}${offset === null ? "" : ` #${offset}`}`;
    for (const [check, verdict] of Object.entries(result.checks)) {
      for (const line of verdict.explanation) (check === guarantee ? violations : notes).push(`${where}: ${line}`);
    }
  }
  return { label, promised, violations, notes, trace: [], history: [] };
}

const loop = (consumerLoop: ConsumerLoop, config: ConsumerConfig) => (seen?: LoopStep[]) => loopProgram(consumerLoop, config, {}, seen);

export const atMostOnce = (seed: number) =>
  crashEveryStep("at-most-once (store, then process)", "at-most-once", false, loop(atMostOnceLoop, MANUAL_STORE_CONFIG), seed);
export const atLeastOnce = (seed: number) =>
  crashEveryStep("at-least-once (process, then store)", "at-least-once", false, loop(atLeastOnceLoop, MANUAL_STORE_CONFIG), seed);
export const autoCommitNeither = (seed: number) =>
  crashEveryStep("basic consumer (auto-commit every 100 ms)", "none", false, loop(basicConsumerLoop, BASIC_CONSUMER_CONFIG), seed);
export const exactlyOnce = (seed: number) =>
  crashEveryStep("exactly-once (transactions, read_committed)", "exactly-once", true, (seen) => exactlyOnceProgram({}, seen), seed);
/**
 * The talk's at-most-once loop as written (offsetStore only stores; the 100 ms
 * auto-commit timer commits) next to storing by committing: checked against
 * at-most-once, which only the committing loop keeps.
 */
export const atMostOnceAsWritten = async (seed: number): Promise<RunResult[]> => [
  await crashEveryStep("commit, then process", "at-most-once", false, loop(atMostOnceLoop, MANUAL_STORE_CONFIG), seed),
  await crashEveryStep("the talk's loop: store, then process; the timer commits every 100 ms", "at-most-once", false,
    loop(talkAtMostOnceLoop, TALK_AT_MOST_ONCE_CONFIG), seed, false),
];
