// Validates and decodes buffers of RecordBatch v2 batches. One wasm call checks
// every batch (sizes, magic, CRC-32C, record structure) and indexes every
// record; the host then serves records as views of the caller's bytes.

import { decompressRecords } from "./compression.ts";
import { crc32c } from "./crc32c.ts";
import { FORMAT_BATCH_BYTES_MAX } from "./encode.ts";
import { CorruptRecordError, InvalidRecordError } from "./errors.ts";
import {
  ATTR_COMPRESSION_MASK, ATTR_CONTROL, ATTR_DELETE_HORIZON, ATTR_TIMESTAMP_TYPE, ATTR_TRANSACTIONAL,
  COMPRESSION_CODECS, type BatchHeader, type CompressionCodec, type LogRecord, type RecordBatch,
  type RecordHeader,
} from "./types.ts";
import { BATCH_CRC_START, BATCH_HEADER, BATCH_HEADER_BYTES, BATCH_LOG_OVERHEAD } from "./batch-layout.ts";
import {
  BATCH_ENTRY_BYTES, CORRUPTION_REASONS, E_HEADERS_POSITION, E_HEADER_COUNT, E_KEY_LENGTH, E_KEY_POSITION,
  E_OFFSET_DELTA, E_TIMESTAMP_DELTA, E_VALUE_LENGTH, E_VALUE_POSITION, RECORD_ENTRY_BYTES, REASON_NONE,
  S_BATCHES, S_DETAIL, S_DETAIL2, S_REASON, S_RECORDS, S_VALID_BYTES, SCAN_RESULT_BYTES, type ScanReason,
} from "./wasm-abi.ts";
import { align8, core, memoryViews, reserve, scratchBase } from "./wasm-core.ts";

/** What validateBatches found: how much of the buffer is whole, valid batches. */
export interface ValidationReport {
  /** Bytes from the start that form whole valid batches (where a reader must stop). */
  readonly validBytes: number;
  readonly batchCount: number;
  /** Records in the valid batches, compressed batches not counted (their records are not read here). */
  readonly recordCount: number;
  /** The first invalid batch, or null when every byte is valid. */
  readonly error: CorruptRecordError | null;
  /**
   * The header of each valid batch, in order, each batch starting where the
   * one before ends: read once here, so a caller walks these instead of the bytes.
   */
  readonly headers: readonly BatchHeader[];
  /**
   * Why `headers` stops short of the valid batches, or null: the next batch
   * is valid Kafka but holds an int64 field a double cannot hold exactly
   * (what readBatchHeader throws for it).
   */
  readonly headerError: InvalidRecordError | null;
}

/** The smallest record in bytes; bounds how many records a batch can hold. */
const RECORD_BYTES_MIN = 7;
const TWO_POW_32 = 0x1_0000_0000;
const textDecoder = new TextDecoder();

function corruption(position: number, reasonCode: number, detail: number, detail2: number): CorruptRecordError {
  const reason = CORRUPTION_REASONS[reasonCode - 1];
  if (reason === undefined) throw new Error(`wasm core returned unknown scan reason ${reasonCode}`);
  return scanCorruption(position, reason, detail, detail2);
}

/** The error for a batch the scanner (or the CRC check, batch-check.ts) refused, its numbers put into words. */
export function scanCorruption(position: number, reason: ScanReason, detail: number, detail2: number): CorruptRecordError {
  const text: Record<ScanReason, () => string> = {
    "truncated-header": () => `${detail} bytes left, a batch header needs ${BATCH_HEADER_BYTES}`,
    "batch-length-invalid": () => `batchLength ${detail} is below the header's ${BATCH_HEADER_BYTES - BATCH_LOG_OVERHEAD}`,
    "truncated-batch": () => `batch of ${detail} bytes, only ${detail2} remain`,
    "magic-unsupported": () => `magic ${detail}, only 2 is supported`,
    "crc-mismatch": () => `stored CRC ${detail >>> 0} != computed ${detail2 >>> 0}`,
    "record-count-invalid": () => `recordCount ${detail} does not match the records in the batch`,
    "record-malformed": () => `record ${detail2} at byte ${detail} has fields that do not fit its length`,
    "offset-delta-invalid": () =>
      `record ${detail2} has offsetDelta ${detail}: offset deltas must increase from 0 and stay within lastOffsetDelta`,
  };
  return new CorruptRecordError(position, reason, text[reason]());
}

