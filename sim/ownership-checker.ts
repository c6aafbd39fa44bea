// Checks a history of partition assignments: a pure function. Each time a
// rebalance hands a consumer its partitions, the history records one
// "assign" entry per partition (its value the topic-partition, its detail
// the generation). Kafka's group protocol promises that within one
// generation no partition belongs to two members — whichever assignor ran.

import type { HistoryEntry } from "./history.ts";

export interface OwnershipVerdict {
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
  return {
    generations: owners.size,
    sharedOwners,
    explanation: sharedOwners.map(({ generation, partition, members }) => `${generation}: ${partition} owned by ${members.join(" and ")}`),
  };
}
