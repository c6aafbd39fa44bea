// Searches Kafka's sparse index files (.index: 8-byte entries, .timeindex:
// 12-byte entries, big-endian) with the wasm core's binary search.

import { OFFSET_INDEX_ENTRY_BYTES, TIME_INDEX_ENTRY_BYTES } from "./batch-layout.ts";
import { InvalidRecordError } from "./errors.ts";
import { core, memoryViews, reserve, scratchBase } from "./wasm-core.ts";

function entryCount(index: Uint8Array, entryBytes: number, kind: string): number {
  if (index.length % entryBytes !== 0) {
    throw new InvalidRecordError(`${kind} of ${index.length} bytes is not a whole number of ${entryBytes}-byte entries`);
  }
  return index.length / entryBytes;
}

/**
 * Position of the last .index entry whose relative offset is <= target, or -1
 * when the target precedes every entry (the scan then starts at the segment's start).
 */
export function offsetIndexLookup(index: Uint8Array, targetRelativeOffset: number): number {
  const count = entryCount(index, OFFSET_INDEX_ENTRY_BYTES, "offset index");
  reserve(index.length);
  memoryViews.u8.set(index, scratchBase);
  return core.offsetIndexLookup(scratchBase, count, targetRelativeOffset);
}

/** Position of the last .timeindex entry whose timestamp is <= target (ms), or -1. */
export function timeIndexLookup(index: Uint8Array, targetTimestamp: number): number {
  const count = entryCount(index, TIME_INDEX_ENTRY_BYTES, "time index");
  reserve(index.length);
  memoryViews.u8.set(index, scratchBase);
  return core.timeIndexLookup(scratchBase, count, targetTimestamp);
}
