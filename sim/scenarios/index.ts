// The simulator's scenarios, by name, with the schedule sections each one reads.

import type { Schedule, ScheduleSection } from "../schedule.ts";
import { consumerCrash } from "./consumer-crash.ts";
import { crashUnsyncedTail } from "./crash-unsynced-tail.ts";
import { atLeastOnce, atMostOnce, atMostOnceAsWritten, autoCommitNeither, exactlyOnce } from "./delivery.ts";
import { fsyncFailure } from "./fsync-failure.ts";
import { partitionHeal } from "./partition-heal.ts";
import { readCommitted } from "./read-committed.ts";
import { rebalanceStorm } from "./rebalance-storm.ts";
import type { RunResult } from "./run-result.ts";
import { twoGenerals } from "./two-generals.ts";

export type { RunResult } from "./run-result.ts";

/** A built-in scenario: what it teaches, what of a schedule it reads, and how to run it. */
export interface Scenario {
  readonly teaches: string;
  /** The parts of a schedule this scenario reads; it ignores the others. */
  readonly uses: readonly ScheduleSection[];
  /** The clients whose links a schedule's `links` may name. */
  readonly linkClients: readonly string[];
  run(seed: number, schedule?: Schedule): Promise<RunResult[]>;
}

/** The built-in scenarios, by the name `loglab sim NAME` takes. */
export const SCENARIOS: Readonly<Record<string, Scenario>> = {
  "two-generals": {
    teaches: "lost acknowledgements plus retries duplicate records without idempotence, and never with it",
    uses: ["links"],
    linkClients: ["producer"],
    run: twoGenerals,
  },
  "partition-heal": {
    teaches: "a partition that heals and reordered messages duplicate records through retries without idempotence, and never with it",
    uses: ["links"],
    linkClients: ["producer"],
    run: partitionHeal,
  },
  "at-most-once": {
    teaches: "storing the offset before processing never repeats a record, and a crash can lose one",
    uses: [],
    linkClients: [],
    run: async (seed) => [await atMostOnce(seed)],
  },
  "at-most-once-as-written": {
    teaches: "storing an offset is not committing it: the talk's at-most-once loop, whose stored offsets the 100 ms auto-commit timer commits, repeats a record when the crash comes before the tick; committing before processing never does",
    uses: [],
    linkClients: [],
    run: atMostOnceAsWritten,
  },
  "at-least-once": {
    teaches: "processing before storing the offset never loses a record, and a crash can repeat one",
    uses: [],
    linkClients: [],
    run: async (seed) => [await atLeastOnce(seed)],
  },
  "auto-commit-neither": {
    teaches: "auto-committing what poll() handed out can both lose and repeat records",
    uses: [],
    linkClients: [],
    run: async (seed) => [await autoCommitNeither(seed)],
  },
  "consumer-crash": {
    teaches: "a group member dying at a random time and a new process rejoining: at-most-once never repeats, at-least-once never loses",
    uses: ["links", "consumer"],
    // consumer-1's faults apply to each incarnation of it, the restarted one too.
    linkClients: ["consumer-1", "consumer-2"],
    run: consumerCrash,
  },
  "crash-unsynced-tail": {
    teaches: "a single broker that loses power loses the writes it acknowledged but had not synced, unless flush.messages=1",
    uses: ["links", "broker"],
    linkClients: ["producer"],
    run: crashUnsyncedTail,
  },
  "fsync-failure": {
    teaches: "after a failed fsync the log goes offline and the broker restarts: no acknowledged write is lost",
    uses: ["links", "fsync", "broker"],
    linkClients: ["producer"],
    run: fsyncFailure,
  },
  "rebalance-storm": {
    teaches: "consumers joining, stalling, leaving and crashing, and forced rebalances, never make two members of one generation own a partition",
    uses: [],
    linkClients: [],
    run: rebalanceStorm,
  },
  "read-committed": {
    teaches: "read_committed readers see every committed transaction and nothing of aborted or abandoned ones; read_uncommitted readers see both",
    uses: ["links"],
    // The writer's faults apply to each incarnation of it, the zombie and its successor.
    linkClients: ["writer"],
    run: readCommitted,
  },
  "exactly-once": {
    teaches: "transactions with read_committed put every record in the output exactly once, whatever the crash",
    uses: [],
    linkClients: [],
    run: async (seed) => [await exactlyOnce(seed)],
  },
};
