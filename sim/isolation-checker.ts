// Checks what a reader saw against the transactions that wrote it: a pure
// function of the history and the values read. Under read_committed a reader
// must see every value of each committed transaction and nothing of one
// that aborted or never finished; each value at most once.

import type { HistoryEntry } from "./history.ts";
import { type Anomaly, type CheckerVerdict, entriesWhere } from "./verdict.ts";

/** What checkIsolation finds; `entries` are the value's sends and its transaction's commit or abort. */
export interface IsolationAnomaly extends Anomaly {
  readonly kind: "uncommitted-read" | "committed-missing" | "read-twice";
  readonly value: string;
  readonly transaction: string | null;
}

/** The anomalies, and the same findings grouped by kind; "unknown" when the history holds no transactional send. */
export interface IsolationVerdict extends CheckerVerdict<IsolationAnomaly> {
  /** Values read that belong to a transaction that aborted or never committed, with that transaction. */
  readonly uncommittedRead: readonly { readonly value: string; readonly transaction: string }[];
  /** Values of committed transactions the reader never saw. */
  readonly committedMissing: readonly string[];
  readonly readTwice: readonly string[];
  readonly explanation: readonly string[];
}

export function checkIsolation(history: readonly HistoryEntry[], read: readonly string[]): IsolationVerdict {
  // A transactional send names its transaction in its completion's detail.
  const transactionOf = new Map<string, string>();
  for (const entry of history) if (entry.op === "send" && entry.type !== "invoke" && entry.detail !== undefined) transactionOf.set(entry.value, entry.detail);
  const committed = new Set(history.filter((e) => e.op === "commit" && e.type === "ok").map((e) => e.value));
  const fate = (transaction: string) => {
    if (committed.has(transaction)) return "committed";
    return history.some((e) => e.op === "abort" && e.value === transaction && e.type === "ok") ? "aborted" : "never committed";
  };
  const seen = new Map<string, number>();
  for (const value of read) seen.set(value, (seen.get(value) ?? 0) + 1);

  const uncommittedRead = [...seen.keys()]
    .filter((value) => transactionOf.has(value) && !committed.has(transactionOf.get(value)!))
    .map((value) => ({ value, transaction: transactionOf.get(value)! }));
  const committedMissing = [...transactionOf].filter(([value, transaction]) => committed.has(transaction) && !seen.has(value)).map(([value]) => value);
  const readTwice = [...seen].filter(([, times]) => times > 1).map(([value]) => value);
  const shownBy = (value: string, transaction: string | null) => entriesWhere(history, (e) =>
    (e.op === "send" && e.value === value) || (transaction !== null && (e.op === "commit" || e.op === "abort") && e.value === transaction));
  const found: (IsolationAnomaly & { readonly line: string })[] = [
    ...uncommittedRead.map(({ value, transaction }) => ({
      kind: "uncommitted-read" as const, value, transaction, entries: shownBy(value, transaction),
      line: `${value} was read, but its transaction ${transaction} ${fate(transaction)}`,
    })),
    ...committedMissing.map((value) => ({
      kind: "committed-missing" as const, value, transaction: transactionOf.get(value)!, entries: shownBy(value, transactionOf.get(value)!),
      line: `${value} was committed in ${transactionOf.get(value)} but never read`,
    })),
    ...readTwice.map((value) => ({
      kind: "read-twice" as const, value, transaction: transactionOf.get(value) ?? null, entries: shownBy(value, null),
      line: `${value} was read more than once`,
    })),
  ];
  return {
    valid: found.length > 0 ? false : transactionOf.size === 0 ? "unknown" : true,
    anomalies: found.map(({ line: _line, ...anomaly }) => anomaly),
    uncommittedRead, committedMissing, readTwice,
    explanation: found.map((anomaly) => anomaly.line),
  };
}
