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
