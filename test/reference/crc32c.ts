// Bit-at-a-time CRC-32C: slow and obviously right, the yardstick for the wasm
// slicing-by-16 kernel.

const POLY_REFLECTED = 0x82f63b78;

export function referenceCrc32c(bytes: Uint8Array, previous = 0): number {
  let crc = ~previous;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ POLY_REFLECTED : crc >>> 1;
  }
  return ~crc >>> 0;
}
