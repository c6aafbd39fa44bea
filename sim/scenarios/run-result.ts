// What one configuration of a scenario found.

import type { HistoryEntry } from "../history.ts";
import type { TraceEvent } from "../world.ts";

/** What one configuration of a scenario found: its verdict, notes, trace and history. */
export interface RunResult {
  readonly label: string;
  /** Whether this configuration promises that `violations` stays empty. */
  readonly promised: boolean;
  /** What broke the property the scenario checks, smallest explanation first. */
  readonly violations: readonly string[];
  /** What happened that the property allows. */
  readonly notes: readonly string[];
  readonly trace: readonly TraceEvent[];
  readonly history: readonly HistoryEntry[];
}
