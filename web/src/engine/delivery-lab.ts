// The delivery lab's consumer loops: the talk's basic, at-most-once and
// at-least-once loops, its at-most-once loop as written (offsets stored, the
// auto-commit timer commits them) next to the one that commits before
// processing, and the exactly-once transactional loop, each with the
// code it runs (cut from src/examples/talk.ts's own text, lines tagged by the
// step they report) and a way to run it for real — over a fresh simulated
// broker, crashed after any step, then restarted — which says how often each
// record was processed.

import { type CrashLabResult, crashLab, exactlyOnceLab } from "../../../sim/index.ts";
import {
  atLeastOnceLoop, atMostOnceLoop, BASIC_CONSUMER_CONFIG, basicConsumerLoop, MANUAL_STORE_CONFIG, TALK_AT_MOST_ONCE_CONFIG,
  talkAtMostOnceLoop,
} from "../../../src/examples/index.ts";
import talkSource from "../../../src/examples/talk.ts?raw";
import { type CodeLine, listing } from "./listing.ts";

export type { CrashLabResult } from "../../../sim/index.ts";

export type { CodeLine } from "./listing.ts";

export interface DeliveryLoop {
  readonly id: string;
  readonly title: string;
  /** What the loop promises, in the talk's words. */
  readonly promise: string;
  readonly code: readonly CodeLine[];
  /** Runs the loop over five records, crashing after step `crashAt` (null: never) and restarting. */
  run(crashAt: number | null): Promise<CrashLabResult>;
}

export const RECORDS = 5;

/** The two at-most-once loops first, so they sit side by side. */
export const DELIVERY_LOOPS: readonly DeliveryLoop[] = [
  {
    id: "amo",
    title: "At most once",
    promise: "store the offset, then process: never twice, maybe never",
    code: listing(talkSource, "MANUAL_STORE_CONFIG", "atMostOnceLoop"),
    run: (crashAt) => crashLab(atMostOnceLoop, MANUAL_STORE_CONFIG, crashAt, { records: RECORDS }),
  },
  {
    id: "amo-talk",
    title: "At most once, as the talk wrote it",
    promise: "store the offset, then process; the timer commits it up to 100 ms later: maybe twice",
    code: listing(talkSource, "TALK_AT_MOST_ONCE_CONFIG", "talkAtMostOnceLoop"),
    run: (crashAt) => crashLab(talkAtMostOnceLoop, TALK_AT_MOST_ONCE_CONFIG, crashAt, { records: RECORDS }),
  },
  {
    id: "basic",
    title: "Basic consumer",
    promise: "neither: auto-commit every 100 ms of what poll() handed out",
    code: listing(talkSource, "BASIC_CONSUMER_CONFIG", "basicConsumerLoop"),
    run: (crashAt) => crashLab(basicConsumerLoop, BASIC_CONSUMER_CONFIG, crashAt, { records: RECORDS }),
  },
  {
    id: "alo",
    title: "At least once",
    promise: "process, then store the offset: never lost, maybe twice",
    code: listing(talkSource, "MANUAL_STORE_CONFIG", "atLeastOnceLoop"),
    run: (crashAt) => crashLab(atLeastOnceLoop, MANUAL_STORE_CONFIG, crashAt, { records: RECORDS }),
  },
  {
    id: "eos",
    title: "Exactly once",
    promise: "output and offsets in one transaction, read_committed: once",
    code: listing(talkSource, "EXACTLY_ONCE_CONSUMER_CONFIG", "exactlyOnceLoop"),
    run: (crashAt) => exactlyOnceLab(crashAt, { records: RECORDS }),
  },
];

export interface Tally {
  readonly lost: readonly number[];
  readonly duplicated: readonly number[];
  readonly once: readonly number[];
}

export function tally(processed: readonly number[]): Tally {
  const at = (test: (count: number) => boolean) => processed.flatMap((count, offset) => (test(count) ? [offset] : []));
  return { lost: at((c) => c === 0), duplicated: at((c) => c > 1), once: at((c) => c === 1) };
}

/** Why the crash after `step` had the effect it had, in a sentence per record that was not processed exactly once. */
export function explain(loop: DeliveryLoop, result: CrashLabResult): string[] {
  const { lost, duplicated } = tally(result.processed);
  const reasons = [
    ...lost.map((offset) => loop.id === "basic"
      ? `record ${offset} was handed out by poll() and auto-committed before it was processed; after the crash the new consumer started past it, so no one ever processed it.`
      : `record ${offset}'s offset was stored before it was processed; after the crash the new consumer started past it, so no one ever processed it.`),
    ...duplicated.map((offset) => loop.id === "basic"
      ? `record ${offset} was processed, but the crash came before the next auto-commit; the new consumer started from the last commit and processed it again.`
      : loop.id === "amo-talk"
      ? `record ${offset}'s offset was stored, and the record processed, but the crash came before the auto-commit timer committed what was stored: storing an offset is not committing it. The new consumer started from the last committed offset and processed it again.`
      : `record ${offset} was processed, but the crash came before its offset was stored; the new consumer started from the stored offset and processed it again.`),
  ];
  if (reasons.length > 0) return reasons;
  if (loop.id === "eos") {
    return ["Whatever the transaction had written before the crash was aborted when the new process started with the same transactional.id, and read_committed readers never see aborted records; its offsets were not committed either, so the new process redid the same records in a transaction that committed."];
  }
  return ["This crash point happened to fall where stored offset and processing agree; try another step."];
}
