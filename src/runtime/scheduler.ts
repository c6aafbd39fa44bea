// Timers as a capability: code that waits takes a Scheduler from its caller,
// so the real shell runs it on wall-clock timers and tests and the simulator
// on virtual time, where the same inputs always fire timers in the same order.

import type { Clock } from "./clock.ts";
import { afterSettled, settle } from "./settle.ts";

export interface Timer {
  cancel(): void;
}

export interface Scheduler extends Clock {
  /** Runs `callback` once, `delayMs` from now on this scheduler's clock. */
  setTimer(delayMs: number, callback: () => void): Timer;
}

/** The real shell's scheduler: Date.now and setTimeout. */
export const systemScheduler: Scheduler = {
  nowMs: () => Date.now(),
  setTimer(delayMs, callback) {
    const handle = setTimeout(callback, Math.max(0, delayMs));
    return { cancel: () => clearTimeout(handle) };
  },
};

const nothing = (): void => {};

/** A timer in a ManualScheduler's queue: cancelling it marks it, and the queue drops it when it comes up. */
class PendingTimer implements Timer {
  cancelled = false;

  constructor(
    readonly dueMs: number,
    /** Insertion order: timers due at the same time fire in the order they were set. */
    readonly sequence: number,
    public callback: () => void,
  ) {}

  cancel(): void {
    this.cancelled = true;
    // A cancelled request timeout stays queued until its time comes: what its callback holds need not stay alive with it.
    this.callback = nothing;
  }
}

const before = (a: PendingTimer, b: PendingTimer): boolean => a.dueMs < b.dueMs || (a.dueMs === b.dueMs && a.sequence < b.sequence);

/**
 * Virtual time: the clock moves only in advance(), which fires due timers in
 * (time, insertion) order and lets the async work each one starts settle
 * before the next.
 *
 * It is the simulator's event loop, so each event costs as little as it can:
 * a timer is its own handle, and the loop steps from one settle boundary to
 * the next by callback, with no promise or async resumption per event.
 */
export class ManualScheduler implements Scheduler {
  #nowMs: number;
  #sequence = 0;
  /** Timers fired so far: the events this virtual time has run. */
  eventsRun = 0;
  /** A binary min-heap on (dueMs, sequence). */
  readonly #heap: PendingTimer[] = [];

  constructor(startMs = 0) {
    this.#nowMs = startMs;
  }

  nowMs(): number {
    return this.#nowMs;
  }

  setTimer(delayMs: number, callback: () => void): Timer {
    const timer = new PendingTimer(this.#nowMs + Math.max(0, delayMs), this.#sequence++, callback);
    this.#push(timer);
    return timer;
  }

  /** How many timers are waiting (cancelled ones excluded). */
  get pendingTimers(): number {
    return this.#heap.filter((t) => !t.cancelled).length;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    if (ms < 0) throw new RangeError(`time cannot go back (advance by ${ms} ms)`);
    await settle();
    const until = this.#nowMs + ms;
    await this.#run(() => (this.#peekLive()?.dueMs ?? Infinity) > until);
    this.#nowMs = until;
  }

  /**
   * Runs timers, jumping from one to the next, until `promise` settles; returns
   * its outcome. Throws if time would pass `limitMs` from now, or if no timer
   * is left while the promise is still pending (nothing could ever settle it).
   */
  async runUntilSettled<T>(promise: Promise<T>, limitMs = 24 * 60 * 60 * 1000): Promise<T> {
    let settled = false;
    void promise.then(() => { settled = true; }, () => { settled = true; });
    const deadline = this.#nowMs + limitMs;
    await settle();
    // Settled already (before the loop, or after an instant's last timer): done. Otherwise the next instant's timers
    // run, every one of them, even if the promise settles after the first.
    let instant = -Infinity;
    await this.#run(() => {
      const next = this.#peekLive();
      if (next !== undefined && next.dueMs <= instant) return false;
      if (settled) return true;
      if (next === undefined) throw new Error(`nothing left to run at ${this.#nowMs} ms, and the promise is still pending`);
      if (next.dueMs > deadline) throw new Error(`the promise is still pending after ${limitMs} ms`);
      instant = next.dueMs;
      return false;
    });
    return promise;
  }

  /**
   * Fires the next live timer, waits for the async work it started to
   * settle, and goes on until `done()` (asked before each timer) says to
   * stop. Resolves then; rejects with what a timer or `done` threw.
   */
  #run(done: () => boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      const step = (): void => {
        try {
          if (done()) return resolve();
          const timer = this.#peekLive()!;
          this.#pop();
          this.#nowMs = timer.dueMs;
          this.eventsRun++;
          timer.callback();
          afterSettled(step);
        } catch (error) {
          reject(error);
        }
      };
      step();
    });
  }

  /** The next timer to fire, once the cancelled ones ahead of it are dropped. */
  #peekLive(): PendingTimer | undefined {
    let next = this.#heap[0];
    while (next !== undefined && next.cancelled) {
      this.#pop();
      next = this.#heap[0];
    }
    return next;
  }

  #push(timer: PendingTimer): void {
    const heap = this.#heap;
    let i = heap.length;
    heap.push(timer);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(timer, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = timer;
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop()!;
    const length = heap.length;
    if (length === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= length) break;
      const right = left + 1;
      const child = right < length && before(heap[right]!, heap[left]!) ? right : left;
      if (!before(heap[child]!, last)) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
  }
}

/** A promise that resolves `delayMs` from now on `scheduler`'s clock. */
export function sleep(scheduler: Scheduler, delayMs: number): Promise<void> {
  return new Promise<void>((resolve) => scheduler.setTimer(delayMs, resolve));
}
