// The simulator as a library: a user's own programs, written against the
// same Producer and Consumer they run for real, run in a seeded world over
// simulated links, crash at the steps they name when the faults say so, are
// restarted as new incarnations of the same program, and leave a history
// that pure checks judge. Same seed and options, same trace and history.

import {
  Broker, type BrokerTransport, Consumer, type ConsumerConfig, DeliveryTimeoutError,
  InProcessTransport, LoglabError, mapTransport, MemoryStorage, Producer, type ProducerConfig, type ProducerRecord, type RebalanceListener,
  type RecordMetadata, type RequestTarget, RequestTimedOutError, sleep, type TopicDescription, type TopicPartition, type Transaction,
} from "../src/index.ts";
import { type FsyncFaults, SimulatedDisk } from "./disk.ts";
import { History, type HistoryEntry } from "./history.ts";
import { type LinkFaults, simulatedLink } from "./network.ts";
import { SimulatedProcess } from "./process.ts";
import { parseSchedule, ScheduleError } from "./schedule.ts";
import { timeline as timelineLines, type TimelineDetail } from "./timeline.ts";
import type { Anomaly, CheckerVerdict } from "./verdict.ts";
import { type TraceEvent, World } from "./world.ts";

/** A topic the run starts with. */
export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  /** Topic-level configuration, as `loglab topics create --config` takes it. */
  readonly config?: Readonly<Record<string, string>>;
}

/** A record in a topic before any process starts: the input a processing check counts. */
export interface InputRecord {
  readonly topic: string;
  readonly value: string;
  readonly key?: string;
  /** Its partition; by default the inputs of a topic go round its partitions in order. */
  readonly partition?: number;
}

/**
 * Where a process dies. With `step` and `occurrence`, the `occurrence`-th
 * time (counting from 1, over all its incarnations) the process reaches
 * `step(name)`; with `step` and `probability`, each time it reaches that
 * step (any step when `step` is absent) with that probability, drawn from
 * the seed; with `atMs`, at that virtual time since the run began.
 */
export type CrashPoint =
  | { readonly process: string; readonly step: string; readonly occurrence: number }
  | { readonly process: string; readonly step?: string; readonly probability: number }
  | { readonly process: string; readonly atMs: number };

/**
 * When the broker dies: at `atMs` of virtual time since the run began, or
 * the `occurrence`-th time (counting from 1, over all its incarnations)
 * `process` reaches `step(name)` (the process itself goes on). While it is
 * down, requests sent to it are lost, and so are the answers to requests it
 * was handling; `restartAfterMs` later it starts again and recovers its logs.
 */
export type BrokerCrash = (
  | { readonly atMs: number }
  | { readonly process: string; readonly step: string; readonly occurrence: number }
) & {
  /** Virtual ms from the crash to the restart (default 0). */
  readonly restartAfterMs?: number;
  /**
   * True (the default): the power goes, and of each file's unsynced bytes only
   * a prefix drawn from the seed survives, the last write torn. False: only
   * the process dies; what it wrote survives in the OS's page cache.
   */
  readonly powerLoss?: boolean;
};

/**
 * Failed fsyncs of the broker's disk (which fsyncs, as sim/disk.ts's
 * FsyncFaults say). A failed fsync takes the log offline (it answers
 * KAFKA_STORAGE_ERROR); `restartAfterMs` later the broker halts and its
 * supervisor starts it again. Bytes that were unsynced when an fsync failed
 * are lost at the next power loss, whatever later fsyncs said.
 */
export interface FsyncFailures extends FsyncFaults {
  /** Virtual ms from the failed fsync to the halt and restart (default 500). */
  readonly restartAfterMs?: number;
  /** Whether the power goes too before the restart; drawn from the seed (even odds) when absent. */
  readonly powerLoss?: boolean;
}

/** The broker's faults: crashes, and failed fsyncs. */
export interface BrokerFaults {
  readonly crashes?: readonly BrokerCrash[];
  readonly fsync?: FsyncFailures;
}

/**
 * A forced rebalance: at `atMs` of virtual time since the run began, or the
 * `occurrence`-th time (counting from 1, over all its incarnations) `process`
 * reaches `step(name)` (the process itself goes on), every consumer group
 * with members rebalances, as when a member joins or leaves: each member
 * learns so at its next heartbeat, gives up its partitions (its
 * `onPartitionsRevoked` runs in its next `poll()`), rejoins and is handed an
 * assignment of the next generation; once that has formed, a commit made
 * under the old one is refused.
 */
export type RebalancePoint =
  | { readonly atMs: number }
  | { readonly process: string; readonly step: string; readonly occurrence: number };

/** The faults of a run: the schedule vocabulary's link faults, by process name, process crash points, forced rebalances, and the broker's faults. */
export interface SimulationFaults {
  /** Faults of each process's link to the broker, by program name (every incarnation of it). */
  readonly links?: Readonly<Record<string, LinkFaults>>;
  readonly crashes?: readonly CrashPoint[];
  /** Bounds of the virtual ms from a crash to the new incarnation starting, drawn from the seed (default [100, 3000]). */
  readonly restartAfterMs?: readonly [number, number];
  /** Crashes and fsync failures of the broker, which restarts after each. */
  readonly broker?: BrokerFaults;
  /** Forced rebalances of the consumer groups. */
  readonly rebalances?: readonly RebalancePoint[];
}

