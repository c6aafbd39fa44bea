// A run's history, as Jepsen records one: each client operation is invoked
// and then completes as ok, fail (it certainly did not happen) or info (its
// outcome is unknown: the request or its answer may have been lost).

export type Outcome = "ok" | "fail" | "info";

export interface HistoryEntry {
  readonly process: string;
  readonly type: "invoke" | Outcome;
  /** What the process did: "send" a value to the log. */
  readonly op: "send";
  readonly value: string;
  readonly atMs: number;
  readonly detail?: string;
}

export class History {
  readonly entries: HistoryEntry[] = [];

  constructor(private readonly now: () => number) {}

  invoke(process: string, op: "send", value: string): void {
    this.entries.push({ process, type: "invoke", op, value, atMs: this.now() });
  }

  complete(process: string, op: "send", value: string, outcome: Outcome, detail?: string): void {
    this.entries.push({ process, type: outcome, op, value, atMs: this.now(), ...(detail === undefined ? {} : { detail }) });
  }
}
