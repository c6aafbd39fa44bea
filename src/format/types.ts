// The RecordBatch v2 model as loglab's API shows it. Offsets, timestamps and
// producer ids are JS numbers: exact up to 2^53, far beyond any real log.

/** Compression codecs named by attributes bits 0-2. loglab writes `none` only. */
export type CompressionCodec = "none" | "gzip" | "snappy" | "lz4" | "zstd";
export const COMPRESSION_CODECS: readonly CompressionCodec[] = ["none", "gzip", "snappy", "lz4", "zstd"];

/** CreateTime (the producer's clock) or LogAppendTime (the broker's). */
export type TimestampType = "create-time" | "log-append-time";

/** A record header: Kafka allows repeated keys and null values; order is kept. */
export interface RecordHeader {
  readonly key: string;
  readonly value: Uint8Array | null;
}

/** Bytes as the caller has them: strings are written as UTF-8. */
export type BytesInput = Uint8Array | string;

/** A header as the caller writes it. */
export interface RecordHeaderInput {
  readonly key: string;
  readonly value: BytesInput | null;
}

/** One record to encode. A null value is a tombstone. */
export interface RecordInput {
  readonly key?: BytesInput | null;
  readonly value: BytesInput | null;
  readonly headers?: readonly RecordHeaderInput[];
  /** Absolute timestamp in ms; defaults to the batch's baseTimestamp. */
  readonly timestamp?: number;
  /** Offset relative to the batch's baseOffset; defaults to the record's index. */
  readonly offsetDelta?: number;
}

/** A batch to encode. Defaults follow Kafka's producer for a non-idempotent batch. */
export interface BatchInput {
  readonly records: readonly RecordInput[];
  readonly baseOffset?: number;
  /** -1 (none) unless the batch was written by a partition leader. */
  readonly partitionLeaderEpoch?: number;
  /** Defaults to the first record's timestamp. */
  readonly baseTimestamp?: number;
  /** Defaults to the greatest record timestamp (or the append time for log-append-time). */
  readonly maxTimestamp?: number;
  /** Defaults to the greatest record offsetDelta. */
  readonly lastOffsetDelta?: number;
  readonly timestampType?: TimestampType;
  readonly isTransactional?: boolean;
  readonly isControl?: boolean;
  /** Attributes bit 6: baseTimestamp holds the delete horizon of a compacted batch. */
  readonly hasDeleteHorizon?: boolean;
  readonly producerId?: number;
  readonly producerEpoch?: number;
  readonly baseSequence?: number;
}

/** A record read from a batch. Key, value and header values view the input bytes. */
export interface LogRecord {
  readonly offset: number;
  readonly timestamp: number;
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  readonly headers: readonly RecordHeader[];
  readonly offsetDelta: number;
  readonly timestampDelta: number;
}

/** Header fields of a decoded batch, as on the wire. */
export interface BatchHeader {
  readonly baseOffset: number;
  /** baseOffset + lastOffsetDelta. */
  readonly lastOffset: number;
  readonly lastOffsetDelta: number;
  /** The whole batch in bytes (batchLength + 12). */
  readonly sizeInBytes: number;
  readonly partitionLeaderEpoch: number;
  readonly magic: number;
  readonly crc: number;
  readonly attributes: number;
  readonly compression: CompressionCodec;
  readonly timestampType: TimestampType;
  readonly isTransactional: boolean;
  readonly isControl: boolean;
  readonly hasDeleteHorizon: boolean;
  readonly baseTimestamp: number;
  readonly maxTimestamp: number;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly recordCount: number;
}

/** A decoded batch: its header, where it sits in the input, and its records. */
export interface RecordBatch extends BatchHeader {
  /** Byte position of the batch in the buffer it was decoded from. */
  readonly position: number;
  /** The batch's own bytes (a view of the input). */
  readonly bytes: Uint8Array;
  readonly records: readonly LogRecord[];
}

// Attribute bits (kafka-facts.md).
export const ATTR_COMPRESSION_MASK = 0x07;
export const ATTR_TIMESTAMP_TYPE = 0x08;
export const ATTR_TRANSACTIONAL = 0x10;
export const ATTR_CONTROL = 0x20;
export const ATTR_DELETE_HORIZON = 0x40;

/** "No producer": the id, epoch and sequence of a non-idempotent batch. */
export const NO_PRODUCER_ID = -1;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
export const NO_PARTITION_LEADER_EPOCH = -1;