/** The broker's side of the world. */
export interface SimulatedBrokerOptions {
  /** Broker and default log configuration, as `loglab serve --config` takes it. */
  readonly config?: Readonly<Record<string, string>>;
}

/** The admin API a program gets: topics, on the run's broker. */
export interface SimulatedAdmin {
  createTopic(name: string, partitions?: number, config?: Readonly<Record<string, string>>): Promise<TopicDescription>;
  listTopics(): Promise<string[]>;
}

/** What a program is handed each time it starts. */
export interface ProcessContext {
  /** The program's name in `processes`. */
  readonly name: string;
  /** 1 for the first run of the program, 2 after its first crash, and so on. */
  readonly incarnation: number;
  /** Creates a Producer, the real one, over this process's simulated link; its sends go into the history. */
  producer(config?: ProducerConfig): Producer;
  /** Creates a Consumer, the real one, over this process's simulated link; its assignments go into the history. */
  consumer(config?: ConsumerConfig): Consumer;
  readonly admin: SimulatedAdmin;
  /** Adds an entry of the program's own to the history, e.g. `record("processed", value)`. */
  record(kind: string, value: string, detail?: string): void;
  /** A point where the simulator may crash the process: it then never returns, as a dead process never goes on. */
  step(name: string): Promise<void>;
  /** Waits `ms` of virtual time (a program must not use real timers: the run would not replay). */
  sleep(ms: number): Promise<void>;
  /** Aborted when the run's time is up: a loop stops when it sees it. */
  readonly signal: AbortSignal;
}

/** A user's program: runs until it returns, or until it crashes. */
export type Program = (context: ProcessContext) => Promise<void>;

/** A check: a pure function of the history. */
export type Check = (history: readonly HistoryEntry[]) => CheckerVerdict<Anomaly>;

/** A run to replay, as JSON: the seed and the faults (what a fault search hands back). */
export interface Replay {
  readonly seed: number;
  readonly faults: SimulationFaults;
}

/** What simulate() runs: the world (seed, broker, topics, inputs), its faults, the programs, for how long, and the checks. */
export interface SimulateOptions {
  /** Every random choice of the run derives from it (an integer from 0 to 2^32 - 1); required unless `replay` gives it. */
  readonly seed?: number;
  /** A seed and faults to run again: they take the place of `seed` and `faults`. */
  readonly replay?: Replay;
  readonly broker?: SimulatedBrokerOptions;
  readonly topics: readonly TopicSpec[];
  readonly inputs?: readonly InputRecord[];
  readonly faults?: SimulationFaults;
  readonly processes: Readonly<Record<string, Program>>;
  /** Virtual ms until `signal` aborts; the programs then have as long again to return. */
  readonly runForMs: number;
  /** The checks that judge the history, by the name the verdict gives them. */
  readonly checks?: Readonly<Record<string, Check>>;
}

/** A check's verdict in the overall one: its anomalies carry the check's name. */
export interface NamedAnomaly extends Anomaly {
  readonly check: string;
}

/** What a simulated run found: the verdicts, and the history and trace they judged. */
export interface SimulationResult {
  /** False when any check found an anomaly; true when every check held or had nothing to say and one held; "unknown" otherwise. */
  readonly verdict: CheckerVerdict<NamedAnomaly>;
  readonly checks: Readonly<Record<string, CheckerVerdict<Anomaly>>>;
  readonly history: readonly HistoryEntry[];
  readonly trace: readonly TraceEvent[];
  /** The seed and faults the run had: `simulate({ ...options, replay })` runs it again. */
  readonly replay: Replay;
  /** How often each process reached each step, over its incarnations: the crash points a schedule can name. */
  readonly stepsReached: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** How many events the virtual-time queue ran: the run's work, as a benchmark counts it. */
  readonly eventsRun: number;
  /** The timeline `loglab sim` prints: the non-routine events (or all), one a line. */
  timeline(detail?: TimelineDetail, linesMax?: number): string;
  /** The trace, one JSON event a line: what two runs of one seed share byte for byte. */
  traceText(): string;
}

/** A malformed option: the message names it. */
export class SimulateOptionsError extends Error {
  constructor(problem: string) {
    super(problem);
    this.name = "SimulateOptionsError";
  }
}

const RESTART_AFTER_MS_DEFAULT: readonly [number, number] = [100, 3000];
/** Virtual ms from a failed fsync to the broker's restart unless the faults say otherwise. */
const FSYNC_RESTART_AFTER_MS_DEFAULT = 500;
/** A restart that fails (another fsync failing during recovery) is tried again, up to this many times. */
const BROKER_RESTART_TRIES = 10;
/** Link delays of the simulated network unless the faults say otherwise. */
const LINK_DEFAULTS: LinkFaults = { delayMs: [1, 10] };

