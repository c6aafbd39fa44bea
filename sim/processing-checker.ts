// Checks a history of consumer processing steps against the records that
// were there to process: a pure function. A record is delivered each time a
// processing step on it begins (invoke) and processed when that step
// completes (ok); a step whose process died midway was delivered but did
// not complete.

import type { HistoryEntry } from "./history.ts";
import { type Anomaly, type CheckerVerdict, entriesWhere } from "./verdict.ts";

/** What checkProcessing finds; `entries` are the record's processing steps (none for a record never delivered). */
export interface ProcessingAnomaly extends Anomaly {
  readonly kind: "delivered-twice" | "never-delivered" | "never-completed";
  readonly value: string;
}

/**
 * The anomalies, and the same findings grouped by kind. `valid` means each
 * record was processed exactly once; which anomalies break a delivery
 * guarantee is the caller's to say (at-most-once allows never-completed).
 */
export interface ProcessingVerdict extends CheckerVerdict<ProcessingAnomaly> {
  /** How often each record was handed to the processing step, in the order of `records`. */
  readonly deliveries: ReadonlyMap<string, number>;
  /** How often the processing step completed on each record. */
  readonly completions: ReadonlyMap<string, number>;
  /** Records handed to the processing step more than once, with how often. */
  readonly deliveredTwice: readonly { readonly value: string; readonly times: number }[];
  /** Records never handed to the processing step. */
  readonly neverDelivered: readonly string[];
  /** Records handed to the processing step whose processing never completed (its process died midway). */
  readonly neverCompleted: readonly string[];
  readonly explanation: readonly string[];
}

function count(steps: readonly HistoryEntry[], records: readonly string[], type: HistoryEntry["type"]): Map<string, number> {
  const times = new Map<string, number>(records.map((value) => [value, 0]));
  for (const entry of steps) if (entry.type === type) times.set(entry.value, (times.get(entry.value) ?? 0) + 1);
  return times;
}

export function checkProcessing(history: readonly HistoryEntry[], records: readonly string[]): ProcessingVerdict {
  const steps = history.filter((e) => e.op === "process");
  const deliveries = count(steps, records, "invoke");
  const completions = count(steps, records, "ok");
  const deliveredTwice = [...deliveries].filter(([, n]) => n > 1).map(([value, times]) => ({ value, times }));
  const neverDelivered = [...deliveries].filter(([, n]) => n === 0).map(([value]) => value);
  const neverCompleted = [...deliveries].filter(([value, n]) => n > 0 && completions.get(value) === 0).map(([value]) => value);
  const stepsOf = (value: string) => entriesWhere(history, (e) => e.op === "process" && e.value === value);
  const found: (ProcessingAnomaly & { readonly line: string })[] = [
    ...deliveredTwice.map(({ value, times }) => ({
      kind: "delivered-twice" as const, value, entries: stepsOf(value), line: `${value} was delivered to the processing step ${times} times`,
    })),
    ...neverDelivered.map((value) => ({
      kind: "never-delivered" as const, value, entries: stepsOf(value), line: `${value} was never delivered to the processing step`,
    })),
    ...neverCompleted.map((value) => ({
      kind: "never-completed" as const, value, entries: stepsOf(value), line: `${value} was delivered, but its processing never completed`,
    })),
  ];
  return {
    valid: found.length === 0,
    anomalies: found.map(({ line: _line, ...anomaly }) => anomaly),
    deliveries, completions, deliveredTwice, neverDelivered, neverCompleted,
    explanation: found.map((anomaly) => anomaly.line),
  };
}
