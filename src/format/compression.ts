// Compresses and decompresses the records section of a RecordBatch v2 with
// Kafka's codecs (attributes bits 0-2). Bytes in, bytes out: batch framing is decode's and encode's job.
//
// Libraries (pinned in package.json, all synchronous, all pure JS so they run
// alike in Node, Deno and the browser, where node:zlib is missing):
// - gzip: fflate 0.8.3 (MIT), RFC 1952 streams both ways; small and maintained.
// - snappy: snappyjs 0.7.0 (MIT) compresses raw snappy blocks; ./snappy-block.ts
//   decodes them (why not snappyjs: see that file). The xerial framing Kafka's
//   Java client writes around blocks is read and written here.
// - lz4: ./lz4-frame.ts, read only (why not a library: see that file). No
//   maintained pure-JS LZ4 frame compressor exists, so loglab does not write lz4.
// - zstd: fzstd 0.1.1 (MIT), decompression only; no maintained pure-JS zstd
//   compressor exists, so loglab does not write zstd.
//
// A batch is small but may announce or expand to far more: every codec is held
// to the caller's limit before or while it decompresses, never after (gzip and
// zstd stream with a running count, snappy and lz4 check as they write).

import { Gunzip, gzipSync } from "fflate";
import { Decompress as ZstdStream } from "fzstd";
import { compress as snappyCompress } from "snappyjs";
import { assert } from "../runtime/index.ts";
import { CorruptRecordError, UnsupportedCompressionError } from "./errors.ts";
import { lz4FrameDecompress } from "./lz4-frame.ts";
import { snappyBlockDecompress } from "./snappy-block.ts";
import { COMPRESSION_CODECS, type CompressionCodec } from "./types.ts";

/** The codecs loglab's producer can write (compression.type); the others it only reads. */
export const WRITABLE_COMPRESSION_CODECS = ["none", "gzip", "snappy"] as const satisfies readonly CompressionCodec[];
export type WritableCompressionCodec = (typeof WRITABLE_COMPRESSION_CODECS)[number];

/** A 10-byte gzip header and 8-byte trailer around at least an empty deflate block. */
const GZIP_FRAMING_BYTES_MIN = 20;
/** Deflate's best ratio: a 258-byte match costs at least two bits, so one input byte yields at most ~1032 bytes. */
const DEFLATE_EXPANSION_MAX = 1032;
/** Compressed bytes handed to the gzip stream at a time: small near the limit, so it is passed by at most ~1 MiB. */
const GZIP_INPUT_CHUNK_BYTES_MIN = 1 << 10;
const GZIP_INPUT_CHUNK_BYTES_MAX = 64 << 10;

/** zstd frames (RFC 8878 section 3.1.1): magic, then a header that may announce the content size. */
const ZSTD_MAGIC = 0xfd2fb528;
/** Skippable frames: magic 0x184D2A50..0x184D2A5F, a 4-byte size, then that many bytes. */
const ZSTD_SKIPPABLE_MAGIC_MIN = 0x184d2a50;
const ZSTD_SKIPPABLE_MAGIC_MAX = 0x184d2a5f;
const ZSTD_BLOCK_HEADER_BYTES = 3;
const ZSTD_BLOCK_TYPE_RAW = 0;
const ZSTD_BLOCK_TYPE_RLE = 1;
const ZSTD_BLOCK_TYPE_COMPRESSED = 2;
const ZSTD_CHECKSUM_BYTES = 4;

/**
 * A compressed records section that announces or expands to more than its
 * limit: refused before or while decompressing, so a few hostile bytes cannot
 * claim memory (a "decompression bomb").
 */
export class DecompressionLimitError extends CorruptRecordError {
  readonly codec: CompressionCodec;
  readonly limitBytes: number;

  constructor(codec: CompressionCodec, position: number, limitBytes: number, what: string) {
    super(position, "decompression-failed", `${codec}: ${what}, over the limit of ${limitBytes} bytes`);
    this.codec = codec;
    this.limitBytes = limitBytes;
  }
}

/** Thrown inside a codec when its output would pass the limit; decompressRecords turns it into a DecompressionLimitError. */
class OverLimit extends Error {}