/** Upper bounds of the batches and records a scan can index, from batch headers alone. */
function tableCapacities(bytes: Uint8Array, view: DataView): { batches: number; records: number } {
  let position = 0;
  let batches = 0;
  let records = 0;
  while (bytes.length - position >= BATCH_HEADER_BYTES) {
    const size = view.getInt32(position + BATCH_HEADER.batchLength.offset) + BATCH_LOG_OVERHEAD;
    if (size < BATCH_HEADER_BYTES || size > bytes.length - position) break;
    const announced = view.getInt32(position + BATCH_HEADER.recordCount.offset);
    records += Math.max(0, Math.min(announced, Math.floor((size - BATCH_HEADER_BYTES) / RECORD_BYTES_MIN)));
    batches++;
    position += size;
  }
  return { batches, records };
}

interface ScanOutcome {
  readonly validBytes: number;
  readonly batchCount: number;
  readonly recordCount: number;
  readonly error: CorruptRecordError | null;
  /** Addresses in wasm memory of the scanner's tables, valid until the next wasm call. */
  readonly batchTable: number;
  readonly recordTable: number;
}

/** Runs the wasm scanner over `bytes`; with `index`, also returns its tables. */
function scan(bytes: Uint8Array, view: DataView, index: boolean): ScanOutcome {
  const capacity = index ? tableCapacities(bytes, view) : { batches: 0, records: 0 };
  const input = scratchBase;
  const result = input + align8(bytes.length);
  const batchTable = result + SCAN_RESULT_BYTES + 8;
  const recordTable = batchTable + align8(capacity.batches * BATCH_ENTRY_BYTES);
  reserve(recordTable - scratchBase + capacity.records * RECORD_ENTRY_BYTES);
  memoryViews.u8.set(bytes, input);
  core.scanBatches(
    input, bytes.length, result,
    index ? batchTable : 0, capacity.batches, index ? recordTable : 0, capacity.records,
  );
  const { i32 } = memoryViews;
  const r = result >> 2;
  const reason = i32[r + S_REASON / 4]!;
  const validBytes = i32[r + S_VALID_BYTES / 4]!;
  const batchCount = i32[r + S_BATCHES / 4]!;
  const recordCount = i32[r + S_RECORDS / 4]!;
  const error = reason === REASON_NONE
    ? null
    : corruption(validBytes, reason, i32[r + S_DETAIL / 4]!, i32[r + S_DETAIL2 / 4]!);
  return {
    validBytes, batchCount, recordCount, error,
    batchTable,
    recordTable,
  };
}

function dataViewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Checks every batch in `bytes` (sizes, magic, CRC-32C, record structure and
 * count) without decoding records, and reads the valid batches' headers.
 * Never throws for bad bytes: the report says how many bytes are valid and
 * why the rest is not.
 */
export function validateBatches(bytes: Uint8Array): ValidationReport {
  const view = dataViewOf(bytes);
  const outcome = scan(bytes, view, false);
  const headers: BatchHeader[] = [];
  let headerError: InvalidRecordError | null = null;
  for (let position = 0; position < outcome.validBytes;) {
    let header: BatchHeader;
    try {
      header = readBatchHeader(view, position);
    } catch (error) {
      if (!(error instanceof InvalidRecordError)) throw error;
      headerError = error;
      break;
    }
    headers.push(header);
    position += header.sizeInBytes;
  }
  return {
    validBytes: outcome.validBytes,
    batchCount: outcome.batchCount,
    recordCount: outcome.recordCount,
    error: outcome.error,
    headers,
    headerError,
  };
}

