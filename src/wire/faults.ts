// Faults for real clients of `loglab serve`: a layer between a Connection and the broker's RequestHandler that loses
// answers after the write is stored, delays answers, closes connections, answers with an error code or pauses the
// broker, as a fault file says. Time and randomness come from the caller, so a seed replays the same injections.

import { LoglabError } from "../format/index.ts";
import { type Random, type Scheduler, SeededRandom, type Timer } from "../runtime/index.ts";
import type { RequestHandler, WireRequest } from "./connection.ts";
import { KAFKA_ERROR_CODES } from "./error-codes.ts";
import { type FetchRequest, type FetchResponse, type ProduceRequest, type ProduceResponse, wireApis } from "./generated/index.ts";

/** What happens to the connection after an answer is lost: closed at once, or left open with no more answers. */
export type LostAnswerThen = "close" | "hang";

interface FaultCommon {
  /** The API names the fault applies to (default: every API). */
  readonly only?: readonly string[];
  /** Matching requests let through before the fault starts (counted over the whole server). */
  readonly skip?: number;
  /** The chance that a matching request is hit, drawn from the seeded random source (default 1). */
  readonly probability?: number;
  /** At most this many injections (default 1; a delay's default is every matching request). */
  readonly times?: number;
}

/** The request is applied and its answer never sent (the two generals). */
export interface LoseAnswerFault extends FaultCommon {
  readonly kind: "loseAnswer";
  /** Default "close". */
  readonly then?: LostAnswerThen;
}

/** The answer goes out `delayMs` later, drawn uniformly from [min, max]. */
export interface DelayFault extends FaultCommon {
  readonly kind: "delay";
  readonly delayMs: readonly [number, number];
}

/** The connection closes when a matching request arrives; that request is not applied. */
export interface CloseFault extends FaultCommon {
  readonly kind: "close";
}

/** The request is not applied; its answer carries Kafka's error `error`. */
export interface ErrorFault extends FaultCommon {
  readonly kind: "error";
  readonly error: string;
}

/** The broker stops answering every connection for `forMs`, starting at a matching request, then resumes. */
export interface PauseFault extends FaultCommon {
  readonly kind: "pause";
  readonly forMs: number;
}

export type Fault = LoseAnswerFault | DelayFault | CloseFault | ErrorFault | PauseFault;
export type FaultKind = Fault["kind"];

/** A fault file: the seed of the random draws and the faults, applied in order to each request. */
export interface FaultSpec {
  readonly seed?: number;
  readonly faults: readonly Fault[];
}

/** A fault file (or spec) that is not JSON or breaks the schema: names the source, the path in the JSON and the limit. */
export class FaultSpecError extends LoglabError {
  constructor(readonly source: string, readonly path: string, problem: string) {
    super("INVALID_CONFIG", `${source}: ${path}: ${problem}`);
  }
}

/** The bound on any time in a fault file: an hour. */
export const FAULT_MS_MAX = 60 * 60 * 1000;
/** The bound on any count in a fault file. */
export const FAULT_COUNT_MAX = 1_000_000;
const SEED_MAX = 2 ** 32 - 1;

/** The APIs an error fault can answer for: those whose error field the layer knows how to fill. */
export const ERROR_FAULT_APIS: readonly string[] = ["Produce", "Fetch", "InitProducerId", "JoinGroup", "SyncGroup", "Heartbeat"];
const API_NAMES: readonly string[] = wireApis.map((api) => api.name);

type Check = (value: unknown) => string | null;
const isInt = (v: unknown, min: number, max: number): boolean => typeof v === "number" && Number.isInteger(v) && v >= min && v <= max;
const count = (min: number): Check => (v) => (isInt(v, min, FAULT_COUNT_MAX) ? null : `expected an integer from ${min} to ${FAULT_COUNT_MAX}`);
const ms: Check = (v) => (isInt(v, 0, FAULT_MS_MAX) ? null : `expected an integer ms from 0 to ${FAULT_MS_MAX}`);
const probability: Check = (v) => (typeof v === "number" && v >= 0 && v <= 1 ? null : "expected a probability from 0 to 1");
const range: Check = (v) => Array.isArray(v) && v.length === 2 && isInt(v[0], 0, FAULT_MS_MAX) && isInt(v[1], 0, FAULT_MS_MAX) && v[0] <= v[1]
  ? null
  : `expected [min, max] integer ms with 0 <= min <= max <= ${FAULT_MS_MAX}`;