const text = (bytes: Uint8Array | string | null | undefined): string =>
  bytes === null || bytes === undefined ? "null" : typeof bytes === "string" ? bytes : new TextDecoder().decode(bytes);

/** What a record is called in the history when a program names it by where it is: topic-partition@offset. */
export const recordAddress = (record: { readonly topic: string; readonly partition: number; readonly offset: number }): string =>
  `${record.topic}-${record.partition}@${record.offset}`;

function validate(options: SimulateOptions & Replay): void {
  const { seed, topics, processes, runForMs, faults } = options;
  if (typeof faults !== "object" || faults === null) throw new SimulateOptionsError(`faults must be an object, got ${JSON.stringify(faults)}`);
  if (!Number.isInteger(seed) || seed < 0 || seed > 2 ** 32 - 1) throw new SimulateOptionsError(`seed must be an integer from 0 to ${2 ** 32 - 1}, got ${seed}`);
  if (!Number.isInteger(runForMs) || runForMs <= 0) throw new SimulateOptionsError(`runForMs must be a positive integer, got ${runForMs}`);
  if (!Array.isArray(topics)) throw new SimulateOptionsError("topics must be a list of { name, partitions }");
  for (const topic of topics) {
    if (typeof topic?.name !== "string" || !Number.isInteger(topic.partitions) || topic.partitions < 1) {
      throw new SimulateOptionsError(`each topic needs a name and partitions >= 1, got ${JSON.stringify(topic)}`);
    }
  }
  if (typeof processes !== "object" || processes === null || Object.keys(processes).length === 0) throw new SimulateOptionsError("processes must name at least one program");
  for (const [name, program] of Object.entries(processes)) {
    if (typeof program !== "function") throw new SimulateOptionsError(`processes.${name} must be an async function, got ${typeof program}`);
  }
  for (const input of options.inputs ?? []) {
    const topic = topics.find((t) => t.name === input.topic);
    if (topic === undefined) throw new SimulateOptionsError(`input ${JSON.stringify(input.value)} names topic ${JSON.stringify(input.topic)}, which topics do not create`);
    if (input.partition !== undefined && !(Number.isInteger(input.partition) && input.partition >= 0 && input.partition < topic.partitions)) {
      throw new SimulateOptionsError(`input ${JSON.stringify(input.value)}: ${input.topic} has no partition ${input.partition}`);
    }
  }
  for (const name of Object.keys(faults.links ?? {})) {
    if (!Object.hasOwn(processes, name)) throw new SimulateOptionsError(`faults.links.${name}: no such process (processes: ${Object.keys(processes).join(", ")})`);
  }
  for (const key of Object.keys(faults)) {
    if (!FAULT_KEYS.includes(key)) throw new SimulateOptionsError(`faults.${key}: unknown key (valid keys: ${FAULT_KEYS.join(", ")})`);
  }
  if (faults.links !== undefined) {
    // The schedule vocabulary's links, checked as strictly as a schedule file's.
    try {
      parseSchedule(JSON.stringify({ links: faults.links }));
    } catch (error) {
      if (!(error instanceof ScheduleError)) throw error;
      throw new SimulateOptionsError(`faults.${error.message.split("\n")[0]!.replace(/^schedule\./, "")}`);
    }
  }
  for (const crash of faults.crashes ?? []) {
    if (!Object.hasOwn(processes, crash.process)) throw new SimulateOptionsError(`faults.crashes: no process ${JSON.stringify(crash.process)} (processes: ${Object.keys(processes).join(", ")})`);
    const shape = Object.keys(crash).sort().join(",");
    const wellFormed = (shape === "occurrence,process,step" && typeof (crash as { step: unknown }).step === "string" && Number.isInteger((crash as { occurrence: unknown }).occurrence) && (crash as { occurrence: number }).occurrence >= 1)
      || ((shape === "probability,process" || shape === "probability,process,step") && typeof (crash as { probability: unknown }).probability === "number" && (crash as { probability: number }).probability >= 0 && (crash as { probability: number }).probability <= 1)
      || (shape === "atMs,process" && Number.isInteger((crash as { atMs: unknown }).atMs) && (crash as { atMs: number }).atMs >= 0);
    if (!wellFormed) {
      throw new SimulateOptionsError(`faults.crashes: ${JSON.stringify(crash)} is not { process, step, occurrence >= 1 }, { process, step?, probability 0..1 } or { process, atMs >= 0 }`);
    }
  }
  const restart = faults.restartAfterMs;
  if (restart !== undefined && !(restart.length === 2 && Number.isInteger(restart[0]) && Number.isInteger(restart[1]) && restart[0] >= 0 && restart[0] <= restart[1])) {
    throw new SimulateOptionsError(`faults.restartAfterMs must be [min, max] integer ms with 0 <= min <= max, got ${JSON.stringify(restart)}`);
  }
  if (faults.broker !== undefined) validateBrokerFaults(faults.broker, processes);
  if (faults.rebalances !== undefined) validateRebalances(faults.rebalances, processes);
}

