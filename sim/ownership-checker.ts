// Checks a history of partition assignments: a pure function. Each time a
// rebalance hands a consumer its partitions, the history records one
// "assign" entry per partition (its value the topic-partition, its detail
// the generation). Kafka's group protocol promises that within one
// generation no partition belongs to two members — whichever assignor ran.

import type { HistoryEntry } from "./history.ts";
import { type Anomaly, type CheckerVerdict, entriesWhere } from "./verdict.ts";

/** A partition owned by more than one member in one generation; `entries` are the assignments that handed it out. */
export interface OwnershipAnomaly extends Anomaly {
  readonly kind: "shared-owner";
  readonly generation: string;
  readonly partition: string;
  readonly members: readonly string[];
}

/** The anomalies, and the same findings as sharedOwners; "unknown" when no generation handed out partitions. */
export interface OwnershipVerdict extends CheckerVerdict<OwnershipAnomaly> {
  /** How many generations handed out partitions. */
  readonly generations: number;
  /** Partitions owned by more than one member in one generation. */
  readonly sharedOwners: readonly { readonly generation: string; readonly partition: string; readonly members: readonly string[] }[];
  readonly explanation: readonly string[];
}

export function checkOwnership(history: readonly HistoryEntry[]): OwnershipVerdict {
  /** generation → partition → members handed it in that generation. */
  const owners = new Map<string, Map<string, Set<string>>>();
  for (const entry of history) {
    if (entry.op !== "assign" || entry.type !== "ok" || entry.detail === undefined) continue;
    const byPartition = owners.get(entry.detail) ?? new Map<string, Set<string>>();
    owners.set(entry.detail, byPartition);
    byPartition.set(entry.value, (byPartition.get(entry.value) ?? new Set()).add(entry.process));
  }
  const sharedOwners = [...owners].flatMap(([generation, byPartition]) => [...byPartition]
    .filter(([, members]) => members.size > 1)
    .map(([partition, members]) => ({ generation, partition, members: [...members] })));
  const anomalies = sharedOwners.map(({ generation, partition, members }) => ({
    kind: "shared-owner" as const, generation, partition, members,
    entries: entriesWhere(history, (e) => e.op === "assign" && e.type === "ok" && e.detail === generation && e.value === partition),
  }));
  return {
    valid: anomalies.length > 0 ? false : owners.size === 0 ? "unknown" : true,
    anomalies,
    generations: owners.size,
    sharedOwners,
    explanation: sharedOwners.map(({ generation, partition, members }) => `${generation}: ${partition} owned by ${members.join(" and ")}`),
  };
}
