// Ctrl-C (SIGINT) and SIGTERM, for the commands that stop cleanly: produce
// stops taking input, stores what it has read and closes its data dir (the
// lock released, the shutdown marked clean); consume stops reading. They then
// exit as a shell reports a signal: 128 plus its number. A second signal ends
// the process at once, as it would have without these listeners.

export type StopSignal = "SIGINT" | "SIGTERM";

const STOP_SIGNALS: readonly StopSignal[] = ["SIGINT", "SIGTERM"];

/** 128 + the signal's number: what a shell shows for a program the signal ended. */
export const SIGNAL_EXIT_CODES: Readonly<Record<StopSignal, number>> = { SIGINT: 130, SIGTERM: 143 };

/** A request to stop that a command checks as it goes. */
export class StopRequest {
  #signal: StopSignal | null = null;
  #wake!: (signal: StopSignal) => void;
  /** Settles with the signal once one came; it never rejects. */
  readonly stopped: Promise<StopSignal> = new Promise((resolve) => (this.#wake = resolve));

  /** The signal that asked to stop, or null while none came. */
  get signal(): StopSignal | null {
    return this.#signal;
  }

  stop(signal: StopSignal): void {
    if (this.#signal !== null) return;
    this.#signal = signal;
    this.#wake(signal);
  }
}

/**
 * Runs `command` with SIGINT and SIGTERM turned into a StopRequest it
 * watches; the listeners are gone once it returns. The result says which
 * signal, if any, stopped it.
 */
export async function untilSignalled<T>(command: (stop: StopRequest) => Promise<T>): Promise<{ result: T; signal: StopSignal | null }> {
  const stop = new StopRequest();
  const listeners = STOP_SIGNALS.map((signal) => {
    const listener = (): void => {
      if (stop.signal !== null) process.exit(SIGNAL_EXIT_CODES[signal]);
      stop.stop(signal);
    };
    process.on(signal, listener);
    return [signal, listener] as const;
  });
  try {
    const result = await command(stop);
    // A signal that came during work that never yielded is heard on the next turn: not lost with its listener.
    await nextTurn();
    return { result, signal: stop.signal };
  } finally {
    for (const [signal, listener] of listeners) process.off(signal, listener);
  }
}

/** Set when untilStopped left a read waiting that no one can cancel (see readLeftWaiting). */
let abandonedRead = false;

/**
 * Whether a signal left a read waiting (of standard input): in Deno nothing
 * cancels it, and it keeps the process alive, so the program ends itself.
 */
export function readLeftWaiting(): boolean {
  return abandonedRead;
}

/**
 * Resolves on a later turn of the event loop, after it polled for events:
 * where a signal's listener gets to run. Node hears signals in its poll
 * phase, which comes after the timers and before setImmediate's callbacks
 * of one turn: a timer then an immediate always has a poll between them,
 * whatever phase this starts in (an immediate then a timer can skip it).
 * Deno hears them by an operation that completes before the next timer.
 */
export async function nextTurn(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 0));
  await new Promise((resolve) => setImmediate(resolve));
}

/** `chunks` until they end or `stop` comes, whichever is first: a read still waiting then is left behind. */
export function untilStopped<T>(chunks: AsyncIterable<T>, stop: StopRequest): AsyncIterable<T> {
  let reading = false;
  const stopped = stop.stopped.then((): IteratorResult<T> => {
    if (reading) abandonedRead = true;
    return { done: true, value: undefined };
  });
  return {
    [Symbol.asyncIterator]: () => {
      const source = chunks[Symbol.asyncIterator]();
      return {
        next: (): Promise<IteratorResult<T>> => {
          if (stop.signal !== null) return stopped;
          reading = true;
          const next = source.next();
          // A read that loses the race may still fail later (its stream closed): nothing waits for it.
          next.then(() => (reading = false), () => {});
          return Promise.race([next, stopped]);
        },
      };
    },
  };
}
