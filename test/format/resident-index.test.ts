// The in-memory .index and .timeindex: an index with few entries costs a small
// plain buffer, not a wasm instance, and searches exactly as the core does
// whether its entries are in the plain buffer or have outgrown it.

import { describe, expect, it } from "vitest";
import { offsetIndexLookup, OffsetIndex, RESIDENT_INDEX_PLAIN_BYTES_MAX, timeIndexLookup, TimeIndex } from "../../src/format/index.ts";

const WASM_MEMORY_BYTES_MIN = 64 * 1024;
/** Entry counts on both sides of the plain buffer's limit (8-byte offset entries, 12-byte time entries). */
const COUNTS = [1, 2, 7, 1365, 1366, 1367, 2047, 2048, 2049, 5000];

describe("resident indexes", () => {
  it("hold no memory while empty, and a few entries in a buffer far smaller than a wasm memory", () => {
    const offsets = OffsetIndex.create();
    const times = TimeIndex.create();
    expect(offsets.memoryBytes + times.memoryBytes).toBe(0);
    for (let i = 0; i < 20; i++) {
      offsets.append(i * 10, i * 4096);
      times.append(1_700_000_000_000 + i, i * 10);
    }
    expect(offsets.memoryBytes).toBeLessThanOrEqual(1024);
    expect(times.memoryBytes).toBeLessThanOrEqual(1024);
    expect(RESIDENT_INDEX_PLAIN_BYTES_MAX).toBeLessThan(WASM_MEMORY_BYTES_MIN);
  });

  it.each(COUNTS)("an offset index of %i entries finds what the core's search over its file bytes finds", (count) => {
    const index = OffsetIndex.create();
    for (let i = 0; i < count; i++) index.append(i * 3 + 5, i * 100);
    const bytes = index.toBytes();
    expect(bytes.length).toBe(count * 8);
    for (let target = -2; target < count * 3 + 10; target += count > 100 ? 7 : 1) {
      expect(index.lookup(target)).toBe(offsetIndexLookup(bytes, target));
    }
    const loaded = OffsetIndex.create();
    loaded.load(bytes);
    expect(loaded.toBytes()).toEqual(bytes);
    expect(loaded.positionAt(count - 1)).toBe((count - 1) * 100);
  });

  it.each(COUNTS)("a time index of %i entries finds what the core's search over its file bytes finds", (count) => {
    const index = TimeIndex.create();
    const first = -50;
    for (let i = 0; i < count; i++) index.append(first + i * 2, i);
    const bytes = index.toBytes();
    for (let target = first - 3; target < first + count * 2 + 3; target += count > 100 ? 5.5 : 0.5) {
      expect(index.lookup(target)).toBe(timeIndexLookup(bytes, target));
    }
    expect(index.timestampAt(count - 1)).toBe(first + (count - 1) * 2);
  });
});
