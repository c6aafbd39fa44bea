// Java's murmur2 and its partitions from the independent vectors; CRC-32 for
// librdkafka's consistent partitioner against its published check value; and
// which partitioner hashes or randomises null and empty keys.

import { describe, expect, it } from "vitest";
import {
  consistentPartition, crc32, murmur2, murmur2Partition, partitionFor, type Random, toPositive,
} from "../../src/index.ts";
import { fromHex } from "../support/hex.ts";
import murmurVectors from "../vectors/murmur2.json" with { type: "json" };

describe("murmur2 (Java client)", () => {
  it.each(murmurVectors.cases.map((c) => [c.keyHex || "(empty)", c] as const))("key %s", (_, vector) => {
    const key = fromHex(vector.keyHex);
    expect(murmur2(key)).toBe(vector.murmur2);
    for (const [count, partition] of Object.entries(vector.partitions)) {
      expect(murmur2Partition(key, Number(count))).toBe(partition);
    }
  });

  it("toPositive clears the sign bit instead of negating", () => {
    expect(toPositive(-2147483648)).toBe(0);
    expect(toPositive(-1)).toBe(0x7fffffff);
  });
});

describe("CRC-32 (librdkafka consistent)", () => {
  it("matches the standard check value and the empty input", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it("sends the talk's keys where crc32 % n says, which can differ from Java's choice", () => {
    const keys = Array.from({ length: 64 }, (_, i) => new TextEncoder().encode(`user-${i}`));
    for (const key of keys) expect(consistentPartition(key, 4)).toBe(crc32(key) % 4);
    const differing = keys.filter((key) => consistentPartition(key, 4) !== murmur2Partition(key, 4));
    expect(differing.length).toBeGreaterThan(0);
  });
});

describe("partitionFor", () => {
  const fixed = (value: number): Random => ({ nextInt: (bound) => value % bound });
  const key = new TextEncoder().encode("foo");
  const empty = new Uint8Array(0);

  it("hashes keys with the named function", () => {
    expect(partitionFor("murmur2", key, 12, fixed(0))).toBe(murmur2Partition(key, 12));
    expect(partitionFor("murmur2_random", key, 12, fixed(0))).toBe(murmur2Partition(key, 12));
    expect(partitionFor("consistent", key, 12, fixed(0))).toBe(consistentPartition(key, 12));
    expect(partitionFor("consistent_random", key, 12, fixed(0))).toBe(consistentPartition(key, 12));
  });

  it("randomises null keys only for the _random variants, and empty keys only for consistent_random", () => {
    expect(partitionFor("murmur2", null, 12, fixed(7))).toBe(murmur2Partition(empty, 12));
    expect(partitionFor("consistent", null, 12, fixed(7))).toBe(0);
    expect(partitionFor("murmur2_random", null, 12, fixed(7))).toBe(7);
    expect(partitionFor("murmur2_random", empty, 12, fixed(7))).toBe(murmur2Partition(empty, 12));
    expect(partitionFor("consistent_random", empty, 12, fixed(7))).toBe(7);
    expect(partitionFor("random", key, 12, fixed(5))).toBe(5);
  });

  it("refuses a partition count that is not a positive integer", () => {
    expect(() => murmur2Partition(key, 0)).toThrow(/numPartitions must be a positive integer, got 0/);
    expect(() => partitionFor("consistent", key, 1.5, fixed(0))).toThrow(RangeError);
  });
});