/** xerial snappy-java's stream header: 0x82 "SNAPPY" 0x00, then int32 version and int32 compatible version. */
const XERIAL_MAGIC = [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00] as const;
const XERIAL_HEADER_BYTES = 16;
const XERIAL_VERSION = 1;
const XERIAL_COMPATIBLE_VERSION = 1;
/** snappy-java's default block size: each chunk compresses at most this much input. */
const XERIAL_CHUNK_INPUT_BYTES_MAX = 32 << 10;
/** A snappy block's length preamble: a varint of at most 5 bytes. */
const SNAPPY_LENGTH_BYTES_MAX = 5;

function isXerialFramed(bytes: Uint8Array): boolean {
  return bytes.length >= XERIAL_HEADER_BYTES && XERIAL_MAGIC.every((b, i) => bytes[i] === b);
}

function concat(pieces: readonly Uint8Array[], limit: number): Uint8Array {
  let length = 0;
  for (const piece of pieces) length += piece.length;
  if (length > limit) throw new OverLimit(`decompresses to ${length} bytes`);
  const out = new Uint8Array(length);
  let at = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}

/**
 * Snappy as xerial's SnappyInputStream reads it: the framed stream Kafka's Java
 * client writes, or (as librdkafka may write) one raw snappy block.
 */
function snappyDecompress(bytes: Uint8Array, limit: number): Uint8Array {
  if (!isXerialFramed(bytes)) return snappyBlockDecompress(checkSnappyBlock(bytes, 0, 0, limit), limit);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const pieces: Uint8Array[] = [];
  let remaining = limit;
  for (let at = XERIAL_HEADER_BYTES; at < bytes.length;) {
    if (bytes.length - at < 4) throw new Error(`xerial chunk length at byte ${at} is truncated`);
    const length = view.getInt32(at);
    at += 4;
    if (length < 0 || length > bytes.length - at) throw new Error(`xerial chunk of ${length} bytes at byte ${at - 4} runs past the end`);
    const piece = snappyBlockDecompress(checkSnappyBlock(bytes.subarray(at, at + length), at, limit - remaining, limit), remaining);
    remaining -= piece.length;
    pieces.push(piece);
    at += length;
  }
  return concat(pieces, limit);
}

/**
 * A snappy block starts with its decompressed length (a varint): refused as
 * over the limit when that, after the `before` bytes of earlier blocks, passes
 * `limit`, so the limit error is the typed one.
 */
function checkSnappyBlock(block: Uint8Array, at: number, before: number, limit: number): Uint8Array {
  let announced = 0;
  for (let i = 0; i < SNAPPY_LENGTH_BYTES_MAX && i < block.length; i++) {
    announced += (block[i]! & 0x7f) * 2 ** (7 * i);
    if (block[i]! < 0x80) break;
  }
  if (before + announced > limit) throw new OverLimit(`block at byte ${at} announces ${announced} bytes${before > 0 ? ` after ${before}` : ""}`);
  return block;
}

function snappyFramedCompress(bytes: Uint8Array): Uint8Array {
  const pieces: Uint8Array[] = [];
  const header = new Uint8Array(XERIAL_HEADER_BYTES);
  header.set(XERIAL_MAGIC);
  const headerView = new DataView(header.buffer);
  headerView.setInt32(8, XERIAL_VERSION);
  headerView.setInt32(12, XERIAL_COMPATIBLE_VERSION);
  pieces.push(header);
  for (let at = 0; at < bytes.length; at += XERIAL_CHUNK_INPUT_BYTES_MAX) {
    const chunk = snappyCompress(bytes.subarray(at, at + XERIAL_CHUNK_INPUT_BYTES_MAX));
    const length = new Uint8Array(4);
    new DataView(length.buffer).setInt32(0, chunk.length);
    pieces.push(length, chunk);
  }
  return concat(pieces, Number.MAX_SAFE_INTEGER);
}

/** CRC-32 (IEEE 802.3, reflected 0xEDB88320) table for gzip's trailer; built on first use. */
let crc32Table: Uint32Array | null = null;

