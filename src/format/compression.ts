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

import { gunzipSync, gzipSync } from "fflate";
import { decompress as zstdDecompress } from "fzstd";
import { compress as snappyCompress } from "snappyjs";
import { CorruptRecordError, UnsupportedCompressionError } from "./errors.ts";
import { lz4FrameDecompress } from "./lz4-frame.ts";
import { snappyBlockDecompress } from "./snappy-block.ts";
import { COMPRESSION_CODECS, type CompressionCodec } from "./types.ts";

/** The codecs loglab's producer can write (compression.type); the others it only reads. */
export const WRITABLE_COMPRESSION_CODECS = ["none", "gzip", "snappy"] as const satisfies readonly CompressionCodec[];
export type WritableCompressionCodec = (typeof WRITABLE_COMPRESSION_CODECS)[number];

/** A 10-byte gzip header and 8-byte trailer around at least an empty deflate block. */
const GZIP_FRAMING_BYTES_MIN = 20;

/** xerial snappy-java's stream header: 0x82 "SNAPPY" 0x00, then int32 version and int32 compatible version. */
const XERIAL_MAGIC = [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00] as const;
const XERIAL_HEADER_BYTES = 16;
const XERIAL_VERSION = 1;
const XERIAL_COMPATIBLE_VERSION = 1;
/** snappy-java's default block size: each chunk compresses at most this much input. */
const XERIAL_CHUNK_INPUT_BYTES_MAX = 32 << 10;

function isXerialFramed(bytes: Uint8Array): boolean {
  return bytes.length >= XERIAL_HEADER_BYTES && XERIAL_MAGIC.every((b, i) => bytes[i] === b);
}

function concat(pieces: readonly Uint8Array[], limit: number): Uint8Array {
  let length = 0;
  for (const piece of pieces) length += piece.length;
  if (length > limit) throw new Error(`decompressed size ${length} exceeds ${limit} bytes`);
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
  if (!isXerialFramed(bytes)) return snappyBlockDecompress(bytes, limit);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const pieces: Uint8Array[] = [];
  let remaining = limit;
  for (let at = XERIAL_HEADER_BYTES; at < bytes.length;) {
    if (bytes.length - at < 4) throw new Error(`xerial chunk length at byte ${at} is truncated`);
    const length = view.getInt32(at);
    at += 4;
    if (length < 0 || length > bytes.length - at) throw new Error(`xerial chunk of ${length} bytes at byte ${at - 4} runs past the end`);
    const piece = snappyBlockDecompress(bytes.subarray(at, at + length), remaining);
    remaining -= piece.length;
    pieces.push(piece);
    at += length;
  }
  return concat(pieces, limit);
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
 * length mod 2^32. ISIZE is checked before decompressing (fflate allocates that
 * much) and both after, as Java's GZIPInputStream does (fflate checks neither).
 */
function gunzip(bytes: Uint8Array, limit: number): Uint8Array {
  if (bytes.length < GZIP_FRAMING_BYTES_MIN) throw new Error(`${bytes.length} bytes are too few for a gzip stream`);
  const trailer = new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 8, 8);
  const isize = trailer.getUint32(4, true);
  if (isize > limit) throw new Error(`gzip trailer announces ${isize} bytes, over the limit of ${limit}`);
  const out = gunzipSync(bytes);
  if (out.length !== isize) throw new Error(`gzip trailer announces ${isize} bytes but the stream holds ${out.length}`);
  const stored = trailer.getUint32(0, true);
  const computed = crc32(out);
  if (stored !== computed) throw new Error(`gzip trailer CRC-32 ${stored} != computed ${computed}`);
  return out;
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
      return zstdDecompress(bytes);
    case "none":
      return bytes;
  }
  throw new Error(`unknown codec ${String(codec)}`);
}

/**
 * Decompresses the records section of the batch at `position`. Throws
 * UnsupportedCompressionError for attributes codec ids 5-7, and
 * CorruptRecordError (decompression-failed, naming the codec) for bytes that
 * do not decompress or decompress to more than `limit` bytes. The library's
 * own exception is never let through.
 */
export function decompressRecords(codec: CompressionCodec, bytes: Uint8Array, position: number, limit: number): Uint8Array {
  if (!COMPRESSION_CODECS.includes(codec)) throw new UnsupportedCompressionError(codec, position);
  let out: Uint8Array;
  try {
    out = decompressWith(codec, bytes, limit);
  } catch (error) {
    throw new CorruptRecordError(position, "decompression-failed", `${codec}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (out.length > limit) {
    throw new CorruptRecordError(position, "decompression-failed", `${codec}: decompressed size ${out.length} exceeds ${limit} bytes`);
  }
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
