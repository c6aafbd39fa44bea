// Where each field of a RecordBatch v2 header lies, and of the two index
// files' entries: the only table of these byte offsets outside assembly/
// (whose own copy a test holds to this one).

/** A field: its byte offset from the start of its batch or entry, and its size in bytes (big-endian on disk and on the wire). */
export interface FieldLayout {
  readonly offset: number;
  readonly size: number;
}

/** The RecordBatch v2 header, field by field, in byte order: each field starts where the one before ends. */
export const BATCH_HEADER = {
  baseOffset: { offset: 0, size: 8 },
  batchLength: { offset: 8, size: 4 },
  partitionLeaderEpoch: { offset: 12, size: 4 },
  magic: { offset: 16, size: 1 },
  crc: { offset: 17, size: 4 },
  attributes: { offset: 21, size: 2 },
  lastOffsetDelta: { offset: 23, size: 4 },
  baseTimestamp: { offset: 27, size: 8 },
  maxTimestamp: { offset: 35, size: 8 },
  producerId: { offset: 43, size: 8 },
  producerEpoch: { offset: 51, size: 2 },
  baseSequence: { offset: 53, size: 4 },
  recordCount: { offset: 57, size: 4 },
} as const satisfies Record<string, FieldLayout>;

export type BatchHeaderFieldName = keyof typeof BATCH_HEADER;

/** Size of the fixed batch header; the records start here. */
export const BATCH_HEADER_BYTES = BATCH_HEADER.recordCount.offset + BATCH_HEADER.recordCount.size; // 61
/** baseOffset + batchLength: the bytes batchLength does not count (a batch is batchLength + this). */
export const BATCH_LOG_OVERHEAD = BATCH_HEADER.batchLength.offset + BATCH_HEADER.batchLength.size; // 12
/** The CRC-32C covers the batch from attributes to its end: baseOffset, batchLength and partitionLeaderEpoch are outside it. */
export const BATCH_CRC_START = BATCH_HEADER.attributes.offset; // 21
/**
 * The header bytes an append writes under CreateTime (baseOffset and
 * partitionLeaderEpoch, with batchLength between them unchanged): a log can
 * patch a copy of these and take the rest of the batch as it came.
 */
export const BATCH_APPEND_STAMPED_BYTES = BATCH_HEADER.partitionLeaderEpoch.offset + BATCH_HEADER.partitionLeaderEpoch.size; // 16

/** An .index entry: the batch's offset relative to the segment's base offset, and its byte position in the .log. */
export const OFFSET_INDEX_ENTRY = {
  relativeOffset: { offset: 0, size: 4 },
  position: { offset: 4, size: 4 },
} as const satisfies Record<string, FieldLayout>;
export const OFFSET_INDEX_ENTRY_BYTES = 8;

/** A .timeindex entry: the largest timestamp so far, and the relative offset of the batch that holds it. */
export const TIME_INDEX_ENTRY = {
  timestamp: { offset: 0, size: 8 },
  relativeOffset: { offset: 8, size: 4 },
} as const satisfies Record<string, FieldLayout>;
export const TIME_INDEX_ENTRY_BYTES = 12;