/** An int64 as a number; refuses values a double cannot hold exactly. */
function readInt64(view: DataView, position: number, field: string): number {
  const high = view.getInt32(position);
  const value = high * TWO_POW_32 + view.getUint32(position + 4);
  if (!Number.isSafeInteger(value)) throw new InvalidRecordError(`${field} ${view.getBigInt64(position)} exceeds 2^53`);
  return value;
}

/** Reads the header fields of the batch at `position` (which must be valid). */
export function readBatchHeader(view: DataView, position: number): BatchHeader {
  const attributes = view.getInt16(position + BATCH_HEADER.attributes.offset);
  const baseOffset = readInt64(view, position + BATCH_HEADER.baseOffset.offset, "baseOffset");
  const lastOffsetDelta = view.getInt32(position + BATCH_HEADER.lastOffsetDelta.offset);
  return {
    baseOffset,
    lastOffset: baseOffset + lastOffsetDelta,
    lastOffsetDelta,
    sizeInBytes: view.getInt32(position + BATCH_HEADER.batchLength.offset) + BATCH_LOG_OVERHEAD,
    partitionLeaderEpoch: view.getInt32(position + BATCH_HEADER.partitionLeaderEpoch.offset),
    magic: view.getInt8(position + BATCH_HEADER.magic.offset),
    crc: view.getUint32(position + BATCH_HEADER.crc.offset),
    attributes,
    compression: COMPRESSION_CODECS[attributes & ATTR_COMPRESSION_MASK] ?? (`codec-${attributes & ATTR_COMPRESSION_MASK}` as CompressionCodec),
    timestampType: attributes & ATTR_TIMESTAMP_TYPE ? "log-append-time" : "create-time",
    isTransactional: (attributes & ATTR_TRANSACTIONAL) !== 0,
    isControl: (attributes & ATTR_CONTROL) !== 0,
    hasDeleteHorizon: (attributes & ATTR_DELETE_HORIZON) !== 0,
    baseTimestamp: readInt64(view, position + BATCH_HEADER.baseTimestamp.offset, "baseTimestamp"),
    maxTimestamp: readInt64(view, position + BATCH_HEADER.maxTimestamp.offset, "maxTimestamp"),
    producerId: readInt64(view, position + BATCH_HEADER.producerId.offset, "producerId"),
    producerEpoch: view.getInt16(position + BATCH_HEADER.producerEpoch.offset),
    baseSequence: view.getInt32(position + BATCH_HEADER.baseSequence.offset),
    recordCount: view.getInt32(position + BATCH_HEADER.recordCount.offset),
  };
}

/** Reads a zigzag varint from already-validated header bytes; returns [value, next position]. */
function readHeaderVarint(bytes: Uint8Array, position: number): [number, number] {
  let z = 0;
  let shift = 0;
  let byte: number;
  do {
    byte = bytes[position++]!;
    z |= (byte & 0x7f) << shift;
    shift += 7;
  } while (byte & 0x80);
  return [(z >>> 1) ^ -(z & 1), position];
}

function decodeHeaders(source: RecordSource, position: number, count: number): RecordHeader[] {
  const bytes = source.bytes;
  const headers: RecordHeader[] = [];
  for (let h = 0; h < count; h++) {
    const [keyLength, keyStart] = readHeaderVarint(bytes, position);
    const key = textDecoder.decode(bytes.subarray(keyStart, keyStart + keyLength));
    const [valueLength, valueStart] = readHeaderVarint(bytes, keyStart + keyLength);
    const value = source.view(valueStart, valueLength);
    headers.push({ key, value });
    position = valueStart + Math.max(valueLength, 0);
  }
  return headers;
}

/** The bytes records were decoded from, shared by every record of one decode call. */
class RecordSource {
  constructor(
    readonly bytes: Uint8Array,
    readonly buffer: ArrayBufferLike,
    readonly byteOffset: number,
  ) {}

