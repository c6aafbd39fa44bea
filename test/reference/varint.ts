// Zigzag varints with BigInt arithmetic, written from the protobuf spec: the
// yardstick for the wasm core's varint code.

export function referenceEncodeVarlong(value: bigint): Uint8Array {
  let zigzag = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
  const bytes: number[] = [];
  do {
    const group = Number(zigzag & 0x7fn);
    zigzag >>= 7n;
    bytes.push(zigzag === 0n ? group : group | 0x80);
  } while (zigzag !== 0n);
  return Uint8Array.from(bytes);
}

/** Decodes a varlong; returns [value, bytes read] or null when malformed. */
export function referenceDecodeVarlong(bytes: Uint8Array, maxBytes = 10): [bigint, number] | null {
  let zigzag = 0n;
  for (let i = 0; i < Math.min(bytes.length, maxBytes); i++) {
    zigzag |= BigInt(bytes[i]! & 0x7f) << BigInt(7 * i);
    if ((bytes[i]! & 0x80) === 0) {
      if (zigzag >> 64n !== 0n) return null; // bits beyond 64
      const value = (zigzag >> 1n) ^ -(zigzag & 1n);
      return [BigInt.asIntN(64, value), i + 1];
    }
  }
  return null;
}
