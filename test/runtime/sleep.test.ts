// sleep(scheduler, ms): a promise that resolves on the scheduler's clock,
// not before its time, so virtual time drives it like any other timer.

import { describe, expect, it } from "vitest";
import { ManualScheduler, sleep } from "../../src/runtime/index.ts";

describe("sleep", () => {
  it("resolves when the scheduler's clock reaches the delay, and not before", async () => {
    const scheduler = new ManualScheduler(1000);
    let wokeAtMs: number | null = null;
    void sleep(scheduler, 25).then(() => { wokeAtMs = scheduler.nowMs(); });
    await scheduler.advance(24);
    expect(wokeAtMs).toBeNull();
    await scheduler.advance(1);
    expect(wokeAtMs).toBe(1025);
  });

  it("wakes sleepers in the order of their deadlines", async () => {
    const scheduler = new ManualScheduler();
    const woke: string[] = [];
    void sleep(scheduler, 20).then(() => woke.push("late"));
    void sleep(scheduler, 5).then(() => woke.push("early"));
    await scheduler.advance(20);
    expect(woke).toEqual(["early", "late"]);
  });
});
