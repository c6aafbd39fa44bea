// The checker's verdict on a two-generals run, in words a reader follows:
// for each duplicate, how it came about (lost acknowledgements, retries, a
// broker that could not tell); for each unknown outcome, whether it landed.

import type { ProduceNote, TwoGeneralsLabRun } from "./two-generals-lab.ts";

export interface RunStory {
  readonly valid: boolean;
  readonly headline: string;
  readonly sentences: readonly string[];
}

const ordinals = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth"];
const ordinal = (n: number) => ordinals[n - 1] ?? `${n}th`;

function requestsCarrying(run: TwoGeneralsLabRun, value: string): ProduceNote[] {
  return [...run.produces.values()].filter((note) => note.values.includes(value));
}

/** "payment-3 is in the log 2 times: its first acknowledgement was lost, the producer retried, …" */
function duplicateStory(run: TwoGeneralsLabRun, value: string, count: number): string {
  const tries = requestsCarrying(run, value);
  const lostAcks = tries.filter((t) => t.fate === "answer lost" && t.broker?.appended === true);
  const how = lostAcks.length === 1
    ? `its ${ordinal(lostAcks[0]!.attempt)} acknowledgement was lost`
    : `${lostAcks.length} of its acknowledgements were lost`;
  const why = run.options.idempotent
    ? "and the broker did not recognise the retry" // a bug if it ever shows: idempotence promises otherwise
    : "and without idempotence the broker could not tell the retry from a new record";
  return `${value} is in the log ${count} times: ${how}, the producer retried${lostAcks.length > 1 ? " each time" : ""}, ${why}.`;
}

function unknownStory(run: TwoGeneralsLabRun, value: string, inLog: boolean, detail: string | undefined): string {
  const tries = requestsCarrying(run, value);
  const last = tries.at(-1);
  const why = last === undefined ? "it was never sent"
    : last.fate === "request lost" ? "its last request was lost on the way"
    : last.fate === "answer lost" ? "the broker's answer to its last request was lost on the way back"
    : "no answer came in time";
  const gaveUp = run.options.retries ? `after ${tries.length} ${tries.length === 1 ? "try" : "tries"} it ran out of delivery.timeout.ms` : "with retries=0 it did not try again";
  return `${value}: the producer does not know whether it was written (${why}; ${gaveUp}${detail === undefined ? "" : `: ${detail}`}). It is ${inLog ? "in the log" : "not in the log"} — the checker allows both.`;
}

export function tellRun(run: TwoGeneralsLabRun): RunStory {
  const { verdict } = run;
  const sentences: string[] = [
    ...verdict.duplicated.map(({ value, count }) => duplicateStory(run, value, count)),
    ...verdict.lostAcknowledged.map((value) => `${value} was acknowledged but is not in the log.`),
    ...verdict.unexpected.map((value) => `${value} is in the log although its send failed or never happened.`),
    ...verdict.reordered.map(([a, b]) => `${b} was acknowledged after ${a} but comes before it in the log.`),
  ];
  const outcomes = run.history.filter((e) => e.type !== "invoke");
  for (const { value, inLog } of verdict.indeterminate) {
    sentences.push(unknownStory(run, value, inLog, outcomes.find((e) => e.value === value)?.detail));
  }
  for (const failed of outcomes.filter((e) => e.type === "fail")) {
    sentences.push(`${failed.value} failed for certain and is not in the log${failed.detail === undefined ? "" : `: ${failed.detail}`}.`);
  }
  const recognised = [...run.produces.values()].filter((note) => note.broker?.appended === false).length;
  if (recognised > 0) {
    sentences.push(`The broker recognised ${recognised === 1 ? "a retry" : `${recognised} retries`} by (producerId, sequence) and answered with the original offset instead of writing ${recognised === 1 ? "it" : "them"} again.`);
  }
  const acknowledged = outcomes.filter((e) => e.type === "ok").length;
  const headline = verdict.valid
    ? `No value lost or duplicated: ${acknowledged} of ${run.options.messages} sends acknowledged, each in the log exactly once.`
    : `The checker found ${verdict.explanation.length} problem${verdict.explanation.length === 1 ? "" : "s"}:`;
  return { valid: verdict.valid, headline, sentences };
}
