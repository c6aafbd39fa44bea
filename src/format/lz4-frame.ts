// Decodes LZ4 frames (the format Kafka's KafkaLZ4BlockOutputStream and
// librdkafka write for magic v2 batches). Reading only: loglab does not write lz4.
//
// Written here rather than taken from npm: the one pure-JS LZ4 frame library
// (lz4js 0.2.0) has not been released since 2017, does not bounds-check matches
// (a garbled block decodes to wrong bytes instead of an error), ignores the
// header and content checksums, and writes frames without the block-independence
// flag that Kafka's Java reader requires. Every check of the frame format is made
// here, and every failure throws Lz4FrameError.

const FRAME_MAGIC = 0x184d2204;
/** Skippable frames carry user data a decoder must step over: magic 0x184D2A50..5F. */
const SKIPPABLE_MAGIC_MIN = 0x184d2a50;
const SKIPPABLE_MAGIC_MAX = 0x184d2a5f;
const FLG_VERSION_MASK = 0xc0;
const FLG_VERSION_1 = 0x40;
const FLG_BLOCK_CHECKSUM = 0x10;
const FLG_CONTENT_SIZE = 0x08;
const FLG_CONTENT_CHECKSUM = 0x04;
const FLG_RESERVED = 0x02;
const FLG_DICT_ID = 0x01;
const BD_RESERVED = 0x8f;
const BLOCK_UNCOMPRESSED = 0x8000_0000;
const MATCH_BYTES_MIN = 4;
/** Block maximum sizes by the BD byte's bits 6-4 (4..7). */
const BLOCK_BYTES_MAX_BY_ID: Readonly<Record<number, number>> = { 4: 64 << 10, 5: 256 << 10, 6: 1 << 20, 7: 4 << 20 };

/** LZ4 bytes that are not a valid frame; the message says what and where. */
export class Lz4FrameError extends Error {}

const PRIME32_1 = 0x9e3779b1;
const PRIME32_2 = 0x85ebca77;
const PRIME32_3 = 0xc2b2ae3d;
const PRIME32_4 = 0x27d4eb2f;
const PRIME32_5 = 0x165667b1;

