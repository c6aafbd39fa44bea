// The two-generals lab behind the lesson: seeded and deterministic, and it
// shows what the lesson claims — duplicates from retries without
// idempotence, none with it, and unknown outcomes without retries.

import { describe, expect, it } from "vitest";
import { runTwoGeneralsLab, type TwoGeneralsOptions } from "../../web/src/engine/two-generals-lab.ts";
import { tellRun } from "../../web/src/engine/two-generals-story.ts";

const lossyAnswers = (seed: number, idempotent: boolean): TwoGeneralsOptions =>
  ({ seed, messages: 6, loseRequest: 0, loseAnswer: 0.4, retries: true, idempotent });

describe("the two-generals lab", () => {
  it("is deterministic: the same options give the same trace, history and log", async () => {
    const options: TwoGeneralsOptions = { seed: 7, messages: 10, loseRequest: 0.2, loseAnswer: 0.3, retries: true, idempotent: false };
    const [a, b] = [await runTwoGeneralsLab(options), await runTwoGeneralsLab(options)];
    expect(a.traceText).toBe(b.traceText);
    expect(a.trace.length).toBeGreaterThan(10 * 3);
    expect(a.history).toEqual(b.history);
    expect(a.log).toEqual(b.log);
  });

  it("with acknowledgements lost and retries but no idempotence, some seed writes a value twice, and the verdict says how", async () => {
    let found = null;
    for (let seed = 1; seed <= 50 && found === null; seed++) {
      const run = await runTwoGeneralsLab(lossyAnswers(seed, false));
      if (run.verdict.duplicated.length > 0) found = run;
    }
    expect(found).not.toBeNull();
    const { value, count } = found!.verdict.duplicated[0]!;
    expect(found!.log.filter((v) => v === value)).toHaveLength(count);
    const story = tellRun(found!);
    expect(story.valid).toBe(false);
    expect(story.sentences[0]).toMatch(new RegExp(`^${value} is in the log ${count} times: .*acknowledgement.* lost, the producer retried.*, and without idempotence the broker could not tell the retry from a new record\\.$`));
    // The duplicate's story is in the notes too: a request whose answer was lost, then a retry of the same value.
    const tries = [...found!.produces.values()].filter((note) => note.values.includes(value));
    expect(tries.some((t) => t.fate === "answer lost" && t.broker?.appended === true)).toBe(true);
    expect(tries.at(-1)!.attempt).toBeGreaterThan(1);
  });

  it("with idempotence no seed in 1..30 writes a value twice, and the broker recognises retries", async () => {
    let recognised = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const run = await runTwoGeneralsLab(lossyAnswers(seed, true));
      expect(run.verdict.duplicated, `seed ${seed}`).toEqual([]);
      expect(run.verdict.valid, `seed ${seed}: ${run.verdict.explanation.join("; ")}`).toBe(true);
      recognised += [...run.produces.values()].filter((note) => note.broker?.appended === false).length;
    }
    expect(recognised).toBeGreaterThan(0);
  });

  it("without retries a lost acknowledgement leaves the outcome unknown (info) and never writes twice", async () => {
    const run = await runTwoGeneralsLab({ seed: 1, messages: 8, loseRequest: 0, loseAnswer: 1, retries: false, idempotent: false });
    expect(run.history.filter((e) => e.type === "info").map((e) => e.value)).toHaveLength(8);
    expect(run.verdict.duplicated).toEqual([]);
    expect(run.verdict.valid).toBe(true);
    // Every answer was lost after the broker wrote the value: all of them are in the log, once.
    expect(run.log).toEqual(Array.from({ length: 8 }, (_, i) => `payment-${i}`));
    expect(tellRun(run).sentences[0]).toMatch(/^payment-0: the producer does not know whether it was written .*retries=0.* It is in the log/);
  });

  it("refuses idempotence without retries, as Kafka's producer does", async () => {
    await expect(runTwoGeneralsLab({ seed: 1, messages: 1, loseRequest: 0, loseAnswer: 0, retries: false, idempotent: true }))
      .rejects.toThrow(/enable\.idempotence: requires retries > 0/);
  });
});
