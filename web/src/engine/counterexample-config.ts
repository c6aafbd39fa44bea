// What the counterexample search is about, without fast-check (so the page
// can name configurations and schedules without loading it): the producer
// configurations, the shape of a schedule, and the worker's messages.

import type { TwoGeneralsOptions } from "./two-generals-lab.ts";

export type ConfigName = "retries" | "idempotent" | "no-retries";

export interface SearchConfig {
  readonly label: string;
  readonly retries: boolean;
  readonly idempotent: boolean;
  /** What the checker's property should find for it. */
  readonly expectation: string;
}

export const SEARCH_CONFIGS: Readonly<Record<ConfigName, SearchConfig>> = {
  retries: {
    label: "retries, no idempotence", retries: true, idempotent: false,
    expectation: "weak: a lost acknowledgement plus a retry writes a value twice",
  },
  "no-retries": {
    label: "no retries (retries=0)", retries: false, idempotent: false,
    expectation: "never writes twice, but gives up on a value whose answer is lost (an unknown outcome the property allows)",
  },
  idempotent: {
    label: "retries with idempotence", retries: true, idempotent: true,
    expectation: "promises no duplicates and no lost acknowledged value",
  },
};

export const CONFIG_NAMES = Object.keys(SEARCH_CONFIGS) as ConfigName[];

export function isConfigName(name: string | null): name is ConfigName {
  return name !== null && name in SEARCH_CONFIGS;
}

/** One fault schedule: the world's seed, how many values, how often requests and answers are lost. */
export interface Schedule {
  readonly seed: number;
  readonly messages: number;
  readonly requestLossPercent: number;
  readonly answerLossPercent: number;
}

/** Bounds of the schedules searched: small runs, so each takes milliseconds and shrinks fast. */
export const SCHEDULE_MESSAGES_MAX = 12;
export const SCHEDULE_LOSS_PERCENT_MAX = 60;
export const SEARCH_RUNS_DEFAULT = 200;
export const SEARCH_RUNS_MAX = 5_000;

export function labOptions(config: ConfigName, schedule: Schedule): TwoGeneralsOptions {
  const { retries, idempotent } = SEARCH_CONFIGS[config];
  return {
    seed: schedule.seed, messages: schedule.messages, retries, idempotent,
    loseRequest: schedule.requestLossPercent / 100, loseAnswer: schedule.answerLossPercent / 100,
  };
}

export interface SearchRequest {
  readonly config: ConfigName;
  readonly numRuns: number;
  /** fast-check's seed; a random one when absent. */
  readonly fcSeed?: number;
}

export interface SearchProgress {
  /** Schedules tried before the first failure (or in all). */
  readonly runs: number;
  readonly numRuns: number;
  /** Smaller schedules tried while shrinking, and how many of them still failed. */
  readonly shrinkTries: number;
  readonly shrinks: number;
  /** The smallest failing schedule so far. */
  readonly smallest: Schedule | null;
}

export type SearchOutcome =
  | {
    readonly found: true; readonly counterexample: Schedule; readonly explanation: readonly string[];
    readonly runs: number; readonly shrinks: number; readonly fcSeed: number; readonly path: string;
  }
  | { readonly found: false; readonly runs: number; readonly fcSeed: number };

export type SearchMessage =
  | { readonly type: "progress"; readonly progress: SearchProgress }
  | { readonly type: "done"; readonly outcome: SearchOutcome }
  | { readonly type: "error"; readonly message: string };
