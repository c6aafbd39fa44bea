// Byte helpers shared by the tests.

/** Deterministic non-trivial bytes: `length` of them, varied by `seed`. */
export function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed * 17) & 0xff;
  return out;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Where `needle` (bytes, or a string's UTF-8) first occurs in `haystack`, or -1: Buffer.indexOf without Buffer. */
export function indexOfBytes(haystack: Uint8Array, needle: Uint8Array | string): number {
  const target = typeof needle === "string" ? new TextEncoder().encode(needle) : needle;
  outer: for (let at = 0; at + target.length <= haystack.length; at++) {
    for (let i = 0; i < target.length; i++) if (haystack[at + i] !== target[i]) continue outer;
    return at;
  }
  return -1;
}

/** Byte-for-byte equality, cheap on large arrays (a deep toEqual over them is slow). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