  /** A plain Uint8Array view (never a Buffer: its species constructor is several times slower). */
  view(position: number, length: number): Uint8Array | null {
    return length < 0 ? null : new Uint8Array(this.buffer, this.byteOffset + position, length);
  }
}

/**
 * A record whose key, value and headers are views of the decoded bytes, made
 * when read. Its fields are copied out of the scanner's table at decode time,
 * so no per-call table outlives the wasm scratch memory it was written to.
 */
class RecordView implements LogRecord {
  constructor(
    readonly offset: number,
    readonly timestamp: number,
    readonly offsetDelta: number,
    readonly timestampDelta: number,
    private readonly source: RecordSource,
    private readonly keyPosition: number,
    private readonly keyLength: number,
    private readonly valuePosition: number,
    private readonly valueLength: number,
    private readonly headersPosition: number,
    private readonly headerCount: number,
  ) {}

  get key(): Uint8Array | null {
    return this.source.view(this.keyPosition, this.keyLength);
  }

  get value(): Uint8Array | null {
    return this.source.view(this.valuePosition, this.valueLength);
  }

  get headers(): readonly RecordHeader[] {
    return this.headerCount === 0 ? [] : decodeHeaders(this.source, this.headersPosition, this.headerCount);
  }
}

/** Builds the records of one batch from the scanner's table in wasm memory (read before the next wasm call). */
function buildRecords(source: RecordSource, header: BatchHeader, table: number, first: number): LogRecord[] {
  const { i32, f64 } = memoryViews;
  const count = header.recordCount;
  const records = new Array<LogRecord>(count);
  const logAppendTime = header.timestampType === "log-append-time";
  for (let i = 0; i < count; i++) {
    const entry = (table + (first + i) * RECORD_ENTRY_BYTES) >> 2;
    const offsetDelta = i32[entry + E_OFFSET_DELTA / 4]!;
    const timestampDelta = f64[(entry >> 1) + E_TIMESTAMP_DELTA / 8]!;
    records[i] = new RecordView(
      header.baseOffset + offsetDelta,
      // Under LogAppendTime every record carries the broker's time, kept in maxTimestamp.
      logAppendTime ? header.maxTimestamp : header.baseTimestamp + timestampDelta,
      offsetDelta,
      timestampDelta,
      source,
      i32[entry + E_KEY_POSITION / 4]!,
      i32[entry + E_KEY_LENGTH / 4]!,
      i32[entry + E_VALUE_POSITION / 4]!,
      i32[entry + E_VALUE_LENGTH / 4]!,
      i32[entry + E_HEADERS_POSITION / 4]!,
      i32[entry + E_HEADER_COUNT / 4]!,
    );
  }
  return records;
}

/**
 * A decoded batch. A class rather than an object literal with a getter: V8
 * builds such literals through a slow path that also keeps the young records
 * they reference alive across scavenges, which cost decoding half its speed.
 */
// Declaration merging: a DecodedBatch has every BatchHeader field, copied in its constructor.
interface DecodedBatch extends BatchHeader {}

class DecodedBatch implements RecordBatch {
  constructor(header: BatchHeader, readonly position: number, readonly bytes: Uint8Array, readonly records: readonly LogRecord[]) {
    Object.assign(this, header);
  }
}

/**
 * The records of a compressed batch, as Kafka's LogValidator checks them: the
 * records section is decompressed and put behind a copy of the header with
 * codec none (and its CRC), and that uncompressed batch goes through the same
 * scan as any other, so record count, structure and offset deltas are checked
 * alike. Records view the decompressed copy; the stored bytes stay as they came.
 */
