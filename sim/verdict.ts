// What every checker returns: whether the history keeps the property, each
// anomaly found with the history entries that show it, and the explanation
// in words, one line per anomaly.

/** One thing a checker found wrong, with the indexes (into the history it was given) of the entries that show it. */
export interface Anomaly {
  readonly kind: string;
  readonly entries: readonly number[];
}

/**
 * A checker's verdict. `valid` is true when the history keeps the property,
 * false when an anomaly shows it broken, and "unknown" when the history
 * holds nothing the property speaks about.
 */
export interface CheckerVerdict<A extends Anomaly> {
  readonly valid: true | false | "unknown";
  readonly anomalies: readonly A[];
  /** One line per anomaly, in the same order. */
  readonly explanation: readonly string[];
}

/** The indexes of the history entries that `matches` picks. */
export function entriesWhere<E>(history: readonly E[], matches: (entry: E) => boolean): number[] {
  const indexes: number[] = [];
  history.forEach((entry, index) => { if (matches(entry)) indexes.push(index); });
  return indexes;
}