const apiList = (allowed: readonly string[]): Check => (v) =>
  Array.isArray(v) && v.length > 0 && v.every((name) => typeof name === "string" && allowed.includes(name))
    ? null
    : `expected a non-empty list of API names from ${allowed.join(", ")}`;
const oneOf = (...values: string[]): Check => (v) => (typeof v === "string" && values.includes(v) ? null : `expected one of ${values.join(", ")}`);
const errorName: Check = (v) => (typeof v === "string" && Object.hasOwn(KAFKA_ERROR_CODES, v) && v !== "NONE"
  ? null
  : `expected a Kafka error name (${Object.keys(KAFKA_ERROR_CODES).filter((name) => name !== "NONE").join(", ")})`);

const COMMON: Readonly<Record<string, Check>> = { only: apiList(API_NAMES), skip: count(0), probability, times: count(1) };
const FIELDS: Readonly<Record<FaultKind, Readonly<Record<string, Check>>>> = {
  loseAnswer: { ...COMMON, then: oneOf("close", "hang") },
  delay: { ...COMMON, delayMs: range },
  close: COMMON,
  error: { ...COMMON, only: apiList(ERROR_FAULT_APIS), error: errorName },
  pause: { ...COMMON, forMs: ms },
};
const REQUIRED: Readonly<Record<FaultKind, readonly string[]>> = { loseAnswer: [], delay: ["delayMs"], close: [], error: ["only", "error"], pause: ["forMs"] };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Checks a fault spec given as a value (from JSON or from code); `source` names it in errors. Throws FaultSpecError. */
export function checkFaultSpec(value: unknown, source: string): FaultSpec {
  if (!isObject(value)) throw new FaultSpecError(source, "$", `expected an object { "seed", "faults" }, got ${JSON.stringify(value)}`);
  for (const key of Object.keys(value)) {
    if (key !== "seed" && key !== "faults") throw new FaultSpecError(source, `$.${key}`, "unknown key (valid keys: seed, faults)");
  }
  if (value.seed !== undefined && !isInt(value.seed, 0, SEED_MAX)) {
    throw new FaultSpecError(source, "$.seed", `expected an integer from 0 to ${SEED_MAX}, got ${JSON.stringify(value.seed)}`);
  }
  if (!Array.isArray(value.faults)) throw new FaultSpecError(source, "$.faults", `expected a list of faults, got ${JSON.stringify(value.faults)}`);
  value.faults.forEach((fault: unknown, i: number) => {
    const path = `$.faults[${i}]`;
    if (!isObject(fault)) throw new FaultSpecError(source, path, `expected an object, got ${JSON.stringify(fault)}`);
    const kind = fault.kind;
    if (typeof kind !== "string" || !Object.hasOwn(FIELDS, kind)) {
      throw new FaultSpecError(source, `${path}.kind`, `expected one of ${Object.keys(FIELDS).join(", ")}, got ${JSON.stringify(kind)}`);
    }
    const fields = FIELDS[kind as FaultKind];
    for (const [key, item] of Object.entries(fault)) {
      if (key === "kind") continue;
      const check = Object.hasOwn(fields, key) ? fields[key] : undefined;
      if (check === undefined) throw new FaultSpecError(source, `${path}.${key}`, `unknown key (valid keys for ${kind}: kind, ${Object.keys(fields).join(", ")})`);
      const problem = check(item);
      if (problem !== null) throw new FaultSpecError(source, `${path}.${key}`, `${problem}, got ${JSON.stringify(item)}`);
    }
    for (const key of REQUIRED[kind as FaultKind]) {
      if (fault[key] === undefined) throw new FaultSpecError(source, `${path}.${key}`, `missing (a ${kind} fault needs ${REQUIRED[kind as FaultKind].join(", ")})`);
    }
  });
  return value as unknown as FaultSpec;
}

