// The checks a user composes over a simulated run's history: pure functions
// from the history to one verdict shape, thin adapters over the checkers the
// scenarios use. Any `(history) => verdict` is a check too.

import { checkLog } from "./checker.ts";
import type { EntryKind, HistoryEntry } from "./history.ts";
import { checkIsolation } from "./isolation-checker.ts";
import { checkOwnership } from "./ownership-checker.ts";
import { checkProcessing } from "./processing-checker.ts";
import { type Anomaly, type CheckerVerdict, entriesWhere } from "./verdict.ts";

/** What every check returns: `valid` true, false or "unknown", the anomalies with the history entries that show them, one line each. */
type Verdict = CheckerVerdict<Anomaly>;

/** A history with, for each of its entries, the index of the entry it came from in the full history. */
interface Projection {
  readonly entries: HistoryEntry[];
  readonly origin: number[];
}

function project(history: readonly HistoryEntry[], keep: (entry: HistoryEntry) => readonly HistoryEntry[]): Projection {
  const entries: HistoryEntry[] = [];
  const origin: number[] = [];
  history.forEach((entry, index) => {
    for (const kept of keep(entry)) {
      entries.push(kept);
      origin.push(index);
    }
  });
  return { entries, origin };
}

/** Keeps the anomalies `wanted` picks (and their lines), their entries pointing into the full history. */
function narrow<A extends Anomaly>(verdict: CheckerVerdict<A>, projection: Projection | null, wanted: (anomaly: A) => boolean, spoken: boolean): Verdict {
  const anomalies: Anomaly[] = [];
  const explanation: string[] = [];
  verdict.anomalies.forEach((anomaly, i) => {
    if (!wanted(anomaly)) return;
    const entries = projection === null ? anomaly.entries : [...new Set(anomaly.entries.map((e) => projection.origin[e]!))];
    anomalies.push({ ...anomaly, entries });
    explanation.push(verdict.explanation[i]!);
  });
  return { valid: anomalies.length > 0 ? false : spoken ? true : "unknown", anomalies, explanation };
}

/** Transactions a simulated producer ran, by the name its sends carry in their detail. */
const TRANSACTION_NAME = /\/txn-\d+$/;

/** The sends that should be in the log (not those of a transaction that never committed), and the log a read_committed reader found. */
function sendsAndLog(history: readonly HistoryEntry[]): { projection: Projection; log: string[]; acknowledged: boolean } {
  const committed = new Set(history.filter((e) => e.op === "commit" && e.type === "ok").map((e) => e.value));
  const transactionOf = new Map<string, string>();
  for (const e of history) if (e.op === "send" && e.type !== "invoke" && e.detail !== undefined && TRANSACTION_NAME.test(e.detail)) transactionOf.set(e.value, e.detail);
  const projection = project(history, (e) => (e.op === "send" && !(transactionOf.has(e.value) && !committed.has(transactionOf.get(e.value)!)) ? [e] : []));
  const log = history.filter((e) => e.op === "read").map((e) => e.value);
  return { projection, log, acknowledged: projection.entries.some((e) => e.type === "ok") };
}

/** Every acknowledged send (outside a transaction that never committed) is in the log at the end. */
export function noLostWrites(history: readonly HistoryEntry[]): Verdict {
  const { projection, log, acknowledged } = sendsAndLog(history);
  return narrow(checkLog(projection.entries, log), projection, (a) => a.kind === "lost-acknowledged", acknowledged);
}

/** No value is in the log twice. */
export function noDuplicates(history: readonly HistoryEntry[]): Verdict {
  const { projection, log } = sendsAndLog(history);
  return narrow(checkLog(projection.entries, log), projection, (a) => a.kind === "duplicated", log.length > 0);
}

/** No value is in the log that no one sent, or whose send certainly failed (a refused write must not appear). */
export function noUnsentWrites(history: readonly HistoryEntry[]): Verdict {
  const { projection, log } = sendsAndLog(history);
  return narrow(checkLog(projection.entries, log), projection, (a) => a.kind === "unexpected", log.length > 0);
}

/** One process's acknowledged sends to a partition are in that partition in the order they were acknowledged. */
export function partitionOrder(history: readonly HistoryEntry[]): Verdict {
  const partitionOf = (detail: string | undefined) => detail?.replace(/@\d+$/, "");
  const partitions = new Set(history.filter((e) => e.op === "read").map((e) => partitionOf(e.detail)!));
  const anomalies: Anomaly[] = [];
  const explanation: string[] = [];
  let spoken = false;
  for (const partition of partitions) {
    const values = new Set(history.filter((e) => e.op === "send" && e.type === "ok" && partitionOf(e.detail) === partition).map((e) => e.value));
    const projection = project(history, (e) => (e.op === "send" && values.has(e.value) ? [e] : []));
    const log = history.filter((e) => e.op === "read" && partitionOf(e.detail) === partition).map((e) => e.value);
    spoken ||= values.size > 1;
    const found = narrow(checkLog(projection.entries, log), projection, (a) => a.kind === "reordered", true);
    anomalies.push(...found.anomalies);
    explanation.push(...found.explanation.map((line) => `${partition}: ${line}`));
  }
  return { valid: anomalies.length > 0 ? false : spoken ? true : "unknown", anomalies, explanation };
}