const FAULT_KEYS = ["links", "crashes", "restartAfterMs", "broker", "rebalances"];
const BROKER_FAULT_KEYS = ["crashes", "fsync"];
const FSYNC_KEYS = ["probability", "atSyncs", "fileSuffix", "restartAfterMs", "powerLoss"];

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const isMs = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 0;

function validateBrokerFaults(broker: unknown, processes: Readonly<Record<string, Program>>): void {
  if (!isObject(broker)) throw new SimulateOptionsError(`faults.broker must be an object, got ${JSON.stringify(broker)}`);
  for (const key of Object.keys(broker)) {
    if (!BROKER_FAULT_KEYS.includes(key)) throw new SimulateOptionsError(`faults.broker.${key}: unknown key (valid keys: ${BROKER_FAULT_KEYS.join(", ")})`);
  }
  const { crashes, fsync } = broker;
  if (crashes !== undefined && !Array.isArray(crashes)) throw new SimulateOptionsError(`faults.broker.crashes must be a list, got ${JSON.stringify(crashes)}`);
  (crashes ?? []).forEach((crash: unknown, i: number) => {
    const where = `faults.broker.crashes[${i}]`;
    if (!isObject(crash)) throw new SimulateOptionsError(`${where} must be an object, got ${JSON.stringify(crash)}`);
    const { restartAfterMs, powerLoss, ...point } = crash;
    const shape = Object.keys(point).sort().join(",");
    const wellFormed = (shape === "atMs" && isMs(point["atMs"]))
      || (shape === "occurrence,process,step" && typeof point["step"] === "string" && Number.isInteger(point["occurrence"]) && (point["occurrence"] as number) >= 1);
    if (!wellFormed) {
      throw new SimulateOptionsError(`${where}: ${JSON.stringify(crash)} is not { atMs >= 0 } or { process, step, occurrence >= 1 }, with restartAfterMs and powerLoss optional`);
    }
    if ("process" in point && !Object.hasOwn(processes, point["process"] as string)) {
      throw new SimulateOptionsError(`${where}.process: no process ${JSON.stringify(point["process"])} (processes: ${Object.keys(processes).join(", ")})`);
    }
    if (restartAfterMs !== undefined && !isMs(restartAfterMs)) throw new SimulateOptionsError(`${where}.restartAfterMs must be an integer ms >= 0, got ${JSON.stringify(restartAfterMs)}`);
    if (powerLoss !== undefined && typeof powerLoss !== "boolean") throw new SimulateOptionsError(`${where}.powerLoss must be true or false, got ${JSON.stringify(powerLoss)}`);
  });
  if (fsync === undefined) return;
  if (!isObject(fsync)) throw new SimulateOptionsError(`faults.broker.fsync must be an object, got ${JSON.stringify(fsync)}`);
  for (const key of Object.keys(fsync)) {
    if (!FSYNC_KEYS.includes(key)) throw new SimulateOptionsError(`faults.broker.fsync.${key}: unknown key (valid keys: ${FSYNC_KEYS.join(", ")})`);
  }
  const { probability, atSyncs, fileSuffix, restartAfterMs, powerLoss } = fsync;
  if (probability !== undefined && !(typeof probability === "number" && probability >= 0 && probability <= 1)) {
    throw new SimulateOptionsError(`faults.broker.fsync.probability must be a number from 0 to 1, got ${JSON.stringify(probability)}`);
  }
  if (atSyncs !== undefined && !(Array.isArray(atSyncs) && atSyncs.every((n) => Number.isInteger(n) && n >= 1))) {
    throw new SimulateOptionsError(`faults.broker.fsync.atSyncs must be a list of integers >= 1 (which fsyncs fail, counting from 1), got ${JSON.stringify(atSyncs)}`);
  }
  if (fileSuffix !== undefined && typeof fileSuffix !== "string") throw new SimulateOptionsError(`faults.broker.fsync.fileSuffix must be a string, got ${JSON.stringify(fileSuffix)}`);
  if (restartAfterMs !== undefined && !isMs(restartAfterMs)) throw new SimulateOptionsError(`faults.broker.fsync.restartAfterMs must be an integer ms >= 0, got ${JSON.stringify(restartAfterMs)}`);
  if (powerLoss !== undefined && typeof powerLoss !== "boolean") throw new SimulateOptionsError(`faults.broker.fsync.powerLoss must be true or false, got ${JSON.stringify(powerLoss)}`);
}

function validateRebalances(rebalances: unknown, processes: Readonly<Record<string, Program>>): void {
  if (!Array.isArray(rebalances)) throw new SimulateOptionsError(`faults.rebalances must be a list, got ${JSON.stringify(rebalances)}`);
  rebalances.forEach((point: unknown, i: number) => {
    const where = `faults.rebalances[${i}]`;
    const shape = isObject(point) ? Object.keys(point).sort().join(",") : "";
    const wellFormed = isObject(point) && ((shape === "atMs" && isMs(point["atMs"]))
      || (shape === "occurrence,process,step" && typeof point["step"] === "string" && Number.isInteger(point["occurrence"]) && (point["occurrence"] as number) >= 1));
    if (!wellFormed) throw new SimulateOptionsError(`${where}: ${JSON.stringify(point)} is not { atMs >= 0 } or { process, step, occurrence >= 1 }`);
    if ("process" in point && !Object.hasOwn(processes, point["process"] as string)) {
      throw new SimulateOptionsError(`${where}.process: no process ${JSON.stringify(point["process"])} (processes: ${Object.keys(processes).join(", ")})`);
    }
  });
}

