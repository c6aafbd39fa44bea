// Decodes one raw snappy block (the format inside xerial's framing, and what
// librdkafka may send bare). Compression stays with snappyjs (see compression.ts).
//
// Written here because snappyjs's decoder does not report how many bytes it
// produced: a stream cut short at a tag boundary comes back padded with zeros,
// which can still parse as records. Here every tag is bounds-checked and the
// output must be exactly the length the block announces.

/** Snappy bytes that are not a valid block; the message says what and where. */
export class SnappyBlockError extends Error {}

const TAG_LITERAL = 0;
const TAG_COPY_1 = 1;
const TAG_COPY_2 = 2;
/** Literal tags 60..63 carry the length-1 in the next 1..4 bytes. */
const LITERAL_INLINE_MAX = 60;
const VARINT_BYTES_MAX = 5;

function readLength(src: Uint8Array): [number, number] {
  let value = 0;
  for (let i = 0; i < VARINT_BYTES_MAX && i < src.length; i++) {
    const byte = src[i]!;
    value += (byte & 0x7f) * 2 ** (7 * i);
    if (byte < 0x80) return [value, i + 1];
  }
  throw new SnappyBlockError("the uncompressed length is not a valid varint");
}

function readLE(src: Uint8Array, at: number, bytes: number): number {
  let value = 0;
  for (let i = 0; i < bytes; i++) value += src[at + i]! * 2 ** (8 * i);
  return value;
}

/** Decodes `src`, one raw snappy block, whose announced length must be at most `limit`. */
export function snappyBlockDecompress(src: Uint8Array, limit: number): Uint8Array {
  const [length, start] = readLength(src);
  if (length > limit) throw new SnappyBlockError(`block announces ${length} bytes, over the limit of ${limit}`);
  const out = new Uint8Array(length);
  let outAt = 0;
  let at = start;
  while (at < src.length) {
    const tag = src[at++]!;
    const type = tag & 3;
    if (type === TAG_LITERAL) {
      let literal = (tag >>> 2) + 1;
      if (literal > LITERAL_INLINE_MAX) {
        const bytes = literal - LITERAL_INLINE_MAX;
        if (src.length - at < bytes) throw new SnappyBlockError(`literal length at byte ${at} runs past the end`);
        literal = readLE(src, at, bytes) + 1;
        at += bytes;
      }
      if (literal > src.length - at) throw new SnappyBlockError(`literal of ${literal} bytes at byte ${at} runs past the end`);
      if (literal > length - outAt) throw new SnappyBlockError(`literal at byte ${at} writes past the announced ${length} bytes`);
      out.set(src.subarray(at, at + literal), outAt);
      outAt += literal;
      at += literal;
      continue;
    }
    let copy: number;
    let offset: number;
    const offsetBytes = type === TAG_COPY_1 ? 1 : type === TAG_COPY_2 ? 2 : 4;
    if (src.length - at < offsetBytes) throw new SnappyBlockError(`copy offset at byte ${at} runs past the end`);
    if (type === TAG_COPY_1) {
      copy = 4 + ((tag >>> 2) & 7);
      offset = ((tag >>> 5) << 8) | src[at]!;
    } else {
      copy = (tag >>> 2) + 1;
      offset = readLE(src, at, offsetBytes);
    }
    at += offsetBytes;
    if (offset === 0 || offset > outAt) throw new SnappyBlockError(`copy offset ${offset} at byte ${at - offsetBytes} reaches before the decoded data`);
    if (copy > length - outAt) throw new SnappyBlockError(`copy at byte ${at - offsetBytes} writes past the announced ${length} bytes`);
    // Byte by byte: a copy may overlap the bytes it is copying (offset < length).
    for (let from = outAt - offset, stop = outAt + copy; outAt < stop;) out[outAt++] = out[from++]!;
  }
  if (outAt !== length) throw new SnappyBlockError(`block announces ${length} bytes but holds ${outAt}`);
  return out;
}
