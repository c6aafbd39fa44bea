// Schedule files: JSON that names the faults of a run — link faults per
// client, partitions, fsync failures, crash times — overriding a scenario's
// defaults. The parser checks every key and value and, when one is wrong,
// says which, and lists the valid keys with their types.

import type { BrokerTransport } from "../src/index.ts";
import type { FsyncFaults } from "./disk.ts";
import { LINK_METHODS, type LinkFaults } from "./network.ts";

export interface BrokerCrashSchedule {
  /** crash-unsynced-tail: the power goes after this send (counting from 0). */
  readonly crashAfterSend?: number;
  /** fsync-failure: virtual ms from the failed fsync to the restart. */
  readonly restartAfterMs?: number;
  /** fsync-failure: whether the restart follows a power loss (true) or only the process halting (false). */
  readonly powerLoss?: boolean;
}

export interface ConsumerCrashSchedule {
  /** Virtual ms (since the run began) when the first consumer process dies. */
  readonly crashAtMs?: number;
  /** Virtual ms from the crash to the new process starting. */
  readonly restartAfterMs?: number;
}

/** A schedule file: the faults of a run, overriding a scenario's defaults. */
export interface Schedule {
  /** Faults of each client's link, by client name (e.g. "producer", "consumer-1"). */
  readonly links?: Readonly<Record<string, LinkFaults>>;
  readonly fsync?: FsyncFaults;
  readonly broker?: BrokerCrashSchedule;
  readonly consumer?: ConsumerCrashSchedule;
}

/** A top-level key of a schedule. */
export type ScheduleSection = keyof Schedule;

/** A schedule file that is not JSON or breaks the schema; the message names the key and lists the valid ones. */
export class ScheduleError extends Error {
  constructor(problem: string) {
    super(`${problem}\n\n${SCHEDULE_HELP}`);
    this.name = "ScheduleError";
  }
}

/** Each key's type as the help shows it, and its check: null when fine, else what is wrong. */
type Field = readonly [type: string, check: (value: unknown) => string | null];

/** The bound on any time or count in a schedule: a day of virtual time. */
const SCHEDULE_MS_MAX = 24 * 60 * 60 * 1000;

const isInt = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= SCHEDULE_MS_MAX;
const probability: Field = ["number from 0 to 1", (v) => (typeof v === "number" && v >= 0 && v <= 1 ? null : "expected a probability from 0 to 1")];
const milliseconds: Field = ["integer ms", (v) => (isInt(v) ? null : `expected an integer from 0 to ${SCHEDULE_MS_MAX}`)];
const positiveCount: Field = ["integer >= 1", (v) => (isInt(v) && v >= 1 ? null : "expected an integer >= 1")];
const boolean: Field = ["boolean", (v) => (typeof v === "boolean" ? null : "expected true or false")];
const text: Field = ["string", (v) => (typeof v === "string" ? null : "expected a string")];
const range: Field = ["[min, max] integer ms", (v) =>
  Array.isArray(v) && v.length === 2 && isInt(v[0]) && isInt(v[1]) && v[0] <= v[1] ? null : `expected [min, max] with 0 <= min <= max <= ${SCHEDULE_MS_MAX}`];
const listOf = (type: string, item: (v: unknown) => boolean, wanted: string): Field =>
  [type, (v) => (Array.isArray(v) && v.every(item) ? null : `expected ${wanted}`)];
const window = (v: unknown) => {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const { startMs, endMs, ...rest } = v as Record<string, unknown>;
  return Object.keys(rest).length === 0 && isInt(startMs) && isInt(endMs) && startMs < endMs;
};

