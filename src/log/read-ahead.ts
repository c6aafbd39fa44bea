// Read-ahead for readers that go through a log in order (a consumer catching up). A segment that served a read
// ending at byte P reads the next window from P and checks its batches' CRCs at once, while the answer goes out and
// the consumer works through it; the consumer's next fetch, for the offset after the last one served, then finds
// its bytes read and checked. Kafka's broker gets the same overlap from the page cache and sendfile; loglab reads
// into memory and checks every batch it serves, so it does that work ahead of the request instead.
//
// A segment keeps a window per reader going through it in order (a few at most). Every window held counts against
// one byte budget per log manager: making room drops the windows held longest (each window is about one fetch's max
// bytes, so a budget of 64 MiB holds about 64 readers' next windows).

import type { WindowPool } from "./window-pool.ts";

/** What the segments of one log manager share to read ahead: the byte budget and the pool of window buffers. */
export interface ReadAheadShares {
  /** Absent: nothing is read ahead. */
  readonly readAhead?: ReadAheadBudget;
  /** Absent: each window has memory of its own. */
  readonly windowPool?: WindowPool;
}

/** Just the read-ahead shares of `options` (a segment's or a log's), to hand on to another segment. */
export function readAheadShares(options: ReadAheadShares): ReadAheadShares {
  const { readAhead, windowPool } = options;
  return { ...(readAhead === undefined ? {} : { readAhead }), ...(windowPool === undefined ? {} : { windowPool }) };
}

/** What holds a window: it lets go of it when the budget needs the room. */
export interface ReadAheadHolder {
  dropReadAhead(): void;
}

export class ReadAheadBudget {
  readonly #held = new Map<ReadAheadHolder, number>();
  #bytes = 0;

  /** `maxBytes`: the most bytes all windows together may take. */
  constructor(readonly maxBytes: number) {
    if (!(Number.isSafeInteger(maxBytes) && maxBytes >= 0)) throw new RangeError(`read-ahead budget ${maxBytes} is not a byte count`);
  }

  /** Bytes the windows held now may take. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Counts a window of up to `bytes` for `holder` (replacing the one it held), dropping the windows held longest
   * until it fits. False, with nothing dropped, when it is larger than the whole budget.
   */
  admit(holder: ReadAheadHolder, bytes: number): boolean {
    this.release(holder);
    if (bytes > this.maxBytes) return false;
    for (const [other, otherBytes] of this.#held) {
      if (this.#bytes + bytes <= this.maxBytes) break;
      this.#held.delete(other);
      this.#bytes -= otherBytes;
      other.dropReadAhead();
    }
    this.#held.set(holder, bytes);
    this.#bytes += bytes;
    return true;
  }

  /** The holder no longer holds a window. */
  release(holder: ReadAheadHolder): void {
    const bytes = this.#held.get(holder);
    if (bytes === undefined) return;
    this.#held.delete(holder);
    this.#bytes -= bytes;
  }
}
