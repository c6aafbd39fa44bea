// The format layer's public face: Kafka's RecordBatch v2 on the wasm core.

export {
  BATCH_APPEND_STAMPED_BYTES, BATCH_CRC_START, BATCH_HEADER, BATCH_HEADER_BYTES, BATCH_LOG_OVERHEAD, type BatchHeaderFieldName,
  type FieldLayout, OFFSET_INDEX_ENTRY, OFFSET_INDEX_ENTRY_BYTES, TIME_INDEX_ENTRY, TIME_INDEX_ENTRY_BYTES,
} from "./batch-layout.ts";
export { crc32c } from "./crc32c.ts";
export { DecompressionLimitError, WRITABLE_COMPRESSION_CODECS, type WritableCompressionCodec } from "./compression.ts";
export { checkRecordInput, encodeBatch, FORMAT_BATCH_BYTES_MAX, type EncodeOptions } from "./encode.ts";
export { decodeBatches, readBatchHeader, validateBatches, type ValidationReport, wholeBatchesOf } from "./decode.ts";
export { type BatchCrcReport, checkBatchCrcs } from "./batch-check.ts";
export { offsetIndexLookup, timeIndexLookup } from "./index-search.ts";
export { type AppendStamp, stampAppend } from "./stamp-append.ts";
export {
  CONTROL_TYPE_ABORT, CONTROL_TYPE_COMMIT, controlRecordKey, controlRecordType, controlRecordValue, type ControlType,
} from "./control-records.ts";
export { OffsetIndex, RESIDENT_INDEX_PLAIN_BYTES_MAX, TimeIndex } from "./resident-index.ts";
export {
  CorruptRecordError, type CorruptionReason, InvalidRecordError, LoglabError, RecordTooLargeError,
  UnsupportedCompressionError,
} from "./errors.ts";
export * from "./types.ts";
