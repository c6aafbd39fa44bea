// Timers as a capability: code that waits takes a Scheduler from its caller,
// so the real shell runs it on wall-clock timers and tests and the simulator
// on virtual time, where the same inputs always fire timers in the same order.

import type { Clock } from "./clock.ts";
import { settle } from "./settle.ts";

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

interface PendingTimer {
  readonly dueMs: number;
  /** Insertion order: timers due at the same time fire in the order they were set. */
  readonly sequence: number;
  readonly callback: () => void;
  cancelled: boolean;
}

/**
 * Virtual time: the clock moves only in advance(), which fires due timers in
 * (time, insertion) order and lets the async work each one starts settle
 * before the next.
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
    const timer: PendingTimer = { dueMs: this.#nowMs + Math.max(0, delayMs), sequence: this.#sequence++, callback, cancelled: false };
    this.#push(timer);
    return { cancel: () => { timer.cancelled = true; } };
  }

  /** How many timers are waiting (cancelled ones excluded). */
  get pendingTimers(): number {
    return this.#heap.filter((t) => !t.cancelled).length;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    if (ms < 0) throw new RangeError(`time cannot go back (advance by ${ms} ms)`);
    await settle();
    await this.#runUntil(this.#nowMs + ms);
  }

  /** Fires every timer due by `until`, settling after each; the caller has settled before. */
  async #runUntil(until: number): Promise<void> {
    for (let next = this.#peek(); next !== undefined && next.dueMs <= until; next = this.#peek()) {
      this.#pop();
      if (next.cancelled) continue;
      this.#nowMs = next.dueMs;
      this.eventsRun++;
      next.callback();
      await settle();
    }
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
    while (!settled) {
      let next = this.#peek();
      while (next !== undefined && next.cancelled) {
        this.#pop();
        next = this.#peek();
      }
      if (next === undefined) throw new Error(`nothing left to run at ${this.#nowMs} ms, and the promise is still pending`);
      if (next.dueMs > deadline) throw new Error(`the promise is still pending after ${limitMs} ms`);
      // Settled already (before the loop, or after the last timer): run the next instant's timers.
      await this.#runUntil(next.dueMs);
    }
    return promise;
  }

  #before(a: PendingTimer, b: PendingTimer): boolean {
    return a.dueMs < b.dueMs || (a.dueMs === b.dueMs && a.sequence < b.sequence);
  }

  #peek(): PendingTimer | undefined {
    return this.#heap[0];
  }

  #push(timer: PendingTimer): void {
    const heap = this.#heap;
    heap.push(timer);
    for (let i = heap.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (!this.#before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    heap[0] = last;
    for (let i = 0; ;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && this.#before(heap[left]!, heap[smallest]!)) smallest = left;
      if (right < heap.length && this.#before(heap[right]!, heap[smallest]!)) smallest = right;
      if (smallest === i) break;
      [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
      i = smallest;
    }
  }
}

/** A promise that resolves `delayMs` from now on `scheduler`'s clock. */
export function sleep(scheduler: Scheduler, delayMs: number): Promise<void> {
  return new Promise<void>((resolve) => scheduler.setTimer(delayMs, resolve));
}
