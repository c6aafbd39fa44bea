// The format layer's public face: Kafka's RecordBatch v2 on the wasm core.

export { crc32c } from "./crc32c.ts";
export { checkRecordInput, encodeBatch, FORMAT_BATCH_BYTES_MAX, type EncodeOptions } from "./encode.ts";
export { decodeBatches, readBatchHeader, validateBatches, type ValidationReport } from "./decode.ts";
export {
  OFFSET_INDEX_ENTRY_BYTES, offsetIndexLookup, TIME_INDEX_ENTRY_BYTES, timeIndexLookup,
} from "./index-search.ts";
export { OffsetIndex, RESIDENT_INDEX_PLAIN_BYTES_MAX, TimeIndex } from "./resident-index.ts";
export {
  CorruptRecordError, type CorruptionReason, InvalidRecordError, LoglabError, RecordTooLargeError,
  UnsupportedCompressionError,
} from "./errors.ts";
export * from "./types.ts";