function crc32(bytes: Uint8Array): number {
  if (crc32Table === null) {
    crc32Table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crc32Table[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = crc32Table[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * gzip's trailer holds the CRC-32 of the decompressed bytes, then ISIZE, their
 * length mod 2^32. ISIZE is only a hint (a hostile stream can state a small
 * one): it refuses early, and the stream is inflated a chunk at a time with a
 * running count that stops at the limit. Both are checked after, as Java's
 * GZIPInputStream does (fflate checks neither).
 */
function gunzip(bytes: Uint8Array, limit: number): Uint8Array {
  if (bytes.length < GZIP_FRAMING_BYTES_MIN) throw new Error(`${bytes.length} bytes are too few for a gzip stream`);
  const trailer = new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 8, 8);
  const isize = trailer.getUint32(4, true);
  if (isize > limit) throw new OverLimit(`gzip trailer announces ${isize} bytes`);
  const pieces: Uint8Array[] = [];
  let total = 0;
  const stream = new Gunzip((piece) => {
    total += piece.length;
    if (total > limit) throw new OverLimit(`inflates to more than ${total - piece.length} + ${piece.length} bytes`);
    pieces.push(piece);
  });
  for (let at = 0; at < bytes.length;) {
    const room = Math.floor((limit - total) / DEFLATE_EXPANSION_MAX);
    const chunk = Math.min(GZIP_INPUT_CHUNK_BYTES_MAX, Math.max(GZIP_INPUT_CHUNK_BYTES_MIN, room));
    stream.push(bytes.subarray(at, at + chunk), at + chunk >= bytes.length);
    at += chunk;
  }
  const out = concat(pieces, limit);
  if (out.length !== isize) throw new Error(`gzip trailer announces ${isize} bytes but the stream holds ${out.length}`);
  const stored = trailer.getUint32(0, true);
  const computed = crc32(out);
  if (stored !== computed) throw new Error(`gzip trailer CRC-32 ${stored} != computed ${computed}`);
  return out;
}

/** What a zstd frame's header says, and where its blocks start. */
interface ZstdFrameHeader {
  /** Bytes the decoder allocates for the frame before any block: its window, or its content size for a single segment. */
  readonly windowBytes: number;
  /** Frame_Content_Size, or null when the frame does not say. */
  readonly contentBytes: number | null;
  readonly blocksAt: number;
  readonly hasChecksum: boolean;
}

function readZstdFrameHeader(bytes: Uint8Array, at: number): ZstdFrameHeader {
  if (bytes.length - at < 6) throw new Error(`zstd frame header at byte ${at} is truncated`);
  const descriptor = bytes[at + 4]!;
  const contentSizeFlag = descriptor >> 6;
  const singleSegment = (descriptor >> 5) & 1;
  const dictionaryIdFlag = descriptor & 3;
  let cursor = at + 5;
  let windowBytes = 0;
  if (singleSegment === 0) {
    const windowDescriptor = bytes[cursor++]!;
    const windowBase = 2 ** (10 + (windowDescriptor >> 3));
    windowBytes = windowBase + (windowBase / 8) * (windowDescriptor & 7);
  }
  cursor += dictionaryIdFlag === 3 ? 4 : dictionaryIdFlag;
  const contentSizeBytes = contentSizeFlag === 0 ? singleSegment : 1 << contentSizeFlag;
  if (bytes.length - cursor < contentSizeBytes) throw new Error(`zstd frame header at byte ${at} is truncated`);
  let contentBytes: number | null = null;
  if (contentSizeBytes > 0) {
    contentBytes = 0;
    for (let i = contentSizeBytes - 1; i >= 0; i--) contentBytes = contentBytes * 256 + bytes[cursor + i]!;
    if (contentSizeBytes === 2) contentBytes += 256;
  }
  cursor += contentSizeBytes;
  if (singleSegment === 1) windowBytes = contentBytes!;
  return { windowBytes, contentBytes, blocksAt: cursor, hasChecksum: ((descriptor >> 2) & 1) === 1 };
}

/**
 * Walks the frames and block headers of a zstd section, without decoding a
 * block, and refuses it when what it states passes the limit: a frame's
 * window or content size, or the sum of its raw and RLE blocks (an RLE block
 * of 128 KiB costs 4 bytes). Compressed blocks are held to the limit while
 * decoding.
 */
function checkZstdSizes(bytes: Uint8Array, limit: number): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let stated = 0;
  for (let at = 0; at + 4 <= bytes.length;) {
    const magic = view.getUint32(at, true);
    if (magic >= ZSTD_SKIPPABLE_MAGIC_MIN && magic <= ZSTD_SKIPPABLE_MAGIC_MAX) {
      if (bytes.length - at < 8) return;
      at += 8 + view.getUint32(at + 4, true);
      continue;
    }
    if (magic !== ZSTD_MAGIC) return; // the decoder reports what is wrong
    const frame = readZstdFrameHeader(bytes, at);
    if (frame.windowBytes > limit) throw new OverLimit(`frame at byte ${at} needs a window of ${frame.windowBytes} bytes`);
    if (frame.contentBytes !== null && stated + frame.contentBytes > limit) {
      throw new OverLimit(`frame at byte ${at} announces ${frame.contentBytes} bytes (after ${stated} before it)`);
    }
    let cursor = frame.blocksAt;
    let frameStated = 0;
    for (let last = false; !last;) {
      if (bytes.length - cursor < ZSTD_BLOCK_HEADER_BYTES) return;
      const header = bytes[cursor]! | (bytes[cursor + 1]! << 8) | (bytes[cursor + 2]! << 16);
      last = (header & 1) === 1;
      const type = (header >> 1) & 3;
      const size = header >>> 3;
      cursor += ZSTD_BLOCK_HEADER_BYTES;
      if (type === ZSTD_BLOCK_TYPE_RAW || type === ZSTD_BLOCK_TYPE_RLE) frameStated += size;
      if (stated + frameStated > limit) throw new OverLimit(`raw and RLE blocks up to byte ${cursor} state ${stated + frameStated} bytes`);
      cursor += type === ZSTD_BLOCK_TYPE_RLE ? 1 : type === ZSTD_BLOCK_TYPE_RAW || type === ZSTD_BLOCK_TYPE_COMPRESSED ? size : 0;
    }
    stated += frame.contentBytes ?? frameStated;
    at = cursor + (frame.hasChecksum ? ZSTD_CHECKSUM_BYTES : 0);
  }
}

/** zstd, decoded block by block (fzstd's stream) with a running count that stops at the limit. */
function zstdDecompress(bytes: Uint8Array, limit: number): Uint8Array {
  checkZstdSizes(bytes, limit);
  const pieces: Uint8Array[] = [];
  let total = 0;
  const stream = new ZstdStream((piece) => {
    total += piece.length;
    if (total > limit) throw new OverLimit(`decodes to more than ${total - piece.length} + ${piece.length} bytes`);
    pieces.push(piece);
  });
  stream.push(bytes, true);
  return concat(pieces, limit);
}

function decompressWith(codec: CompressionCodec, bytes: Uint8Array, limit: number): Uint8Array {
  switch (codec) {
    case "gzip":
      return gunzip(bytes, limit);
    case "snappy":
      return snappyDecompress(bytes, limit);
    case "lz4":
      return lz4FrameDecompress(bytes, limit);
    case "zstd":
      return zstdDecompress(bytes, limit);
    case "none":
      return bytes;
  }
  throw new Error(`unknown codec ${String(codec)}`);
}

/**
 * Decompresses the records section of the batch at `position`. Throws
 * UnsupportedCompressionError for attributes codec ids 5-7, and
 * CorruptRecordError (decompression-failed, naming the codec) for bytes that
 * do not decompress, and its DecompressionLimitError for bytes that announce
 * or decompress to more than `limit` bytes, found before that much is held.
 * The library's own exception is never let through.
 */
export function decompressRecords(codec: CompressionCodec, bytes: Uint8Array, position: number, limit: number): Uint8Array {
  if (!COMPRESSION_CODECS.includes(codec)) throw new UnsupportedCompressionError(codec, position);
  let out: Uint8Array;
  try {
    out = decompressWith(codec, bytes, limit);
  } catch (error) {
    if (error instanceof OverLimit) throw new DecompressionLimitError(codec, position, limit, error.message);
    throw new CorruptRecordError(position, "decompression-failed", `${codec}: ${error instanceof Error ? error.message : String(error)}`);
  }
  // Each codec stops at the limit as it writes: more here is a codec's bug, not the input's.
  assert(out.length <= limit, () => `${codec} decompressed ${out.length} bytes past its limit of ${limit}`);
  return out;
}

/** Compresses a records section as Kafka's Java producer would for `codec`. */
export function compressRecords(codec: WritableCompressionCodec, bytes: Uint8Array): Uint8Array {
  switch (codec) {
    case "gzip":
      // mtime 0: the same records always compress to the same bytes (no clock in the format layer).
      return gzipSync(bytes, { mtime: 0 });
    case "snappy":
      return snappyFramedCompress(bytes);
    case "none":
      return bytes;
  }
}
