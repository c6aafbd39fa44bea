// Kafka's Java client murmur2 (org.apache.kafka.common.utils.Utils.murmur2),
// the hash behind its default partitioner for keyed records.

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** Java's murmur2 of `key`, as a signed 32-bit integer. */
export function murmur2(key: Uint8Array): number {
  const length = key.length;
  let h = SEED ^ length;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = key[i]! | (key[i + 1]! << 8) | (key[i + 2]! << 16) | (key[i + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  // The tail falls through like Java's switch: 3 bytes, then 2, then 1.
  switch (length & 3) {
    case 3:
      h ^= key[whole + 2]! << 16;
    // falls through
    case 2:
      h ^= key[whole + 1]! << 8;
    // falls through
    case 1:
      h ^= key[whole]!;
      h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Java's Utils.toPositive: clears the sign bit (not Math.abs, which fails on MIN_VALUE). */
export function toPositive(value: number): number {
  return value & 0x7fffffff;
}
