// A run's history, as Jepsen records one: each client operation is invoked
// and then completes as ok, fail (it certainly did not happen) or info (its
// outcome is unknown: the request or its answer may have been lost). An
// operation whose process died before it completed has no completion.

/** How an operation ended: ok (it happened), fail (it certainly did not), info (unknown). */
export type Outcome = "ok" | "fail" | "info";

/**
 * "send": a producer sends a value to the log; "process": a consumer's
 * processing step handles a record; "commit" / "abort": a producer ends the
 * transaction its sends named in their detail; "assign": a rebalance handed a
 * consumer a partition (the value) in a generation (the detail).
 */
export type Operation = "send" | "process" | "commit" | "abort" | "assign";

/**
 * What a simulated run adds to the scenarios' operations: "read", a value a
 * read_committed reader found in the log at the end (its detail the
 * topic-partition@offset); "crash", a process dying at a step (the value);
 * and any kind a user's program records itself, such as "processed".
 */
export type EntryKind = Operation | "read" | "crash" | (string & {});

/** One line of a history: an invocation or a completion of an operation by a process, at a virtual time. */
export interface HistoryEntry {
  readonly process: string;
  readonly type: "invoke" | Outcome;
  readonly op: EntryKind;
  readonly value: string;
  readonly atMs: number;
  readonly detail?: string;
}

/** A run's history, appended to as operations are invoked and complete. */
export class History {
  readonly entries: HistoryEntry[] = [];

  constructor(private readonly now: () => number) {}

  invoke(process: string, op: Operation, value: string): void {
    this.entries.push({ process, type: "invoke", op, value, atMs: this.now() });
  }

  /** An outcome the process learned without asking: a rebalance's assignment. */
  observe(process: string, op: Operation, value: string, detail: string): void {
    this.complete(process, op, value, "ok", detail);
  }

  /** An entry a program records itself: it happened (ok), with no invocation before it. */
  note(process: string, op: EntryKind, value: string, detail?: string): void {
    this.complete(process, op, value, "ok", detail);
  }

  complete(process: string, op: EntryKind, value: string, outcome: Outcome, detail?: string): void {
    this.entries.push({ process, type: outcome, op, value, atMs: this.now(), ...(detail === undefined ? {} : { detail }) });
  }
}
