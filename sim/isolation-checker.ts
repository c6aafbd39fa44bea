// Checks what a reader saw against the transactions that wrote it: a pure
// function of the history and the values read. Under read_committed a reader
// must see every value of each committed transaction and nothing of one
// that aborted or never finished; each value at most once.

import type { HistoryEntry } from "./history.ts";

export interface IsolationVerdict {
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
  return {
    uncommittedRead, committedMissing, readTwice,
    explanation: [
      ...uncommittedRead.map(({ value, transaction }) => `${value} was read, but its transaction ${transaction} ${fate(transaction)}`),
      ...committedMissing.map((value) => `${value} was committed in ${transactionOf.get(value)} but never read`),
      ...readTwice.map((value) => `${value} was read more than once`),
    ],
  };
}
