// CRC-32C (Castagnoli) of a byte array, computed by the wasm core.

import { core, memoryViews, reserve, scratchBase } from "./wasm-core.ts";

/**
 * CRC-32C of `bytes` as an unsigned 32-bit number. Pass the CRC of the bytes
 * before to continue a running checksum: crc32c(b, crc32c(a)) = crc32c(a ++ b).
 */
export function crc32c(bytes: Uint8Array, previous = 0): number {
  reserve(bytes.length);
  memoryViews.u8.set(bytes, scratchBase);
  return core.crc32cUpdate(previous, scratchBase, bytes.length) >>> 0;
}
