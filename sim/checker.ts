// Checks a history against the log it produced: a pure function with the
// smallest explanation of what went wrong. Acknowledged writes must be in the
// log; nothing may be there twice or without having been sent; one
// process's acknowledged writes keep their order. Sends whose outcome is
// unknown (info) may or may not be there — both are allowed.

import type { HistoryEntry } from "./history.ts";
import { type Anomaly, type CheckerVerdict, entriesWhere } from "./verdict.ts";

/** What checkLog finds; `entries` are the sends of the values concerned. */
export interface LogAnomaly extends Anomaly {
  readonly kind: "lost-acknowledged" | "duplicated" | "unexpected" | "reordered";
  readonly values: readonly string[];
}

/**
 * The anomalies, and the same findings grouped by kind. `valid` is never
 * "unknown": a send with unknown outcome is allowed either way.
 */
export interface Verdict extends CheckerVerdict<LogAnomaly> {
  readonly valid: boolean;
  /** Acknowledged (ok) sends missing from the log. */
  readonly lostAcknowledged: readonly string[];
  /** Values the log holds more than once, with how often. */
  readonly duplicated: readonly { readonly value: string; readonly count: number }[];
  /** Values in the log that no one sent, or whose send certainly failed. */
  readonly unexpected: readonly string[];
  /** Pairs of acknowledged values from one process that the log holds in the other order. */
  readonly reordered: readonly [string, string][];
  /** Sends with unknown outcome, and whether each ended up in the log. */
  readonly indeterminate: readonly { readonly value: string; readonly inLog: boolean }[];
  readonly explanation: readonly string[];
}

/** Checks a history against the log it produced: no acknowledged write lost, nothing twice or unsent, one process's acknowledged writes in order. */
export function checkLog(history: readonly HistoryEntry[], log: readonly string[]): Verdict {
  const counts = new Map<string, number>();
  const firstPosition = new Map<string, number>();
  log.forEach((value, position) => {
    counts.set(value, (counts.get(value) ?? 0) + 1);
    if (!firstPosition.has(value)) firstPosition.set(value, position);
  });
  const invoked = new Set(history.filter((e) => e.type === "invoke").map((e) => e.value));
  const outcomes = history.filter((e) => e.type !== "invoke");
  const ok = outcomes.filter((e) => e.type === "ok");
  const failed = new Set(outcomes.filter((e) => e.type === "fail").map((e) => e.value));

  const lostAcknowledged = ok.filter((e) => !counts.has(e.value)).map((e) => e.value);
  const duplicated = [...counts].filter(([, count]) => count > 1).map(([value, count]) => ({ value, count }));
  const unexpected = [...counts.keys()].filter((value) => !invoked.has(value) || failed.has(value));
  const reordered: [string, string][] = [];
  for (const process of new Set(ok.map((e) => e.process))) {
    const acknowledged = ok.filter((e) => e.process === process && firstPosition.has(e.value));
    for (let i = 1; i < acknowledged.length; i++) {
      const before = acknowledged[i - 1]!.value;
      const after = acknowledged[i]!.value;
      if (firstPosition.get(before)! > firstPosition.get(after)!) reordered.push([before, after]);
    }
  }
  const indeterminate = outcomes.filter((e) => e.type === "info").map((e) => ({ value: e.value, inLog: counts.has(e.value) }));

  const sendsOf = (values: readonly string[], type?: HistoryEntry["type"]) =>
    entriesWhere(history, (e) => values.includes(e.value) && (type === undefined || e.type === type));
  const found: (LogAnomaly & { readonly line: string })[] = [
    ...lostAcknowledged.map((v) => ({
      kind: "lost-acknowledged" as const, values: [v], entries: sendsOf([v]), line: `${v} was acknowledged but is not in the log`,
    })),
    ...duplicated.map(({ value, count }) => ({
      kind: "duplicated" as const, values: [value], entries: sendsOf([value]), line: `${value} is in the log ${count} times`,
    })),
    ...unexpected.map((v) => ({
      kind: "unexpected" as const, values: [v], entries: sendsOf([v]), line: `${v} is in the log but was ${invoked.has(v) ? "refused" : "never sent"}`,
    })),
    ...reordered.map(([a, b]) => ({
      kind: "reordered" as const, values: [a, b], entries: sendsOf([a, b], "ok"), line: `${b} was acknowledged after ${a} but comes before it in the log`,
    })),
  ];
  const anomalies = found.map(({ line: _line, ...anomaly }) => anomaly);
  const explanation = found.map((anomaly) => anomaly.line);
  return {
    valid: explanation.length === 0, anomalies, lostAcknowledged, duplicated, unexpected, reordered, indeterminate, explanation,
  };
}