function rotl32(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function readU32LE(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}

/** XXH32 of bytes[start, end) with seed 0: the frame format's header, block and content checksum. */
export function xxhash32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let at = start;
  let h: number;
  if (end - start >= 16) {
    let v1 = (PRIME32_1 + PRIME32_2) | 0;
    let v2 = PRIME32_2 | 0;
    let v3 = 0;
    let v4 = -PRIME32_1 | 0;
    const round = (acc: number, lane: number) => Math.imul(rotl32((acc + Math.imul(lane, PRIME32_2)) | 0, 13), PRIME32_1);
    for (; at <= end - 16; at += 16) {
      v1 = round(v1, readU32LE(bytes, at));
      v2 = round(v2, readU32LE(bytes, at + 4));
      v3 = round(v3, readU32LE(bytes, at + 8));
      v4 = round(v4, readU32LE(bytes, at + 12));
    }
    h = (rotl32(v1, 1) + rotl32(v2, 7) + rotl32(v3, 12) + rotl32(v4, 18)) | 0;
  } else {
    h = PRIME32_5 | 0;
  }
  h = (h + (end - start)) | 0;
  for (; at <= end - 4; at += 4) h = Math.imul(rotl32((h + Math.imul(readU32LE(bytes, at), PRIME32_3)) | 0, 17), PRIME32_4);
  for (; at < end; at++) h = Math.imul(rotl32((h + Math.imul(bytes[at]!, PRIME32_5)) | 0, 11), PRIME32_1);
  h ^= h >>> 15;
  h = Math.imul(h, PRIME32_2);
  h ^= h >>> 13;
  h = Math.imul(h, PRIME32_3);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A growable output buffer that refuses to pass `limit` bytes. */
class Output {
  bytes = new Uint8Array(1024);
  length = 0;

  constructor(private readonly limit: number) {}

  ensure(extra: number): void {
    const needed = this.length + extra;
    if (needed > this.limit) throw new Lz4FrameError(`decompressed size exceeds ${this.limit} bytes`);
    if (needed <= this.bytes.length) return;
    const grown = new Uint8Array(Math.min(this.limit, Math.max(needed, this.bytes.length * 2)));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }
}

/** Reads an LZ4 length extension (bytes of 255 then a last byte) starting at `at`. */
function extendLength(src: Uint8Array, at: number, end: number, length: number): [number, number] {
  let byte: number;
  do {
    if (at >= end) throw new Lz4FrameError(`length extension runs past the block end at byte ${at}`);
    byte = src[at++]!;
    length += byte;
  } while (byte === 255);
  return [length, at];
}

/** Decodes one LZ4 block src[start, end) onto `out`; matches may reach back to `windowStart`. */
function decodeBlock(src: Uint8Array, start: number, end: number, out: Output, windowStart: number, blockBytesMax: number): void {
  const blockStart = out.length;
  let at = start;
  while (at < end) {
    const token = src[at++]!;
    let literals = token >>> 4;
    if (literals === 15) [literals, at] = extendLength(src, at, end, literals);
    if (literals > end - at) throw new Lz4FrameError(`${literals} literals at byte ${at} run past the block end`);
    if (out.length - blockStart + literals > blockBytesMax) throw new Lz4FrameError(`block decodes to more than its maximum ${blockBytesMax} bytes`);
    out.ensure(literals);
    out.bytes.set(src.subarray(at, at + literals), out.length);
    out.length += literals;
    at += literals;
    if (at === end) return; // the last sequence has literals only
    if (end - at < 2) throw new Lz4FrameError(`match offset at byte ${at} runs past the block end`);
    const offset = src[at]! | (src[at + 1]! << 8);
    at += 2;
    if (offset === 0 || offset > out.length - windowStart) {
      throw new Lz4FrameError(`match offset ${offset} at byte ${at - 2} reaches before the decoded data`);
    }
    let matchLength = token & 15;
    if (matchLength === 15) [matchLength, at] = extendLength(src, at, end, matchLength);
    matchLength += MATCH_BYTES_MIN;
    if (out.length - blockStart + matchLength > blockBytesMax) throw new Lz4FrameError(`block decodes to more than its maximum ${blockBytesMax} bytes`);
    out.ensure(matchLength);
    const bytes = out.bytes;
    // Byte by byte: a match may overlap the bytes it is copying (offset < length).
    for (let from = out.length - offset, to = out.length, stop = to + matchLength; to < stop;) bytes[to++] = bytes[from++]!;
    out.length += matchLength;
  }
  throw new Lz4FrameError(`block ends without a final literal run at byte ${end}`);
}

/** Decodes one frame starting at `at` onto `out`; returns the position after it. */
function decodeFrame(src: Uint8Array, at: number, out: Output): number {
  const need = (count: number, what: string) => {
    if (src.length - at < count) throw new Lz4FrameError(`${what} at byte ${at} needs ${count} bytes, ${src.length - at} remain`);
  };
  need(7, "frame header");
  const descriptorStart = at + 4;
  const flg = src[descriptorStart]!;
  const bd = src[descriptorStart + 1]!;
  if ((flg & FLG_VERSION_MASK) !== FLG_VERSION_1) throw new Lz4FrameError(`frame version bits ${flg >>> 6}, expected 1`);
  if ((flg & FLG_RESERVED) !== 0 || (bd & BD_RESERVED) !== 0) throw new Lz4FrameError("reserved frame descriptor bits are set");
  if ((flg & FLG_DICT_ID) !== 0) throw new Lz4FrameError("frames that need a dictionary are not supported");
  const blockBytesMax = BLOCK_BYTES_MAX_BY_ID[(bd >>> 4) & 7];
  if (blockBytesMax === undefined) throw new Lz4FrameError(`block maximum size id ${(bd >>> 4) & 7} is not 4..7`);
  at = descriptorStart + 2;
  let contentSize = -1;
  if ((flg & FLG_CONTENT_SIZE) !== 0) {
    need(9, "content size");
    contentSize = readU32LE(src, at) + readU32LE(src, at + 4) * 0x1_0000_0000;
    at += 8;
  }
  const headerChecksum = src[at]!;
  const expected = (xxhash32(src, descriptorStart, at) >>> 8) & 0xff;
  if (headerChecksum !== expected) throw new Lz4FrameError(`header checksum ${headerChecksum} != computed ${expected}`);
  at++;

  const frameStart = out.length;
  const blockChecksums = (flg & FLG_BLOCK_CHECKSUM) !== 0;
  for (;;) {
    need(4, "block size");
    const word = readU32LE(src, at);
    at += 4;
    if (word === 0) break; // EndMark
    const size = word & ~BLOCK_UNCOMPRESSED & 0x7fff_ffff;
    if (size > blockBytesMax) throw new Lz4FrameError(`block of ${size} bytes exceeds the frame's maximum ${blockBytesMax}`);
    need(size + (blockChecksums ? 4 : 0), "block");
    if (blockChecksums) {
      const stored = readU32LE(src, at + size);
      const computed = xxhash32(src, at, at + size);
      if (stored !== computed) throw new Lz4FrameError(`block checksum ${stored} != computed ${computed} at byte ${at}`);
    }
    if ((word & BLOCK_UNCOMPRESSED) !== 0) {
      out.ensure(size);
      out.bytes.set(src.subarray(at, at + size), out.length);
      out.length += size;
    } else {
      // Independent blocks never reach back past their own start, so allowing the
      // whole frame as the window decodes dependent and independent blocks alike.
      decodeBlock(src, at, at + size, out, frameStart, blockBytesMax);
    }
    at += size + (blockChecksums ? 4 : 0);
  }
  if ((flg & FLG_CONTENT_CHECKSUM) !== 0) {
    need(4, "content checksum");
    const stored = readU32LE(src, at);
    const computed = xxhash32(out.bytes, frameStart, out.length);
    if (stored !== computed) throw new Lz4FrameError(`content checksum ${stored} != computed ${computed}`);
    at += 4;
  }
  if (contentSize >= 0 && contentSize !== out.length - frameStart) {
    throw new Lz4FrameError(`frame declares ${contentSize} content bytes but holds ${out.length - frameStart}`);
  }
  return at;
}

/**
 * Decodes the LZ4 frames in `src` (one or more, back to back, skippable frames
 * stepped over) into one buffer of at most `limit` bytes.
 */
export function lz4FrameDecompress(src: Uint8Array, limit: number): Uint8Array {
  const out = new Output(limit);
  let at = 0;
  if (src.length === 0) throw new Lz4FrameError("no frame: the input is empty");
  while (at < src.length) {
    if (src.length - at < 4) throw new Lz4FrameError(`${src.length - at} stray bytes after the last frame`);
    const magic = readU32LE(src, at);
    if (magic >= SKIPPABLE_MAGIC_MIN && magic <= SKIPPABLE_MAGIC_MAX) {
      if (src.length - at < 8) throw new Lz4FrameError(`skippable frame at byte ${at} is truncated`);
      const skip = readU32LE(src, at + 4);
      if (skip > src.length - at - 8) throw new Lz4FrameError(`skippable frame at byte ${at} is truncated`);
      at += 8 + skip;
      continue;
    }
    if (magic !== FRAME_MAGIC) throw new Lz4FrameError(`magic 0x${magic.toString(16)} at byte ${at} is not an LZ4 frame's`);
    at = decodeFrame(src, at, out);
  }
  return out.bytes.subarray(0, out.length);
}
