// Invariants checked where data crosses a boundary. A broken invariant is a
// bug in loglab itself, not bad input: it throws and nothing limps on.

/** An internal invariant that did not hold: a bug, never a caller's mistake. */
export class InvariantError extends Error {
  constructor(message: string) {
    super(`invariant broken: ${message}`);
    this.name = "InvariantError";
  }
}

/** Throws InvariantError with `message` unless `condition` holds. */
export function assert(condition: boolean, message: string | (() => string)): asserts condition {
  if (!condition) throw new InvariantError(typeof message === "string" ? message : message());
}