/** What a processing check counts: the entries a program records when it has processed an input. */
export interface ProcessingCheckOptions {
  /** The kind the program passes to `record(kind, value)` (default "processed"). */
  readonly kind?: EntryKind;
}

/** The processing entries as the processing checker reads them: each recorded one is a step that began and completed. */
function processing(history: readonly HistoryEntry[], inputs: readonly string[], options: ProcessingCheckOptions) {
  const kind = options.kind ?? "processed";
  const projection = project(history, (e) => {
    if (e.op !== kind) return [];
    if (kind === "process") return [e];
    if (e.type !== "ok") return [];
    return [{ ...e, op: "process", type: "invoke" }, { ...e, op: "process" }];
  });
  const verdict = checkProcessing(projection.entries, inputs);
  if (kind === "process") return { projection, verdict };
  // In the words of the entries the program recorded: it records a record once it is done with it.
  const explanation = verdict.anomalies.map((anomaly) => anomaly.kind === "delivered-twice"
    ? `${anomaly.value} was ${kind} ${verdict.completions.get(anomaly.value)} times`
    : `${anomaly.value} was never ${kind}`);
  return { projection, verdict: { ...verdict, explanation } };
}

/** Every input was processed at least once (recorded with `record(kind, value)`): none is lost. */
export function atLeastOnce(inputs: readonly string[], options: ProcessingCheckOptions = {}): (history: readonly HistoryEntry[]) => Verdict {
  return (history) => {
    const { projection, verdict } = processing(history, inputs, options);
    const lost = narrow(verdict, projection, (a) => a.kind === "never-delivered" || a.kind === "never-completed", inputs.length > 0);
    return { ...lost, anomalies: lost.anomalies.map((anomaly) => withEvidence(history, anomaly)) };
  };
}

/**
 * A record never processed has no processing entry to show: its anomaly
 * points at where it was written (the inputs' send) and at the crashes.
 */
function withEvidence(history: readonly HistoryEntry[], anomaly: Anomaly): Anomaly {
  if (anomaly.entries.length > 0) return anomaly;
  const value = (anomaly as Anomaly & { readonly value?: string }).value;
  return { ...anomaly, entries: entriesWhere(history, (e) => (e.op === "send" && e.value === value) || e.op === "crash") };
}

/** No input was processed twice. */
export function atMostOnce(inputs: readonly string[], options: ProcessingCheckOptions = {}): (history: readonly HistoryEntry[]) => Verdict {
  return (history) => {
    const { projection, verdict } = processing(history, inputs, options);
    return narrow(verdict, projection, (a) => a.kind === "delivered-twice", inputs.length > 0);
  };
}

/** Every input was processed exactly once. */
export function exactlyOnce(inputs: readonly string[], options: ProcessingCheckOptions = {}): (history: readonly HistoryEntry[]) => Verdict {
  return (history) => {
    const { projection, verdict } = processing(history, inputs, options);
    return narrow(verdict, projection, () => true, inputs.length > 0);
  };
}

/** The log's read_committed view holds every value of each committed transaction, once, and nothing of the others. */
export function readCommitted(history: readonly HistoryEntry[]): Verdict {
  const projection = project(history, (e) => {
    if (e.op === "send") return e.type === "invoke" || (e.detail !== undefined && TRANSACTION_NAME.test(e.detail)) ? [e] : [];
    return e.op === "commit" || e.op === "abort" ? [e] : [];
  });
  const transactional = new Set(projection.entries.filter((e) => e.op === "send" && e.type !== "invoke").map((e) => e.value));
  const entries = project(projection.entries, (e) => (e.op !== "send" || transactional.has(e.value) ? [e] : []));
  const composed: Projection = { entries: entries.entries, origin: entries.origin.map((i) => projection.origin[i]!) };
  const read = history.filter((e) => e.op === "read").map((e) => e.value);
  const verdict = checkIsolation(composed.entries, read);
  return narrow(verdict, composed, () => true, verdict.valid !== "unknown");
}

/** Within one generation of a group, no partition was assigned to two consumers. */
export function onePartitionOwner(history: readonly HistoryEntry[]): Verdict {
  const verdict = checkOwnership(history);
  return narrow(verdict, null, () => true, verdict.valid !== "unknown");
}
