// The simulator's scenarios, by name.

import { crashUnsyncedTail } from "./crash-unsynced-tail.ts";
import { atLeastOnce, atMostOnce, autoCommitNeither, exactlyOnce } from "./delivery.ts";
import { rebalanceStorm } from "./rebalance-storm.ts";
import type { RunResult } from "./run-result.ts";
import { twoGenerals } from "./two-generals.ts";

export type { RunResult } from "./run-result.ts";

export interface Scenario {
  readonly teaches: string;
  run(seed: number): Promise<RunResult[]>;
}

export const SCENARIOS: Readonly<Record<string, Scenario>> = {
  "two-generals": {
    teaches: "lost acknowledgements plus retries duplicate records without idempotence, and never with it",
    run: twoGenerals,
  },
  "at-most-once": {
    teaches: "storing the offset before processing never repeats a record, and a crash can lose one",
    run: async (seed) => [await atMostOnce(seed)],
  },
  "at-least-once": {
    teaches: "processing before storing the offset never loses a record, and a crash can repeat one",
    run: async (seed) => [await atLeastOnce(seed)],
  },
  "auto-commit-neither": {
    teaches: "auto-committing what poll() handed out can both lose and repeat records",
    run: async (seed) => [await autoCommitNeither(seed)],
  },
  "crash-unsynced-tail": {
    teaches: "a single broker that loses power loses the writes it acknowledged but had not synced, unless flush.messages=1",
    run: crashUnsyncedTail,
  },
  "rebalance-storm": {
    teaches: "consumers joining, stalling and leaving never make two members of one generation own a partition",
    run: rebalanceStorm,
  },
  "exactly-once": {
    teaches: "transactions with read_committed put every record in the output exactly once, whatever the crash",
    run: async (seed) => [await exactlyOnce(seed)],
  },
};
