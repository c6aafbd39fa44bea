// Where a keyed record goes, as Kafka's clients decide it. Java hashes keys
// with murmur2; librdkafka (PHP, C, Python, Go clients) defaults to CRC-32, so
// the same key can land on different partitions depending on the client.

import type { Random } from "../runtime/index.ts";
import { crc32 } from "./crc32.ts";
import { murmur2, toPositive } from "./murmur2.ts";

/** librdkafka's `partitioner` names; `murmur2` is also Java's keyed default. */
export type PartitionerName = "murmur2" | "murmur2_random" | "consistent" | "consistent_random" | "random";
export const PARTITIONER_NAMES: readonly PartitionerName[] = [
  "murmur2", "murmur2_random", "consistent", "consistent_random", "random",
];

function checkPartitionCount(numPartitions: number): void {
  if (!Number.isInteger(numPartitions) || numPartitions < 1) {
    throw new RangeError(`numPartitions must be a positive integer, got ${numPartitions}`);
  }
}

/** Java's default for a keyed record: toPositive(murmur2(key)) % numPartitions. */
export function murmur2Partition(key: Uint8Array, numPartitions: number): number {
  checkPartitionCount(numPartitions);
  return toPositive(murmur2(key)) % numPartitions;
}

/** librdkafka's `consistent`: crc32(key) % numPartitions. */
export function consistentPartition(key: Uint8Array, numPartitions: number): number {
  checkPartitionCount(numPartitions);
  return crc32(key) % numPartitions;
}

const EMPTY = new Uint8Array(0);

/**
 * The partition librdkafka's partitioner `name` picks for `key`, following its
 * documentation: `murmur2_random` picks at random for a null key (as Java's
 * producer does, minus stickiness), `consistent_random` for a null or empty
 * key, `random` always; `murmur2` and `consistent` hash a null key like an
 * empty one, sending all of them to a single partition.
 */
export function partitionFor(name: PartitionerName, key: Uint8Array | null, numPartitions: number, random: Random): number {
  checkPartitionCount(numPartitions);
  switch (name) {
    case "murmur2":
      return murmur2Partition(key ?? EMPTY, numPartitions);
    case "consistent":
      return consistentPartition(key ?? EMPTY, numPartitions);
    case "murmur2_random":
      return key === null ? random.nextInt(numPartitions) : murmur2Partition(key, numPartitions);
    case "consistent_random":
      return key === null || key.length === 0
        ? random.nextInt(numPartitions)
        : consistentPartition(key, numPartitions);
    case "random":
      return random.nextInt(numPartitions);
  }
}
