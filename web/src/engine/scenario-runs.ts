// What the scenarios lesson sends to its worker and gets back, and how it
// reads a trace file written by `loglab sim … --trace FILE`: both are the
// simulator's RunResult[], so a run made here and one made in a terminal
// look the same on the page.

import type { RunResult } from "../../../sim/index.ts";

export type { RunResult } from "../../../sim/index.ts";

export interface ScenarioRequest {
  readonly scenario: string;
  readonly seed: number;
}

export type ScenarioMessage =
  | { readonly type: "done"; readonly runs: readonly RunResult[]; readonly elapsedMs: number }
  | { readonly type: "error"; readonly message: string };

/** Reads a trace file: a JSON array of runs, each with a label, a verdict and a trace. Throws with what is wrong. */
export function parseTraceFile(text: string): RunResult[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(`not JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(data)) throw new Error("expected a JSON array of runs, as `loglab sim NAME --trace FILE` writes");
  data.forEach((run: unknown, i) => {
    const r = run as Partial<RunResult> | null;
    const problem =
      typeof r !== "object" || r === null ? "is not an object"
      : typeof r.label !== "string" ? "has no label"
      : typeof r.promised !== "boolean" ? "has no promised flag"
      : !Array.isArray(r.violations) || !Array.isArray(r.notes) ? "has no violations or notes"
      : !Array.isArray(r.trace) ? "has no trace"
      : null;
    if (problem !== null) throw new Error(`run ${i} ${problem}`);
  });
  return data as RunResult[];
}
