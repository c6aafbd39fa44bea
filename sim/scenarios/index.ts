// The simulator's scenarios, by name.

import { type RunResult, twoGenerals } from "./two-generals.ts";

export type { RunResult } from "./two-generals.ts";

export interface Scenario {
  readonly teaches: string;
  run(seed: number): Promise<RunResult[]>;
}

export const SCENARIOS: Readonly<Record<string, Scenario>> = {
  "two-generals": {
    teaches: "lost acknowledgements plus retries duplicate records without idempotence, and never with it",
    run: twoGenerals,
  },
};
