// Randomness as a capability: code that randomises takes a Random from its
// caller, so a simulation can hand it a seeded one and replay the run.

export interface Random {
  /** A uniformly distributed integer in [0, bound). */
  nextInt(bound: number): number;
}

/** The real shell's randomness (not reproducible). */
export const systemRandom: Random = {
  nextInt: (bound) => Math.floor(Math.random() * bound),
};

/**
 * A seeded generator (SplitMix32 over a 32-bit state): the same seed gives the
 * same sequence in every runtime, which is what replaying a run needs.
 */
export class SeededRandom implements Random {
  #state: number;

  constructor(seed: number) {
    this.#state = seed | 0;
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  nextUint32(): number {
    this.#state = (this.#state + 0x9e3779b9) | 0;
    let z = this.#state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  }

  nextInt(bound: number): number {
    if (!Number.isInteger(bound) || bound < 1 || bound > 0x1_0000_0000) throw new RangeError(`bound must be an integer in [1, 2^32], got ${bound}`);
    // Rejection sampling keeps every value equally likely.
    const limit = 0x1_0000_0000 - (0x1_0000_0000 % bound);
    let value: number;
    do value = this.nextUint32();
    while (value >= limit);
    return value % bound;
  }
}
