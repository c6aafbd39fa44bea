// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), slicing-by-16.
// Table k maps a byte to the CRC of that byte followed by k zero bytes, so one
// iteration folds 16 input bytes with 16 independent lookups.
//
// The loop is shaped for V8's optimising compiler, which schedules pure
// arithmetic as late as it can: a plain XOR of 16 lookups keeps all 16 loaded
// values live to the end of the iteration and spills about ten of them to the
// stack every 16 bytes. Instead the 12 lookups that do not depend on the
// running CRC are folded in three groups of four, each followed by a store to
// a sink that is never read; a store is an effect V8 keeps in place, so each
// group's XOR is computed there and its four values die at once (no spills,
// ~25% faster). Bytes 4..11 are loaded one at a time (spare load ports),
// bytes 12..15 come from one u32 (ALU ports), and bytes 0..3, XORed with the
// CRC, go last, so only their four lookups sit on the loop-carried chain.

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

/** Never read: stores to it pin where V8 computes each partial XOR (see the top). */
const XOR_SINK: usize = memory.data(16, 16);

/**
 * Continues a CRC-32C over `len` bytes at `ptr`. `crc` is a finished CRC of the
 * bytes before (0 for none), so calls chain: crc(a ++ b) = update(crc(a), b).
 */
export function crc32cUpdate(crc: u32, ptr: usize, len: usize): u32 {
  let c = ~crc;
  const end = ptr + len;
  while (end - ptr >= 16) {
    // Bytes 12..15 (tables 3..0), independent of c.
    const w3 = load<u32>(ptr, 12);
    let r =
      (load<u32>(b3(w3)) ^ load<u32>(b2(w3), 1 << 10)) ^
      (load<u32>(b1(w3), 2 << 10) ^ load<u32>(b0(w3), 3 << 10));
    store<u32>(XOR_SINK, r);
    // Bytes 8..11 (tables 7..4).
    r ^=
      (load<u32>(<usize>load<u8>(ptr, 11) << 2, 4 << 10) ^ load<u32>(<usize>load<u8>(ptr, 10) << 2, 5 << 10)) ^
      (load<u32>(<usize>load<u8>(ptr, 9) << 2, 6 << 10) ^ load<u32>(<usize>load<u8>(ptr, 8) << 2, 7 << 10));
    store<u32>(XOR_SINK, r);
    // Bytes 4..7 (tables 11..8).
    r ^=
      (load<u32>(<usize>load<u8>(ptr, 7) << 2, 8 << 10) ^ load<u32>(<usize>load<u8>(ptr, 6) << 2, 9 << 10)) ^
      (load<u32>(<usize>load<u8>(ptr, 5) << 2, 10 << 10) ^ load<u32>(<usize>load<u8>(ptr, 4) << 2, 11 << 10));
    store<u32>(XOR_SINK, r);
    // Bytes 0..3 XOR the running CRC (tables 15..12): the only loop-carried path.
    const w0 = load<u32>(ptr) ^ c;
    c = r ^ (
      (load<u32>(b0(w0), 15 << 10) ^ load<u32>(b1(w0), 14 << 10)) ^
      (load<u32>(b2(w0), 13 << 10) ^ load<u32>(b3(w0), 12 << 10))
    );
    ptr += 16;
  }
  while (ptr != end) {
    c = load<u32>(b0(c ^ <u32>load<u8>(ptr))) ^ (c >>> 8);
    ptr++;
  }
  return ~c;
}