function compressedRecords(batch: Uint8Array, header: BatchHeader, position: number): LogRecord[] {
  const section = batch.subarray(BATCH_HEADER_BYTES);
  const records = decompressRecords(header.compression, section, position, FORMAT_BATCH_BYTES_MAX - BATCH_HEADER_BYTES);
  const plain = new Uint8Array(BATCH_HEADER_BYTES + records.length);
  plain.set(batch.subarray(0, BATCH_HEADER_BYTES));
  plain.set(records, BATCH_HEADER_BYTES);
  const view = dataViewOf(plain);
  view.setInt32(BATCH_HEADER.batchLength.offset, plain.length - BATCH_LOG_OVERHEAD);
  view.setInt16(BATCH_HEADER.attributes.offset, header.attributes & ~ATTR_COMPRESSION_MASK);
  view.setUint32(BATCH_HEADER.crc.offset, crc32c(plain.subarray(BATCH_CRC_START)));
  const outcome = scan(plain, view, true);
  if (outcome.error !== null) {
    const inner = outcome.error;
    throw new CorruptRecordError(position, inner.reason, `${inner.detail}, in the ${header.compression}-decompressed records (byte positions in the decompressed batch)`);
  }
  return buildRecords(new RecordSource(plain, plain.buffer, plain.byteOffset), header, outcome.recordTable, 0);
}

/**
 * Decodes every batch in `bytes` and its records; a compressed batch's records
 * are decompressed. Keys, values and header values are views of `bytes` (of a
 * decompressed copy for a compressed batch), made when read, not copies.
 * Throws CorruptRecordError (with the byte position and reason) if any part of
 * the buffer is not a valid batch or a compressed batch does not decompress to
 * valid records, and UnsupportedCompressionError for codec ids 5-7; use
 * validateBatches first to find where valid data ends in a buffer that may
 * have a torn tail.
 */
/**
 * The whole batches at the start of a Fetch answer's records, without the partial batch a broker may end them with:
 * Kafka sends a log slice of at most the bytes asked for, cut wherever that falls, and its clients drop the partial
 * batch at the end and fetch it whole next time. Nothing is cut when no batch would be left (a lone partial batch is
 * for decodeBatches to report), nor at a length field that is not a batch's (corruption, reported the same way).
 */
export function wholeBatchesOf(bytes: Uint8Array): Uint8Array {
  const view = dataViewOf(bytes);
  let end = 0;
  while (end + BATCH_LOG_OVERHEAD <= bytes.length) {
    const batchLength = view.getInt32(end + BATCH_HEADER.batchLength.offset);
    if (batchLength < BATCH_HEADER_BYTES - BATCH_LOG_OVERHEAD) return bytes;
    const next = end + BATCH_LOG_OVERHEAD + batchLength;
    if (next > bytes.length) break;
    end = next;
  }
  return end === 0 || end === bytes.length ? bytes : bytes.subarray(0, end);
}

export function decodeBatches(bytes: Uint8Array): RecordBatch[] {
  const view = dataViewOf(bytes);
  const outcome = scan(bytes, view, true);
  if (outcome.error !== null) throw outcome.error;
  const source = new RecordSource(bytes, bytes.buffer, bytes.byteOffset);
  const batchEntries = memoryViews.i32;
  const batches: RecordBatch[] = [];
  // Compressed batches' records are decoded in a second pass: decoding one runs
  // the scanner again, which overwrites the tables this pass reads.
  let compressed: number[] | null = null;
  for (let b = 0; b < outcome.batchCount; b++) {
    const entry = (outcome.batchTable >> 2) + b * (BATCH_ENTRY_BYTES / 4);
    const position = batchEntries[entry]!;
    const size = batchEntries[entry + 1]!;
    const header = readBatchHeader(view, position);
    const plain = header.compression === "none";
    const records = plain ? buildRecords(source, header, outcome.recordTable, batchEntries[entry + 2]!) : [];
    if (!plain) (compressed ??= []).push(b);
    batches.push(new DecodedBatch(header, position, bytes.subarray(position, position + size), records));
  }
  for (const b of compressed ?? []) {
    const { position, bytes: batch } = batches[b]!;
    const header = readBatchHeader(view, position);
    batches[b] = new DecodedBatch(header, position, batch, compressedRecords(batch, header, position));
  }
  return batches;
}
