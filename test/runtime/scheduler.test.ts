// Virtual time: timers fire in (time, insertion) order, cancelled ones never,
// and the async work a timer starts settles before the next timer fires.

import { describe, expect, it } from "vitest";
import { ManualScheduler, SeededRandom, settle, sleep } from "../../src/index.ts";

describe("ManualScheduler", () => {
  it("fires due timers in time order, ties in the order they were set, and moves the clock to each", async () => {
    const scheduler = new ManualScheduler(1000);
    const fired: [string, number][] = [];
    const at = (name: string) => () => fired.push([name, scheduler.nowMs()]);
    scheduler.setTimer(30, at("c"));
    scheduler.setTimer(10, at("a"));
    scheduler.setTimer(10, at("b"));
    scheduler.setTimer(50, at("late"));
    await scheduler.advance(30);
    expect(fired).toEqual([["a", 1010], ["b", 1010], ["c", 1030]]);
    expect(scheduler.nowMs()).toBe(1030);
    expect(scheduler.pendingTimers).toBe(1);
  });

  it("never fires a cancelled timer, and runs timers set by timers when they fall due", async () => {
    const scheduler = new ManualScheduler();
    const fired: string[] = [];
    scheduler.setTimer(5, () => fired.push("cancelled")).cancel();
    scheduler.setTimer(5, () => scheduler.setTimer(5, () => fired.push("chained at 10")));
    await scheduler.advance(9);
    expect(fired).toEqual([]);
    await scheduler.advance(1);
    expect(fired).toEqual(["chained at 10"]);
  });

  it("lets the async work of one timer settle before the next fires", async () => {
    const scheduler = new ManualScheduler();
    const order: string[] = [];
    scheduler.setTimer(1, () => {
      void (async () => {
        for (let i = 0; i < 20; i++) await Promise.resolve();
        order.push("deep async work of the first timer");
      })();
    });
    scheduler.setTimer(1, () => order.push("second timer"));
    await scheduler.advance(1);
    expect(order).toEqual(["deep async work of the first timer", "second timer"]);
  });

  it("settle() lets chained promise callbacks run", async () => {
    let done = false;
    void Promise.resolve().then(() => Promise.resolve()).then(() => { done = true; });
    await settle();
    expect(done).toBe(true);
  });

  it("settle() waits out a thousand-step chain, and wakes concurrent waiters in the order they came", async () => {
    let steps = 0;
    void (async () => {
      for (let i = 0; i < 1000; i++) await null;
      steps = 1000;
    })();
    const woken: string[] = [];
    await Promise.all(["a", "b", "c"].map((name) => settle().then(() => woken.push(name))));
    expect(steps).toBe(1000);
    expect(woken).toEqual(["a", "b", "c"]);
    // Again after the waiters drained: the boundary still works once idle.
    let later = false;
    void Promise.resolve().then(() => { later = true; });
    await settle();
    expect(later).toBe(true);
  });
});

describe("ManualScheduler.runUntilSettled", () => {
  it("jumps from timer to timer until the promise settles, fires every other timer of that instant, and no later one", async () => {
    const scheduler = new ManualScheduler(1000);
    const fired: string[] = [];
    scheduler.setTimer(3, () => fired.push("before"));
    const done = sleep(scheduler, 10).then(() => "done");
    scheduler.setTimer(10, () => fired.push("same instant, set after"));
    scheduler.setTimer(20, () => fired.push("later"));
    await expect(scheduler.runUntilSettled(done)).resolves.toBe("done");
    expect(fired).toEqual(["before", "same instant, set after"]);
    expect(scheduler.nowMs()).toBe(1010);
    expect(scheduler.eventsRun).toBe(3);
    expect(scheduler.pendingTimers).toBe(1);
  });

  it("lets the async work of one timer settle before the next fires", async () => {
    const scheduler = new ManualScheduler();
    const order: string[] = [];
    scheduler.setTimer(1, () => {
      void (async () => {
        for (let i = 0; i < 50; i++) await Promise.resolve();
        order.push("deep async work");
      })();
    });
    await scheduler.runUntilSettled(sleep(scheduler, 1).then(() => order.push("next timer")));
    expect(order).toEqual(["deep async work", "next timer"]);
  });

  it("skips cancelled timers, and says when nothing is left to run or the limit would pass", async () => {
    const scheduler = new ManualScheduler();
    scheduler.setTimer(5, () => {}).cancel();
    await expect(scheduler.runUntilSettled(new Promise(() => {}))).rejects.toThrow("nothing left to run at 0 ms");
    scheduler.setTimer(100, () => {});
    await expect(scheduler.runUntilSettled(new Promise(() => {}), 50)).rejects.toThrow("still pending after 50 ms");
    expect(scheduler.eventsRun).toBe(0);
  });

  it("rejects with what a timer throws, in runUntilSettled and in advance", async () => {
    const scheduler = new ManualScheduler();
    scheduler.setTimer(1, () => { throw new Error("timer failed"); });
    await expect(scheduler.runUntilSettled(sleep(scheduler, 5))).rejects.toThrow("timer failed");
    scheduler.setTimer(1, () => { throw new Error("failed again"); });
    await expect(scheduler.advance(10)).rejects.toThrow("failed again");
  });
});

describe("SeededRandom", () => {
  it("repeats its sequence for a seed and differs between seeds", () => {
    const take = (seed: number) => Array.from({ length: 8 }, ((r) => () => r.nextUint32())(new SeededRandom(seed)));
    expect(take(42)).toEqual(take(42));
    expect(take(42)).not.toEqual(take(43));
  });

  it("draws integers in range, each value about equally often", () => {
    const random = new SeededRandom(7);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 60_000; i++) counts[random.nextInt(6)]++;
    for (const count of counts) expect(Math.abs(count - 10_000)).toBeLessThan(400);
    expect(() => random.nextInt(0)).toThrow(RangeError);
  });
});
