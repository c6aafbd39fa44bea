// Schedule files: a valid one overrides a scenario's faults; a malformed one
// is refused with a message that names the bad key or value and lists the
// valid keys with their types.

import { describe, expect, it } from "vitest";
import { parseSchedule, ScheduleError } from "../../sim/schedule.ts";
import { runTwoGenerals } from "../../sim/scenarios/two-generals.ts";

const refusal = (text: string): string => {
  try {
    parseSchedule(text);
  } catch (error) {
    expect(error).toBeInstanceOf(ScheduleError);
    return (error as Error).message;
  }
  throw new Error(`accepted ${text}`);
};

describe("parseSchedule", () => {
  it("accepts every section", () => {
    const text = JSON.stringify({
      links: { producer: { loseAnswer: 0.5, reorder: 0.1, reorderDelayMs: [10, 20], partitions: [{ startMs: 5, endMs: 9 }], only: ["produce"] } },
      fsync: { atSyncs: [3], probability: 0, fileSuffix: ".log" },
      broker: { crashAfterSend: 4, restartAfterMs: 100, powerLoss: true },
      consumer: { crashAtMs: 300, restartAfterMs: 50 },
    });
    expect(parseSchedule(text)).toEqual(JSON.parse(text));
  });

  it("refuses text that is not JSON", () => {
    expect(refusal("{ links: ")).toMatch(/^the schedule is not valid JSON/);
  });

  it("refuses an unknown key and lists the valid ones with their types", () => {
    const message = refusal(`{"crashes": {}}`);
    expect(message).toMatch(/^schedule\.crashes: unknown key \(valid keys: links, fsync, broker, consumer\)/);
    expect(message).toMatch(/loseAnswer: number from 0 to 1/);
    expect(message).toMatch(/partitions: \[\{ startMs, endMs \}, …\] integer ms/);
    expect(message).toMatch(/atSyncs: \[integer >= 1, …\]/);
    expect(refusal(`{"links": {"producer": {"loseAnswers": 0.1}}}`)).toMatch(/^schedule\.links\.producer\.loseAnswers: unknown key \(valid keys here: loseRequest, loseAnswer,/);
  });

  it("refuses a value of the wrong type, naming the key and the value", () => {
    expect(refusal(`{"fsync": {"atSyncs": "3"}}`)).toMatch(/^schedule\.fsync\.atSyncs: expected a list of integers >= 1 \(which fsyncs fail, counting from 1\), got "3"/);
    expect(refusal(`{"broker": {"powerLoss": "yes"}}`)).toMatch(/^schedule\.broker\.powerLoss: expected true or false, got "yes"/);
    expect(refusal(`{"links": []}`)).toMatch(/^schedule\.links: expected an object of client names, got \[\]/);
    expect(refusal(`[]`)).toMatch(/^the schedule must be a JSON object, got \[\]/);
  });

  it("refuses a probability out of range and an inverted window", () => {
    expect(refusal(`{"links": {"producer": {"loseAnswer": 1.5}}}`)).toMatch(/^schedule\.links\.producer\.loseAnswer: expected a probability from 0 to 1, got 1\.5/);
    expect(refusal(`{"links": {"producer": {"partitions": [{"startMs": 9, "endMs": 5}]}}}`)).toMatch(/startMs < endMs/);
    expect(refusal(`{"links": {"producer": {"delayMs": [5, 1]}}}`)).toMatch(/expected \[min, max\] with 0 <= min <= max/);
  });
});

describe("a schedule overrides a scenario's faults", () => {
  it("two-generals without lost answers writes no duplicate", async () => {
    const schedule = parseSchedule(`{"links": {"producer": {"loseAnswer": 0}}}`);
    for (let seed = 1; seed <= 3; seed++) {
      expect((await runTwoGenerals(seed, false, 20, 0.3, schedule)).violations).toEqual([]);
    }
    // Without the schedule the same seeds do duplicate.
    const duplicates = await Promise.all([1, 2, 3].map(async (seed) => (await runTwoGenerals(seed, false)).result.checks["no duplicates"]!.anomalies.length));
    expect(duplicates.some((n) => n > 0)).toBe(true);
  });
});
