// Buffers for read-ahead windows (read-ahead.ts), used again once the bytes served from them are gone. Reading each
// window into fresh memory costs the kernel fresh pages and the garbage collector a megabyte a fetch; a consumer
// catching up reads hundreds of windows a second. A window's buffer goes back to its pool only when it is certain
// that nothing reads it any more: when the window is dropped unserved once its read is over, when what was served
// from it was a copy, or when whoever sent the served bytes says they are gone (returnServedBytes, which the wire
// server calls once the socket has written them). Bytes nobody returns are simply collected as garbage.

import { assert } from "../runtime/index.ts";

/** Buffers are sized in steps of this, so that windows of nearly the same size share them. */
const CAPACITY_STEP = 64 * 1024;

/** How a served view gives its window's buffer back, by the view handed out. */
const lentViews = new WeakMap<Uint8Array, () => void>();

/**
 * Gives the buffer behind `bytes` back to its pool when they were served from a pooled read-ahead window (else does
 * nothing). Call it only once nothing reads `bytes` any more: the next window read into that buffer overwrites them.
 */
export function returnServedBytes(bytes: Uint8Array): void {
  const giveBack = lentViews.get(bytes);
  if (giveBack === undefined) return;
  lentViews.delete(bytes);
  giveBack();
}

export class WindowPool {
  readonly #free = new Map<number, ArrayBuffer[]>();
  /** Buffers in #free: a buffer given back twice must not be handed out twice. */
  readonly #isFree = new WeakSet<ArrayBuffer>();
  #freeBytes = 0;

  /** `maxFreeBytes`: the most bytes the pool keeps while no window uses them. */
  constructor(readonly maxFreeBytes: number) {}

  /** Bytes kept for the next windows. */
  get freeBytes(): number {
    return this.#freeBytes;
  }

  /** A buffer of at least `length` bytes (one given back before, or a new one), to give back once through the result. */
  take(length: number): PooledBuffer {
    const capacity = Math.ceil(Math.max(1, length) / CAPACITY_STEP) * CAPACITY_STEP;
    const buffer = this.#free.get(capacity)?.pop();
    if (buffer === undefined) return new PooledBuffer(this, new ArrayBuffer(capacity));
    this.#isFree.delete(buffer);
    this.#freeBytes -= capacity;
    return new PooledBuffer(this, buffer);
  }

  /** Takes `buffer` back for a later window; kept while there is room. */
  give(buffer: ArrayBuffer): void {
    const capacity = buffer.byteLength;
    if (this.#isFree.has(buffer) || this.#freeBytes + capacity > this.maxFreeBytes) return;
    const free = this.#free.get(capacity);
    if (free === undefined) this.#free.set(capacity, [buffer]);
    else free.push(buffer);
    this.#isFree.add(buffer);
    this.#freeBytes += capacity;
  }
}

/** One window's buffer: it goes back to the pool once, when the window lets go of it or what was lent from it returns. */
export class PooledBuffer {
  #state: "held" | "lent" | "returned" = "held";

  constructor(
    private readonly pool: WindowPool,
    readonly buffer: ArrayBuffer,
  ) {}

  /** The whole buffer, to read a window into. */
  get bytes(): Uint8Array {
    return new Uint8Array(this.buffer);
  }

  /** Whether `view` lies in this buffer. */
  holds(view: Uint8Array): boolean {
    return view.buffer === this.buffer;
  }

  /** The window no longer needs the buffer and lent nothing from it: back to the pool. Only once its read is over. */
  release(): void {
    if (this.#state !== "held") return;
    this.#state = "returned";
    this.pool.give(this.buffer);
  }

  /** `view`, in this buffer, is served: the buffer goes back when returnServedBytes(view) is called, not before. */
  lend(view: Uint8Array): void {
    // Serving a view of a buffer the pool may hand out again would serve another read's bytes.
    assert(this.#state === "held" && this.holds(view), () => `a read-ahead window lent bytes from a buffer it no longer held (${this.#state})`);
    this.#state = "lent";
    lentViews.set(view, () => {
      this.#state = "returned";
      this.pool.give(this.buffer);
    });
  }
}
