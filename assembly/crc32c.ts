// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), slicing-by-16.
// Table k maps a byte to the CRC of that byte followed by k zero bytes, so one
// iteration folds 16 input bytes with 16 independent lookups.

const POLY_REFLECTED: u32 = 0x82f63b78;

/** Fills the 16 tables at address 0; runs once when the module starts. */
export function initCrcTables(): void {
  for (let i: u32 = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (POLY_REFLECTED & (0 - (c & 1)));
    store<u32>(i << 2, c);
  }
  for (let i: u32 = 0; i < 256; i++) {
    let c = load<u32>(i << 2);
    for (let t: u32 = 1; t < 16; t++) {
      c = (c >>> 8) ^ load<u32>((c & 0xff) << 2);
      store<u32>((t << 10) + (i << 2), c);
    }
  }
}

// Table t's entry for the low byte of x, and for bytes 1..3 of x. The shifts are
// pre-scaled by 4 so that no separate multiply is needed for the u32 index.
// @ts-ignore: decorator
@inline function b0(x: u32): usize { return (x << 2) & 0x3fc; }
// @ts-ignore: decorator
@inline function b1(x: u32): usize { return (x >>> 6) & 0x3fc; }
// @ts-ignore: decorator
@inline function b2(x: u32): usize { return (x >>> 14) & 0x3fc; }
// @ts-ignore: decorator
@inline function b3(x: u32): usize { return (x >>> 22) & 0x3fc; }

/**
 * Continues a CRC-32C over `len` bytes at `ptr`. `crc` is a finished CRC of the
 * bytes before (0 for none), so calls chain: crc(a ++ b) = update(crc(a), b).
 */
export function crc32cUpdate(crc: u32, ptr: usize, len: usize): u32 {
  let c = ~crc;
  while (len >= 16) {
    const w0 = load<u32>(ptr) ^ c;
    const w1 = load<u32>(ptr, 4);
    const w2 = load<u32>(ptr, 8);
    const w3 = load<u32>(ptr, 12);
    c =
      load<u32>(b0(w0), 15 << 10) ^ load<u32>(b1(w0), 14 << 10) ^
      load<u32>(b2(w0), 13 << 10) ^ load<u32>(b3(w0), 12 << 10) ^
      load<u32>(b0(w1), 11 << 10) ^ load<u32>(b1(w1), 10 << 10) ^
      load<u32>(b2(w1), 9 << 10) ^ load<u32>(b3(w1), 8 << 10) ^
      load<u32>(b0(w2), 7 << 10) ^ load<u32>(b1(w2), 6 << 10) ^
      load<u32>(b2(w2), 5 << 10) ^ load<u32>(b3(w2), 4 << 10) ^
      load<u32>(b0(w3), 3 << 10) ^ load<u32>(b1(w3), 2 << 10) ^
      load<u32>(b2(w3), 1 << 10) ^ load<u32>(b3(w3));
    ptr += 16;
    len -= 16;
  }
  while (len > 0) {
    c = load<u32>(b0(c ^ <u32>load<u8>(ptr))) ^ (c >>> 8);
    ptr++;
    len--;
  }
  return ~c;
}
