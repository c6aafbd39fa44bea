// loglab's WebAssembly core: CRC-32C, zigzag varints, RecordBatch v2 encoding,
// validation and record indexing, and index-file search. No I/O, no imports:
// the host owns the memory layout above heapBase().

import { initCrcTables } from "./crc32c";
import { readVarlong, varintLength, writeVarlong } from "./varint";

initCrcTables();

export { crc32cUpdate } from "./crc32c";
export { encodeBatch } from "./batch-encode";
export { scanBatches } from "./batch-scan";
export { offsetIndexLookup, timeIndexLookup } from "./index-search";

/** First address the host may use for its own buffers. */
export function heapBase(): usize {
  return (__heap_base + 15) & ~<usize>15;
}

/** Writes a zigzag varlong at ptr; returns its length. Exposed for cross-checks. */
export function encodeVarlong(ptr: usize, value: i64): i32 {
  return <i32>(writeVarlong(ptr, value) - ptr);
}

/** Reads a zigzag varlong from [ptr, end); see lastVarintLength(). Exposed for cross-checks. */
export function decodeVarlong(ptr: usize, end: usize): i64 {
  return readVarlong(ptr, end);
}

/** Length of the last varint decoded, or -1 if it was malformed. */
export function lastVarintLength(): i32 {
  return varintLength;
}
