// Byte layout shared by the encoder, the scanner and the TypeScript host
// (src/format/wasm-abi.ts mirrors these numbers; a test checks they agree).

// RecordBatch v2 header, big-endian on the wire.
export const BASE_OFFSET: i32 = 0;
export const BATCH_LENGTH: i32 = 8;
export const PARTITION_LEADER_EPOCH: i32 = 12;
export const MAGIC: i32 = 16;
export const CRC: i32 = 17;
export const ATTRIBUTES: i32 = 21;
export const LAST_OFFSET_DELTA: i32 = 23;
export const BASE_TIMESTAMP: i32 = 27;
export const MAX_TIMESTAMP: i32 = 35;
export const PRODUCER_ID: i32 = 43;
export const PRODUCER_EPOCH: i32 = 51;
export const BASE_SEQUENCE: i32 = 53;
export const RECORD_COUNT: i32 = 57;
export const RECORDS: i32 = 61;
/** Bytes before batchLength's count starts: baseOffset + batchLength. */
export const LOG_OVERHEAD: i32 = 12;
export const CURRENT_MAGIC: u8 = 2;
export const COMPRESSION_MASK: i32 = 0x07;

// Encoder parameters, written by the host (little-endian, 8-aligned).
export const P_BASE_OFFSET: i32 = 0; // i64
export const P_PRODUCER_ID: i32 = 8; // i64
export const P_BASE_TIMESTAMP: i32 = 16; // f64 ms
export const P_MAX_TIMESTAMP: i32 = 24; // f64 ms
export const P_PARTITION_LEADER_EPOCH: i32 = 32; // i32
export const P_LAST_OFFSET_DELTA: i32 = 36; // i32
export const P_BASE_SEQUENCE: i32 = 40; // i32
export const P_ATTRIBUTES: i32 = 44; // i32 (int16 on the wire)
export const P_PRODUCER_EPOCH: i32 = 48; // i32 (int16 on the wire)
export const P_RECORD_COUNT: i32 = 52; // i32
export const PARAMS_BYTES: i32 = 56;

// One input record for the encoder, written by the host (little-endian), then
// key bytes, value bytes and the header section, padded to 8 bytes:
// header section = per header: i32 keyLength, key, i32 valueLength (-1 = null), value.
export const R_TIMESTAMP: i32 = 0; // f64 ms, absolute
export const R_OFFSET_DELTA: i32 = 8; // i32
export const R_KEY_LENGTH: i32 = 12; // i32, -1 = null
export const R_VALUE_LENGTH: i32 = 16; // i32, -1 = null (tombstone)
export const R_HEADER_COUNT: i32 = 20; // i32
export const R_HEADERS_BYTES: i32 = 24; // i32, size of the header section
export const R_FIXED_BYTES: i32 = 32;

// Scanner result (little-endian i32s).
export const S_VALID_BYTES: i32 = 0; // bytes of whole valid batches from the start
export const S_REASON: i32 = 4; // 0 = all valid, else a Reason
export const S_BATCHES: i32 = 8; // valid batches found
export const S_RECORDS: i32 = 12; // records indexed
export const S_DETAIL: i32 = 16; // reason-specific value (e.g. the stored CRC)
export const S_DETAIL2: i32 = 20; // reason-specific value (e.g. the computed CRC)
export const SCAN_RESULT_BYTES: i32 = 24;

// Scanner batch table entry (i32s): position, size, first record index, record count.
export const BATCH_ENTRY_BYTES: i32 = 16;

// Scanner record table entry: f64 timestampDelta, then i32s.
export const E_TIMESTAMP_DELTA: i32 = 0;
export const E_OFFSET_DELTA: i32 = 8;
export const E_KEY_POSITION: i32 = 12;
export const E_KEY_LENGTH: i32 = 16;
export const E_VALUE_POSITION: i32 = 20;
export const E_VALUE_LENGTH: i32 = 24;
export const E_HEADERS_POSITION: i32 = 28;
export const E_HEADER_COUNT: i32 = 32;
export const RECORD_ENTRY_BYTES: i32 = 40;

// Why a batch is invalid. Mirrored by CorruptionReason in the host.
export const REASON_NONE: i32 = 0;
export const REASON_TRUNCATED_HEADER: i32 = 1; // fewer bytes left than a batch header
export const REASON_BATCH_LENGTH_INVALID: i32 = 2; // batchLength below the header size
export const REASON_TRUNCATED_BATCH: i32 = 3; // batchLength runs past the buffer
export const REASON_MAGIC_UNSUPPORTED: i32 = 4;
export const REASON_CRC_MISMATCH: i32 = 5;
export const REASON_RECORD_COUNT_INVALID: i32 = 6; // negative, or not what the records hold
export const REASON_RECORD_MALFORMED: i32 = 7; // a record's fields do not fit its length
export const REASON_OFFSET_DELTA_INVALID: i32 = 8; // offset deltas repeat, go back, or pass lastOffsetDelta
export const REASON_TABLE_FULL: i32 = 9; // not corruption: the host must grow the record table
