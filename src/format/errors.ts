// Typed errors of the format layer, named after Kafka's where one exists.
// Every message states the offending value and the rule or limit it broke.

/** Base class of every error loglab throws on purpose. */
export class LoglabError extends Error {
  /** Kafka's error name (e.g. CORRUPT_MESSAGE), or loglab's own for errors Kafka lacks. */
  readonly code: string;
  /** Whether retrying the same request may succeed (Kafka's RetriableException). */
  readonly retriable: boolean;

  constructor(code: string, message: string, retriable = false) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.retriable = retriable;
  }
}

/**
 * Why a span of bytes is not a valid RecordBatch v2. The first eight come
 * from the batch itself (the wasm core checks them); decompression-failed from
 * a compressed batch whose records section its codec cannot read; the offset reasons from
 * where the batch sits in a log: a base offset not after the previous batch's
 * last offset, one that skips offsets in a log that is never compacted, or
 * one outside its segment's range (below the segment's base offset, at or
 * after the next segment's, or beyond 2^53).
 */
export type CorruptionReason =
  | "truncated-header"
  | "batch-length-invalid"
  | "truncated-batch"
  | "magic-unsupported"
  | "crc-mismatch"
  | "record-count-invalid"
  | "record-malformed"
  | "offset-delta-invalid"
  | "decompression-failed"
  | "offset-not-increasing"
  | "offset-not-contiguous"
  | "offset-out-of-segment";

/** Bytes that are not valid batches: Kafka's CORRUPT_MESSAGE (CorruptRecordException). */
export class CorruptRecordError extends LoglabError {
  /**
   * Byte position of the first invalid batch: in `fileName` when that is set,
   * else in the buffer that was checked.
   */
  readonly position: number;
  readonly reason: CorruptionReason;
  /** The file the bytes came from, or null for a buffer that is not a file. */
  readonly fileName: string | null;
  /** What exactly is wrong (without the position and file). */
  readonly detail: string;

  constructor(position: number, reason: CorruptionReason, detail: string, fileName: string | null = null) {
    super(
      "CORRUPT_MESSAGE",
      `corrupt record batch ${fileName === null ? "" : `in ${fileName} `}at byte ${position}: ${reason} (${detail})`,
      true,
    );
    this.position = position;
    this.reason = reason;
    this.fileName = fileName;
    this.detail = detail;
  }

  /** The same error for bytes that start at `start` in file `fileName` (null: a buffer, not a file). */
  inFile(fileName: string | null, start: number): CorruptRecordError {
    return new CorruptRecordError(start + this.position, this.reason, this.detail, fileName);
  }
}

/** A batch or record over a size limit: Kafka's MESSAGE_TOO_LARGE. */
export class RecordTooLargeError extends LoglabError {
  readonly sizeBytes: number;
  readonly limitBytes: number;
  readonly limitName: string;

  constructor(sizeBytes: number, limitBytes: number, limitName: string) {
    super("MESSAGE_TOO_LARGE", `record batch of ${sizeBytes} bytes exceeds ${limitName}=${limitBytes}`);
    this.sizeBytes = sizeBytes;
    this.limitBytes = limitBytes;
    this.limitName = limitName;
  }
}

/** A record or batch that is well-formed bytes but breaks a rule: Kafka's INVALID_RECORD. */
export class InvalidRecordError extends LoglabError {
  constructor(message: string) {
    super("INVALID_RECORD", message);
  }
}

/**
 * A codec Kafka does not define (attributes codec id 5-7): Kafka's
 * UNSUPPORTED_COMPRESSION_TYPE. Batches with one are never stored.
 */
export class UnsupportedCompressionError extends LoglabError {
  readonly codec: string;

  constructor(codec: string, position: number) {
    super(
      "UNSUPPORTED_COMPRESSION_TYPE",
      `record batch at byte ${position} is compressed with ${codec}; Kafka's codecs are none, gzip, snappy, lz4 and zstd`,
    );
    this.codec = codec;
  }
}
