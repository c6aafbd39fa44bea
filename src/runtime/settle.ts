// A macrotask boundary: settle() resolves only after every promise callback
// already queued has run, and those they queue in turn. Virtual time needs it
// after each timer so the async work the timer started finishes before the
// next one fires; it is on the simulator's hot path, once per event.
//
// The cheapest boundary differs by runtime (measured on one machine, awaits
// per second): Node delivers a message on a port it keeps open at ~970 k/s
// against ~335 k/s for setImmediate, so Node shares one channel whose port
// holds the process open only while someone waits. Deno's setImmediate runs
// at ~690 k/s, a channel per call at ~33 k/s, and its ports ignore unref
// (an open one keeps the process alive), so Deno uses setImmediate.
// Browsers have no setImmediate and an open port costs them nothing: they
// share one channel.

type Waiter = () => void;

/** Node's MessagePort adds ref/unref; the web platform's has neither. */
interface RefCountedPort extends MessagePort {
  ref?(): void;
  unref?(): void;
}

class SharedChannel {
  readonly #port: RefCountedPort;
  readonly #sender: MessagePort;
  readonly #waiting: Waiter[] = [];
  #head = 0;

  constructor() {
    const channel = new MessageChannel();
    this.#port = channel.port1;
    this.#sender = channel.port2;
    // One message per waiter, delivered in order: each wakes the oldest.
    this.#port.onmessage = () => {
      const wake = this.#waiting[this.#head++]!;
      if (this.#head === this.#waiting.length) {
        this.#waiting.length = 0;
        this.#head = 0;
        this.#port.unref?.();
      }
      wake();
    };
    this.#port.unref?.();
  }

  after(wake: Waiter): void {
    if (this.#waiting.length === 0) this.#port.ref?.();
    this.#waiting.push(wake);
    this.#sender.postMessage(null);
  }
}

function chooseBoundary(): (wake: Waiter) => void {
  const g = globalThis as { Deno?: unknown; setImmediate?: (callback: () => void) => void };
  if (g.Deno === undefined && typeof MessageChannel !== "undefined") {
    const shared = new SharedChannel();
    return (wake) => shared.after(wake);
  }
  const setImmediate = g.setImmediate;
  if (setImmediate !== undefined) return (wake) => setImmediate(wake);
  return (wake) => setTimeout(wake, 0);
}

let chosen: ((wake: Waiter) => void) | undefined;

/**
 * Calls `wake` once every promise callback already queued has run, and
 * those they queue: settle() without a promise, for a loop that runs one
 * step per boundary (virtual time's event loop) and would otherwise pay for
 * a promise and an async resumption at each.
 */
export function afterSettled(wake: () => void): void {
  chosen ??= chooseBoundary();
  chosen(wake);
}

/**
 * Lets every promise callback that is already queued run, and those they
 * queue, before returning. Deterministic as long as nothing else schedules
 * macrotasks, which is the rule on virtual time.
 */
export function settle(): Promise<void> {
  return new Promise((resolve) => afterSettled(resolve));
}