/** Parses a fault file's text; `source` (the file's name) is named in errors. Throws FaultSpecError. */
export function parseFaultSpec(text: string, source: string): FaultSpec {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new FaultSpecError(source, "$", `not valid JSON: ${(error as Error).message}`);
  }
  return checkFaultSpec(value, source);
}

/** One injection, as the log line and the trace record it. */
export interface FaultInjection {
  readonly kind: FaultKind;
  /** The index of the fault in the spec. */
  readonly fault: number;
  readonly connection: number;
  readonly api: string;
  readonly version: number;
  readonly correlationId: number;
  /** What was done, in words. */
  readonly detail: string;
}

/** What the layer rejects with to close a connection (a close fault, a lost answer then "close"); the Connection closes with its message as the reason. */
export class InjectedCloseError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "InjectedCloseError";
  }
}

interface RuleState {
  readonly fault: Fault;
  readonly index: number;
  seen: number;
  injected: number;
}

export interface FaultInjectorOptions {
  readonly scheduler: Scheduler;
  /** Told about every injection. */
  readonly onInjection?: (injection: FaultInjection) => void;
  /** Default: SeededRandom(spec.seed ?? 0). */
  readonly random?: Random;
}

const never = new Promise<never>(() => {});

/** The faults of a server: `wrap` puts them between each connection and the handler; `set` replaces them. */
export class FaultInjector {
  readonly #options: FaultInjectorOptions;
  #rules: RuleState[] = [];
  #random: Random;
  /** While the broker is paused: resolves when it resumes. */
  #paused: Promise<void> | null = null;
  #pauseTimer: Timer | null = null;
  #resume: (() => void) | null = null;

  /** `source` names `spec` in a FaultSpecError. */
  constructor(options: FaultInjectorOptions, spec: FaultSpec = { faults: [] }, source = "faults") {
    this.#options = options;
    this.#random = options.random ?? new SeededRandom(0);
    this.set(spec, source);
  }

  /** Replaces the faults (checked first) and restarts their counts and, unless a Random was given, the seeded draws. */
  set(spec: FaultSpec, source = "faults"): void {
    const checked = checkFaultSpec(spec, source);
    this.#rules = checked.faults.map((fault, index) => ({ fault, index, seen: 0, injected: 0 }));
    if (this.#options.random === undefined) this.#random = new SeededRandom(checked.seed ?? 0);
    this.#endPause();
  }

  /** Ends a pause early (the server is closing). */
  stop(): void {
    this.#endPause();
  }

  #endPause(): void {
    this.#pauseTimer?.cancel();
    this.#pauseTimer = null;
    this.#resume?.();
    this.#resume = null;
    this.#paused = null;
  }

