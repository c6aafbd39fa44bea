// Time as a capability: code that reads the time takes a Clock from its
// caller, so a simulation can run it on virtual time.

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  nowMs(): number;
}

/** The real shell's clock. */
export const systemClock: Clock = {
  nowMs: () => Date.now(),
};

/** A clock that moves only when told to: for tests and simulations. */
export class ManualClock implements Clock {
  constructor(private currentMs = 0) {}

  nowMs(): number {
    return this.currentMs;
  }

  advance(ms: number): void {
    if (ms < 0) throw new RangeError(`a clock cannot go back (advance by ${ms} ms)`);
    this.currentMs += ms;
  }
}