const LINK_FIELDS: Readonly<Record<keyof LinkFaults, Field>> = {
  loseRequest: probability,
  loseAnswer: probability,
  duplicateRequest: probability,
  reorder: probability,
  delayMs: range,
  reorderDelayMs: range,
  partitions: listOf("[{ startMs, endMs }, …] integer ms", window, "a list of { startMs, endMs } with integer ms and startMs < endMs"),
  healAtMs: milliseconds,
  only: listOf(`[request type, …] of ${LINK_METHODS.join(", ")}`, (v) => LINK_METHODS.includes(v as keyof BrokerTransport), `a list of request types (${LINK_METHODS.join(", ")})`),
};
const FSYNC_FIELDS: Readonly<Record<keyof FsyncFaults, Field>> = {
  probability,
  atSyncs: listOf("[integer >= 1, …]", (v) => positiveCount[1](v) === null, "a list of integers >= 1 (which fsyncs fail, counting from 1)"),
  fileSuffix: text,
};
const BROKER_FIELDS: Readonly<Record<keyof BrokerCrashSchedule, Field>> = { crashAfterSend: milliseconds, restartAfterMs: milliseconds, powerLoss: boolean };
const CONSUMER_FIELDS: Readonly<Record<keyof ConsumerCrashSchedule, Field>> = { crashAtMs: milliseconds, restartAfterMs: milliseconds };

const describe = (fields: Readonly<Record<string, Field>>, indent: string) =>
  Object.entries(fields).map(([key, [type]]) => `${indent}${key}: ${type}`).join("\n");

export const SCHEDULE_HELP = [
  "A schedule is a JSON object; every key is optional:",
  "  links: { CLIENT: {…} } — faults of each client's link, by client name",
  describe(LINK_FIELDS, "    "),
  "  fsync: {…} — fsync failures of the broker's disk",
  describe(FSYNC_FIELDS, "    "),
  "  broker: {…} — when the broker loses power or restarts",
  describe(BROKER_FIELDS, "    "),
  "  consumer: {…} — when a consumer process dies and its successor starts",
  describe(CONSUMER_FIELDS, "    "),
].join("\n");

function checkObject(value: unknown, path: string, fields: Readonly<Record<string, Field>>): void {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new ScheduleError(`${path}: expected an object, got ${JSON.stringify(value)}`);
  for (const [key, item] of Object.entries(value)) {
    const field = Object.hasOwn(fields, key) ? fields[key] : undefined;
    if (field === undefined) throw new ScheduleError(`${path}.${key}: unknown key (valid keys here: ${Object.keys(fields).join(", ")})`);
    const problem = field[1](item);
    if (problem !== null) throw new ScheduleError(`${path}.${key}: ${problem}, got ${JSON.stringify(item)}`);
  }
}

/** Parses and checks a schedule file's text. Throws ScheduleError. */
export function parseSchedule(textOfFile: string): Schedule {
  let value: unknown;
  try {
    value = JSON.parse(textOfFile);
  } catch (error) {
    throw new ScheduleError(`the schedule is not valid JSON: ${(error as Error).message}`);
  }
  const sections: Readonly<Record<ScheduleSection, (v: unknown, path: string) => void>> = {
    links: (v, path) => {
      if (typeof v !== "object" || v === null || Array.isArray(v)) throw new ScheduleError(`${path}: expected an object of client names, got ${JSON.stringify(v)}`);
      for (const [client, faults] of Object.entries(v)) checkObject(faults, `${path}.${client}`, LINK_FIELDS);
    },
    fsync: (v, path) => checkObject(v, path, FSYNC_FIELDS),
    broker: (v, path) => checkObject(v, path, BROKER_FIELDS),
    consumer: (v, path) => checkObject(v, path, CONSUMER_FIELDS),
  };
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new ScheduleError(`the schedule must be a JSON object, got ${JSON.stringify(value)}`);
  for (const [key, section] of Object.entries(value)) {
    const check = Object.hasOwn(sections, key) ? sections[key as ScheduleSection] : undefined;
    if (check === undefined) throw new ScheduleError(`schedule.${key}: unknown key (valid keys: ${Object.keys(sections).join(", ")})`);
    check(section, `schedule.${key}`);
  }
  return value as Schedule;
}

/** A client's link faults: the scenario's defaults, overridden key by key by the schedule's. */
export function linkFaults(schedule: Schedule, client: string, defaults: LinkFaults): LinkFaults {
  return { ...defaults, ...schedule.links?.[client] };
}