/** The overall verdict: every check's anomalies and lines, named by the check. */
function combine(checks: Readonly<Record<string, CheckerVerdict<Anomaly>>>): CheckerVerdict<NamedAnomaly> {
  const verdicts = Object.entries(checks);
  const anomalies = verdicts.flatMap(([check, v]) => v.anomalies.map((anomaly) => ({ ...anomaly, check })));
  const explanation = verdicts.flatMap(([check, v]) => v.explanation.map((line) => `${check}: ${line}`));
  const valid = verdicts.some(([, v]) => v.valid === false) ? false : verdicts.some(([, v]) => v.valid === true) ? true : "unknown";
  return { valid, anomalies, explanation };
}

/**
 * Runs `options.processes` in a simulated world under `options.faults`, and
 * judges the history with `options.checks`. Deterministic: the same seed and
 * options give the same history and trace, byte for byte.
 */
export async function simulate(given: SimulateOptions): Promise<SimulationResult> {
  const seed = given.replay?.seed ?? given.seed;
  if (seed === undefined) throw new SimulateOptionsError("a seed is required (seed, or replay.seed)");
  const options = { ...given, seed, faults: given.replay?.faults ?? given.faults ?? {} };
  validate(options);
  const world = new World(options.seed);
  const { faults } = options;
  const server = await SimulatedBroker.start(world, options.broker?.config ?? {}, faults.broker);
  for (const topic of options.topics) await server.broker.logs.createTopic(topic.name, topic.partitions, topic.config ?? {});
  const history = new History(() => world.nowMs);
  await writeInputs(world, server.broker, history, options);
  const crashes = faults.crashes ?? [];
  const [restartMin, restartMax] = faults.restartAfterMs ?? RESTART_AFTER_MS_DEFAULT;
  const stop = new AbortController();
  world.scheduler.setTimer(options.runForMs, () => {
    world.record({ kind: "time up", detail: `${options.runForMs} ms` });
    stop.abort();
  });
  const admin: SimulatedAdmin = {
    createTopic: async (name, partitions = 1, config = {}) => server.broker.logs.createTopic(name, partitions, config),
    listTopics: async () => server.broker.logs.listTopics(),
  };
  for (const crash of faults.broker?.crashes ?? []) {
    if ("atMs" in crash) world.scheduler.setTimer(Math.max(0, crash.atMs - world.elapsedMs), () => server.crash(crash, `at ${crash.atMs} ms`));
  }
  for (const point of faults.rebalances ?? []) {
    if ("atMs" in point) world.scheduler.setTimer(Math.max(0, point.atMs - world.elapsedMs), () => server.rebalance(`at ${point.atMs} ms`));
  }
  /** How often each process has reached each step, over its incarnations. */
  const reached = new Map<string, number>();
  /** The `atMs` crash points that have killed their process. */
  const timedCrashesDone = new Set<CrashPoint>();

  const runProgram = (name: string, program: Program): Promise<void> => new Promise<void>((programDone, programFailed) => {
    const start = (incarnation: number) => {
      const label = `${name}#${incarnation}`;
      const process = new SimulatedProcess(world, label);
      const link = process.connect(simulatedLink(world, server.target, label, { ...LINK_DEFAULTS, ...faults.links?.[name] }));
      const runtime = { scheduler: process.scheduler, random: world.random };
      const clients: (Producer | Consumer)[] = [];
      let died: () => void = () => {};
      const death = new Promise<"died">((resolve) => { died = () => resolve("died"); });
      /** Set when the program returned: it can no longer crash. */
      let exited = false;
      const crash = (why: string) => {
        if (!process.alive || exited) return;
        history.complete(label, "crash", why, "info", `incarnation ${incarnation}`);
        process.crash();
        died();
      };
      for (const point of crashes) {
        if (!(point.process === name && "atMs" in point && point.atMs >= world.elapsedMs)) continue;
        // Each point kills once: an incarnation started at its very time (restarted after 0 ms) lives on.
        world.scheduler.setTimer(point.atMs - world.elapsedMs, () => {
          if (timedCrashesDone.has(point) || !process.alive || exited) return;
          timedCrashesDone.add(point);
          crash(`at ${point.atMs} ms`);
        });
      }
      const context: ProcessContext = {
        name, incarnation, admin, signal: stop.signal,
        producer: (config = {}) => {
          const producer = new RecordedProducer(link, runtime, config, history, label);
          clients.push(producer);
          return producer;
        },
        consumer: (config = {}) => {
          const consumer = new RecordedConsumer(link, runtime, config, history, label);
          clients.push(consumer);
          return consumer;
        },
        record: (kind, value, detail) => { if (process.alive) history.note(label, kind, value, detail); },
        step: async (step) => {
          if (!process.alive) return new Promise<never>(() => {});
          const key = `${name}\u0000${step}`;
          const count = (reached.get(key) ?? 0) + 1;
          reached.set(key, count);
          for (const point of faults.broker?.crashes ?? []) {
            if ("step" in point && point.process === name && point.step === step && point.occurrence === count) server.crash(point, `${label} reached ${step} (${ordinal(count)} time)`);
          }
          for (const point of faults.rebalances ?? []) {
            if ("step" in point && point.process === name && point.step === step && point.occurrence === count) server.rebalance(`${label} reached ${step} (${ordinal(count)} time)`);
          }
          const hit = crashes.some((point) => point.process === name && (
            ("occurrence" in point && point.step === step && point.occurrence === count) ||
            ("probability" in point && (point.step === undefined || point.step === step) && world.chance(point.probability))));
          if (!hit) return;
          world.record({ kind: "crash point", from: label, detail: `${step} (${ordinal(count)} time)` });
          crash(step);
          return new Promise<never>(() => {});
        },
        sleep: (ms) => sleep(process.scheduler, ms),
      };
      world.record({ kind: "start", from: label, detail: incarnation === 1 ? "first incarnation" : `takes ${name}#${incarnation - 1}'s place` });
      // A program that throws before its first await fails the same way as one that throws later.
      const ran = (async () => program(context))().then(() => "returned" as const);
      void Promise.race([ran, death]).then(async (how) => {
        if (how === "returned") {
          if (!process.alive) return;
          exited = true;
          for (const client of clients) await client.close().catch(() => undefined);
          world.record({ kind: "exit", from: label });
          programDone();
          return;
        }
        if (stop.signal.aborted) return programDone();
        const delay = world.between(restartMin, restartMax);
        world.record({ kind: "restart", from: name, detail: `in ${delay} ms, as ${name}#${incarnation + 1}` });
        world.scheduler.setTimer(delay, () => (stop.signal.aborted ? programDone() : start(incarnation + 1)));
      }, (error: unknown) => {
        if (!process.alive) return;
        programFailed(new Error(`process ${label} threw: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
      });
    };
    start(1);
  });

  const programs = Object.entries(options.processes).map(([name, program]) => runProgram(name, program));
  const limitMs = options.runForMs * 2 + restartMax;
  try {
    await world.scheduler.runUntilSettled(Promise.all(programs), limitMs);
  } catch (error) {
    if (error instanceof Error && error.message.startsWith("process ")) throw error;
    throw new Error(`the processes had not returned ${limitMs} ms into the run: a program must return once its signal is aborted`, { cause: error });
  }
  // A broker restart still under way finishes before the log is read.
  await server.up();
  await readBack(world, server.broker, history, options.topics);

  const entries = history.entries;
  const checks = Object.fromEntries(Object.entries(options.checks ?? {}).map(([name, check]) => [name, check(entries)]));
  return {
    verdict: combine(checks),
    checks,
    history: entries,
    trace: world.trace,
    replay: { seed, faults },
    stepsReached: stepsReached(reached),
    eventsRun: world.scheduler.eventsRun,
    timeline: (detail = "faults", linesMax = 40) => timelineLines(world.trace, detail, linesMax).join("\n"),
    traceText: () => world.traceText(),
  };
}

const ordinal = (n: number): string => `${n}${n % 100 >= 11 && n % 100 <= 13 ? "th" : n % 10 === 1 ? "st" : n % 10 === 2 ? "nd" : n % 10 === 3 ? "rd" : "th"}`;

/**
 * The run's broker and its faults: it crashes (power loss or a halt) and
 * restarts on the same disk, and a failed fsync takes its log offline until
 * its supervisor restarts it. Without broker faults it is a plain broker on
 * MemoryStorage, and the links reach it directly.
 */
class SimulatedBroker {
  /** What the links call: the current broker, or, with broker faults, a gate that loses requests while it is down. */
  readonly target: RequestTarget | (() => RequestTarget);
  #broker: Broker;
  #process: SimulatedProcess;
  #down = false;
  /** Counts the broker's deaths: an answer computed by a broker that died since is never sent. */
  #deaths = 0;
  #restarting: Promise<void> | null = null;

  private constructor(private readonly world: World, private readonly open: (scheduler: SimulatedProcess["scheduler"]) => Promise<Broker>,
    broker: Broker, process: SimulatedProcess, private readonly disk: SimulatedDisk | null, faulty: boolean) {
    this.#broker = broker;
    this.#process = process;
    this.target = faulty ? this.#gate() : () => this.#broker;
  }

  static async start(world: World, config: Readonly<Record<string, string>>, faults: BrokerFaults | undefined): Promise<SimulatedBroker> {
    const faulty = faults !== undefined && ((faults.crashes ?? []).length > 0 || faults.fsync !== undefined);
    const disk = faulty ? new SimulatedDisk(world, faults?.fsync ?? {}) : null;
    const storage = disk ?? new MemoryStorage();
    const open = (scheduler: SimulatedProcess["scheduler"]) => Broker.open({
      storage, scheduler, random: world.random, config: { "group.initial.rebalance.delay.ms": "0", ...config },
    });
    const process = new SimulatedProcess(world, "broker");
    const server = new SimulatedBroker(world, open, await open(process.scheduler), process, disk, faulty);
    if (disk !== null && faults?.fsync !== undefined) {
      const { restartAfterMs = FSYNC_RESTART_AFTER_MS_DEFAULT, powerLoss } = faults.fsync;
      disk.onFsyncFailure = () => {
        server.#restarting ??= (async () => {
          await sleep(world.scheduler, restartAfterMs);
          await server.#halt(powerLoss ?? world.chance(0.5), "log dir offline after a failed fsync");
          await server.#restart(restartAfterMs);
        })().finally(() => { server.#restarting = null; });
      };
    }
    return server;
  }

  get broker(): Broker {
    return this.#broker;
  }

  /** Resolves once no restart is under way. */
  async up(): Promise<void> {
    while (this.#restarting !== null) await this.world.scheduler.runUntilSettled(this.#restarting, 60_000);
  }

  /** Makes every consumer group with members rebalance (nothing while the broker is down: its groups are gone with it). */
  rebalance(why: string): void {
    if (this.#down) return this.world.record({ kind: "rebalance", from: "broker", detail: `none: the broker is down (${why})` });
    const groups = this.#broker.groups.listGroups().map(({ groupId }) => groupId).filter((groupId) => this.#broker.groups.rebalance(groupId));
    this.world.record({ kind: "rebalance", from: "broker", detail: `${groups.length === 0 ? "no group has members" : `forced in ${groups.join(", ")}`} (${why})` });
  }

  /** Kills the broker now and restarts it `restartAfterMs` later (nothing, if it is already down). */
  crash(crash: BrokerCrash, why: string): void {
    if (this.#down || this.#restarting !== null) return;
    const restartAfterMs = crash.restartAfterMs ?? 0;
    this.#restarting = (async () => {
      await this.#halt(crash.powerLoss ?? true, why);
      await sleep(this.world.scheduler, restartAfterMs);
      await this.#restart(restartAfterMs);
    })().finally(() => { this.#restarting = null; });
  }

  async #halt(powerLoss: boolean, why: string): Promise<void> {
    this.#down = true;
    this.#deaths++;
    this.#process.crash(powerLoss ? `power lost (${why})` : `halted (${why})`);
    if (!powerLoss) return;
    await this.disk!.crash({
      survivingUnsyncedBytes: (file, unsynced) => {
        const kept = this.world.between(0, unsynced);
        this.world.record({ kind: "disk", from: "broker", detail: `${file}: ${kept} of ${unsynced} unsynced bytes survive` });
        return kept;
      },
    });
  }

  async #restart(retryAfterMs: number): Promise<void> {
    for (let tries = 1; ; tries++) {
      const process = new SimulatedProcess(this.world, "broker");
      try {
        this.#broker = await this.open(process.scheduler);
        this.#process = process;
        break;
      } catch (error) {
        if (!(error instanceof LoglabError) || tries >= BROKER_RESTART_TRIES) throw error;
        process.crash(`restart failed: ${error.message}`);
        await sleep(this.world.scheduler, retryAfterMs);
      }
    }
    this.#down = false;
    this.world.record({ kind: "restart", from: "broker", detail: "recovered its logs" });
    for (const recovery of this.#broker.logs.recoveries) {
      if (recovery.truncatedBytes > 0) this.world.record({ kind: "recovered", from: "broker", detail: `${recovery.topicPartition}: truncated ${recovery.truncatedBytes} bytes` });
    }
  }

  /** The broker as the links reach it: while it is down, requests are lost, and so are answers of a broker that has died since. */
  #gate(): RequestTarget {
    const never = () => new Promise<never>(() => {});
    return mapTransport(() => this.#broker, (method, call) => async (...args) => {
      if (this.#down) {
        this.world.record({ kind: "lost", to: "broker", detail: `${method} (the broker is down)` });
        return never();
      }
      const deaths = this.#deaths;
      try {
        const answer = await call(...args);
        return this.#deaths === deaths ? answer : never();
      } catch (error) {
        if (this.#deaths !== deaths) return never();
        throw error;
      }
    });
  }
}

function stepsReached(reached: ReadonlyMap<string, number>): Record<string, Record<string, number>> {
  const byProcess: Record<string, Record<string, number>> = {};
  for (const [key, count] of reached) {
    const [process, step] = key.split("\u0000") as [string, string];
    (byProcess[process] ??= {})[step] = count;
  }
  return byProcess;
}

/** Writes the inputs before any process starts; the history shows them as the acknowledged sends of "inputs". */
async function writeInputs(world: World, broker: Broker, history: History, options: SimulateOptions): Promise<void> {
  const next = new Map<string, number>();
  const byPartition = new Map<string, { topic: string; partition: number; records: { key?: string; value: string }[] }>();
  for (const input of options.inputs ?? []) {
    const partitions = options.topics.find((t) => t.name === input.topic)!.partitions;
    const turn = next.get(input.topic) ?? 0;
    next.set(input.topic, turn + 1);
    const partition = input.partition ?? turn % partitions;
    const key = `${input.topic}-${partition}`;
    const batch = byPartition.get(key) ?? { topic: input.topic, partition, records: [] };
    byPartition.set(key, batch);
    batch.records.push(input.key === undefined ? { value: input.value } : { key: input.key, value: input.value });
  }
  for (const { topic, partition, records } of byPartition.values()) {
    const producer = new Producer(new InProcessTransport(broker), { scheduler: world.scheduler, random: world.random }, { "linger.ms": 0 });
    const record: ProducerRecord = { topic, messages: records.map((input) => ({ ...input, partition })) };
    await world.scheduler.runUntilSettled(recordSend(history, "inputs", record, null, () => producer.send(record)));
    await world.scheduler.runUntilSettled(producer.close());
  }
  if (byPartition.size > 0) world.record({ kind: "inputs", detail: `${(options.inputs ?? []).length} record(s) written` });
}

/** At the end, what a read_committed reader finds in every partition: "read" entries, in log order. */
async function readBack(world: World, broker: Broker, history: History, topics: readonly TopicSpec[]): Promise<void> {
  const reader = new Consumer(new InProcessTransport(broker), { scheduler: world.scheduler, random: world.random }, {
    "isolation.level": "read_committed", "auto.offset.reset": "earliest",
  });
  const partitions = topics.flatMap((topic) => Array.from({ length: topic.partitions }, (_, partition) => ({ topic: topic.name, partition })));
  reader.assign(partitions);
  for (;;) {
    const records = await world.scheduler.runUntilSettled(reader.poll(0));
    if (records.length === 0) break;
    for (const record of records) history.complete("reader", "read", text(record.value), "ok", recordAddress(record));
  }
  await world.scheduler.runUntilSettled(reader.close());
}

/** Outcome of a send as the history says it: info when the answer may have been lost, fail when it certainly did not happen. */
function failure(error: unknown): { outcome: "info" | "fail"; message: string } {
  if (!(error instanceof LoglabError)) throw error;
  const unknown = error instanceof RequestTimedOutError || error instanceof DeliveryTimeoutError;
  return { outcome: unknown ? "info" : "fail", message: error.message };
}

/** A Producer whose sends, transactions and their ends are written to the history. */
class RecordedProducer extends Producer {
  #transactions = 0;

  constructor(transport: BrokerTransport, runtime: { scheduler: SimulatedProcess["scheduler"]; random: World["random"] }, config: ProducerConfig,
    private readonly history: History, private readonly label: string) {
    super(transport, runtime, config);
  }

  override async send(record: ProducerRecord): Promise<RecordMetadata[]> {
    return recordSend(this.history, this.label, record, null, () => super.send(record));
  }

  override async transaction(): Promise<Transaction> {
    const inner = await super.transaction();
    const name = `${this.label}/txn-${++this.#transactions}`;
    const { history, label } = this;
    const end = async (op: "commit" | "abort", call: () => Promise<void>) => {
      history.invoke(label, op, name);
      try {
        await call();
        history.complete(label, op, name, "ok");
      } catch (error) {
        const { outcome, message } = failure(error);
        history.complete(label, op, name, outcome, message);
        throw error;
      }
    };
    return {
      send: (record) => recordSend(history, label, record, name, () => inner.send(record)),
      sendOffsets: (offsets) => inner.sendOffsets(offsets),
      commit: () => end("commit", () => inner.commit()),
      abort: () => end("abort", () => inner.abort()),
    };
  }
}

async function recordSend(history: History, label: string, record: ProducerRecord, transaction: string | null, send: () => Promise<RecordMetadata[]>): Promise<RecordMetadata[]> {
  const values = record.messages.map((message) => text(message.value));
  for (const value of values) history.invoke(label, "send", value);
  try {
    const written = await send();
    // A transactional send names its transaction (what read_committed checks); any other, where it landed.
    values.forEach((value, i) => history.complete(label, "send", value, "ok", transaction ?? (written[i] === undefined ? undefined : recordAddress(written[i]!))));
    return written;
  } catch (error) {
    const { outcome, message } = failure(error);
    for (const value of values) history.complete(label, "send", value, outcome, transaction ?? message);
    throw error;
  }
}

/** A Consumer whose assignments are written to the history, each with its generation. */
class RecordedConsumer extends Consumer {
  constructor(transport: BrokerTransport, runtime: { scheduler: SimulatedProcess["scheduler"]; random: World["random"] }, config: ConsumerConfig,
    private readonly history: History, private readonly label: string) {
    super(transport, runtime, config);
  }

  override subscribe(topics: readonly string[], listener: RebalanceListener = {}): void {
    super.subscribe(topics, {
      onPartitionsRevoked: (partitions: readonly TopicPartition[]) => listener.onPartitionsRevoked?.(partitions),
      onPartitionsAssigned: async (partitions) => {
        const { generationId } = this.groupMetadata();
        for (const { topic, partition } of partitions) this.history.observe(this.label, "assign", `${topic}-${partition}`, `generation ${generationId}`);
        await listener.onPartitionsAssigned?.(partitions);
      },
    });
  }
}
