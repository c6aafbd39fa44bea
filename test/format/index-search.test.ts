// The wasm binary search over .index and .timeindex entries agrees with a
// linear scan for the greatest entry at or below the target.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidRecordError, offsetIndexLookup, timeIndexLookup } from "../../src/index.ts";

function offsetIndex(relativeOffsets: number[]): Uint8Array {
  const bytes = new Uint8Array(relativeOffsets.length * 8);
  const view = new DataView(bytes.buffer);
  relativeOffsets.forEach((offset, i) => {
    view.setInt32(i * 8, offset);
    view.setInt32(i * 8 + 4, i * 4096);
  });
  return bytes;
}

function timeIndex(timestamps: number[]): Uint8Array {
  const bytes = new Uint8Array(timestamps.length * 12);
  const view = new DataView(bytes.buffer);
  timestamps.forEach((timestamp, i) => {
    view.setBigInt64(i * 12, BigInt(timestamp));
    view.setInt32(i * 12 + 8, i * 10);
  });
  return bytes;
}

const lastAtOrBelow = (sorted: number[], target: number) => sorted.findLastIndex((value) => value <= target);
const sortedUnique = (max: number) =>
  fc.uniqueArray(fc.integer({ min: 0, max }), { maxLength: 300 }).map((values) => values.sort((a, b) => a - b));

describe("offset index lookup", () => {
  it("finds the greatest entry <= target, -1 before the first", () => {
    fc.assert(
      fc.property(sortedUnique(0x7fff_ffff), fc.integer({ min: -1, max: 0x7fff_ffff }), (offsets, target) => {
        expect(offsetIndexLookup(offsetIndex(offsets), target)).toBe(lastAtOrBelow(offsets, target));
        for (const offset of offsets.slice(0, 5)) {
          expect(offsetIndexLookup(offsetIndex(offsets), offset)).toBe(offsets.indexOf(offset));
        }
      }),
    );
  });

  it("handles an empty index", () => {
    expect(offsetIndexLookup(new Uint8Array(0), 10)).toBe(-1);
  });

  it("refuses a buffer that is not whole entries", () => {
    expect(() => offsetIndexLookup(new Uint8Array(12), 0)).toThrow(InvalidRecordError);
  });
});

describe("time index lookup", () => {
  it("finds the greatest entry with timestamp <= target", () => {
    const base = 1_700_000_000_000;
    fc.assert(
      fc.property(sortedUnique(10_000_000), fc.integer({ min: -1, max: 10_000_001 }), (deltas, target) => {
        const timestamps = deltas.map((d) => base + d);
        expect(timeIndexLookup(timeIndex(timestamps), base + target)).toBe(lastAtOrBelow(timestamps, base + target));
      }),
    );
  });
});
