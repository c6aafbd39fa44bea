// Zigzag varints as Kafka writes them in records (protobuf's sint32/sint64):
// 7 bits a byte, least significant group first, high bit = "more follows".
// Readers never load past `end` and report malformed input instead of trapping.

/** Length in bytes of the last varint read; -1 if it was truncated or too long. */
export let varintLength: i32 = 0;

/** Bytes needed for the zigzag varint of a 32-bit value. */
// @ts-ignore: decorator
@inline export function varintSize(value: i32): i32 {
  const z = <u32>((value << 1) ^ (value >> 31));
  // Each 7 significant bits need a byte; clz(0) = 32 still needs one byte.
  return (38 - clz<u32>(z | 1)) / 7;
}

/** Bytes needed for the zigzag varlong of a 64-bit value. */
// @ts-ignore: decorator
@inline export function varlongSize(value: i64): i32 {
  const z = <u64>((value << 1) ^ (value >> 63));
  return <i32>((70 - clz<u64>(z | 1)) / 7);
}

/** Writes a zigzag varint at `ptr`; returns the address after it. */
// @ts-ignore: decorator
@inline export function writeVarint(ptr: usize, value: i32): usize {
  let z = <u32>((value << 1) ^ (value >> 31));
  while (z >= 0x80) {
    store<u8>(ptr++, <u8>(z | 0x80));
    z >>>= 7;
  }
  store<u8>(ptr++, <u8>z);
  return ptr;
}

/** Writes a zigzag varlong at `ptr`; returns the address after it. */
export function writeVarlong(ptr: usize, value: i64): usize {
  let z = <u64>((value << 1) ^ (value >> 63));
  while (z >= 0x80) {
    store<u8>(ptr++, <u8>(z | 0x80));
    z >>>= 7;
  }
  store<u8>(ptr++, <u8>z);
  return ptr;
}

/**
 * Reads a zigzag varint of at most 5 bytes from [ptr, end). Sets varintLength to
 * its size, or to -1 when it runs past `end` or past 5 bytes (Kafka rejects those).
 */
export function readVarint(ptr: usize, end: usize): i32 {
  let z: u32 = 0;
  let shift: u32 = 0;
  let p = ptr;
  while (p < end) {
    const b = <u32>load<u8>(p++);
    if (shift == 28 && b > 0x0f) break; // a 6th byte or bits beyond 32
    z |= (b & 0x7f) << shift;
    if (b < 0x80) {
      varintLength = <i32>(p - ptr);
      return <i32>((z >>> 1) ^ (0 - (z & 1)));
    }
    shift += 7;
  }
  varintLength = -1;
  return 0;
}

/** Reads a zigzag varlong of at most 10 bytes from [ptr, end); see readVarint. */
export function readVarlong(ptr: usize, end: usize): i64 {
  let z: u64 = 0;
  let shift: u64 = 0;
  let p = ptr;
  while (p < end) {
    const b = <u64>load<u8>(p++);
    if (shift == 63 && b > 0x01) break;
    z |= (b & 0x7f) << shift;
    if (b < 0x80) {
      varintLength = <i32>(p - ptr);
      return <i64>((z >>> 1) ^ (0 - (z & 1)));
    }
    shift += 7;
  }
  varintLength = -1;
  return 0;
}