  /** The handler for connection number `connection`: `inner` with the faults in front. */
  wrap(inner: RequestHandler, connection: number): RequestHandler {
    let hung = false;
    return {
      unsupported: (request, errorCode) => inner.unsupported(request, errorCode),
      handle: (request) => (hung ? never : this.#handle(inner, connection, request, () => { hung = true; })),
    };
  }

  /** Whether rule `r` hits this request: it matches, its skip and times allow, and the draw says so. */
  #hits(r: RuleState, api: string): boolean {
    const { only, skip = 0, probability = 1 } = r.fault;
    const times = r.fault.times ?? (r.fault.kind === "delay" ? Infinity : 1);
    if (only !== undefined && !only.includes(api)) return false;
    r.seen++;
    if (r.seen <= skip || r.injected >= times) return false;
    if (probability < 1 && this.#random.nextInt(1_000_000) >= probability * 1_000_000) return false;
    r.injected++;
    return true;
  }

  #inject(r: RuleState, connection: number, request: WireRequest, detail: string): void {
    this.#options.onInjection?.({
      kind: r.fault.kind, fault: r.index, connection, api: request.api.name, version: request.header.apiVersion,
      correlationId: request.header.correlationId, detail,
    });
  }

  #pause(forMs: number): void {
    if (this.#paused !== null) return;
    this.#paused = new Promise((resolve) => { this.#resume = resolve; });
    this.#pauseTimer = this.#options.scheduler.setTimer(forMs, () => this.#endPause());
  }

  async #held(): Promise<void> {
    while (this.#paused !== null) await this.#paused;
  }

  async #handle(inner: RequestHandler, connection: number, request: WireRequest, hang: () => void): Promise<object | null> {
    const api = request.api.name;
    let delayMs = 0;
    let lost: LoseAnswerFault | null = null;
    let lostRule: RuleState | null = null;
    for (const r of this.#rules) {
      if (!this.#hits(r, api)) continue;
      const fault = r.fault;
      switch (fault.kind) {
        case "pause":
          this.#inject(r, connection, request, `broker paused for ${fault.forMs} ms: no answers on any connection`);
          this.#pause(fault.forMs);
          break;
        case "close": {
          const detail = "connection closed before the request was applied";
          this.#inject(r, connection, request, detail);
          throw new InjectedCloseError(`fault: ${detail}`);
        }
        case "error": {
          const code = KAFKA_ERROR_CODES[fault.error]!;
          if (api === "Produce" && (request.body as ProduceRequest).acks === 0) {
            // acks=0 gets no answer, not even an error one.
            this.#inject(r, connection, request, `dropped without applying the request (acks=0: no ${fault.error} answer)`);
            return null;
          }
          const answer = errorAnswer(inner, request, code);
          if (answer === null) break;
          this.#inject(r, connection, request, `answered ${fault.error} (${code}) without applying the request`);
          await this.#held();
          return answer;
        }
        case "delay": {
          const [min, max] = fault.delayMs;
          const drawn = min + (max > min ? this.#random.nextInt(max - min + 1) : 0);
          delayMs += drawn;
          this.#inject(r, connection, request, `answer delayed ${drawn} ms`);
          break;
        }
        case "loseAnswer":
          lost = fault;
          lostRule = r;
          // Requests after this one on the connection get no answers either (they would queue behind it).
          if ((fault.then ?? "close") === "hang") hang();
          break;
      }
    }
    await this.#held();
    const answer = await inner.handle(request);
    if (lost !== null && lostRule !== null) {
      const then = lost.then ?? "close";
      const detail = `answer lost after the request was applied; connection ${then === "close" ? "closed" : "left hanging (no more answers)"}`;
      this.#inject(lostRule, connection, request, detail);
      if (then === "close") throw new InjectedCloseError(`fault: ${detail}`);
      return never;
    }
    if (delayMs > 0) await new Promise<void>((resolve) => this.#options.scheduler.setTimer(delayMs, resolve));
    await this.#held();
    return answer;
  }
}

/** An answer to `request` carrying `code` in every error field, or null when the layer cannot build one. */
function errorAnswer(inner: RequestHandler, request: WireRequest, code: number): object | null {
  const v = request.header.apiVersion;
  switch (request.api.name) {
    case "Produce": {
      const body = request.body as ProduceRequest;
      return {
        throttleTimeMs: 0,
        responses: body.topicData.map((topic) => ({
          ...(topic.name === undefined ? {} : { name: topic.name }),
          ...(topic.topicId === undefined ? {} : { topicId: topic.topicId }),
          partitionResponses: topic.partitionData.map(({ index }) => ({
            index, errorCode: code, baseOffset: -1n, logAppendTimeMs: -1n,
            ...(v >= 5 ? { logStartOffset: -1n } : {}),
            ...(v >= 8 ? { recordErrors: [], errorMessage: null } : {}),
          })),
        })),
      } satisfies ProduceResponse;
    }
    case "Fetch": {
      const body = request.body as FetchRequest;
      return {
        throttleTimeMs: 0,
        ...(v >= 7 ? { errorCode: 0, sessionId: 0 } : {}),
        responses: body.topics.map((topic) => ({
          ...(topic.topic === undefined ? {} : { topic: topic.topic }),
          ...(topic.topicId === undefined ? {} : { topicId: topic.topicId }),
          partitions: topic.partitions.map(({ partition }) => ({
            partitionIndex: partition, errorCode: code, highWatermark: -1n, lastStableOffset: -1n,
            ...(v >= 5 ? { logStartOffset: -1n } : {}),
            abortedTransactions: null,
            ...(v >= 11 ? { preferredReadReplica: -1 } : {}),
            records: null,
          })),
        })),
      } satisfies FetchResponse;
    }
    default:
      return inner.unsupported(request, code);
  }
}
