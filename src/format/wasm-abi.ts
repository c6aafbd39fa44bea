// The memory layout shared with assembly/batch-layout.ts. The two files must
// agree number for number; test/format/wasm-abi.node.test.ts checks that they do.

import type { CorruptionReason } from "./errors.ts";

// The RecordBatch v2 header's offsets are in batch-layout.ts (the one table of
// them on this side); test/format/wasm-abi.node.test.ts holds assembly's to it.
export const CURRENT_MAGIC = 2;

// Encoder parameters (little-endian, 8-aligned).
export const P_BASE_OFFSET = 0;
export const P_PRODUCER_ID = 8;
export const P_BASE_TIMESTAMP = 16;
export const P_MAX_TIMESTAMP = 24;
export const P_PARTITION_LEADER_EPOCH = 32;
export const P_LAST_OFFSET_DELTA = 36;
export const P_BASE_SEQUENCE = 40;
export const P_ATTRIBUTES = 44;
export const P_PRODUCER_EPOCH = 48;
export const P_RECORD_COUNT = 52;
export const PARAMS_BYTES = 56;

// Encoder input record (little-endian), followed by key, value, header section.
export const R_TIMESTAMP = 0;
export const R_OFFSET_DELTA = 8;
export const R_KEY_LENGTH = 12;
export const R_VALUE_LENGTH = 16;
export const R_HEADER_COUNT = 20;
export const R_HEADERS_BYTES = 24;
export const R_FIXED_BYTES = 32;

// Scanner result.
export const S_VALID_BYTES = 0;
export const S_REASON = 4;
export const S_BATCHES = 8;
export const S_RECORDS = 12;
export const S_DETAIL = 16;
export const S_DETAIL2 = 20;
export const SCAN_RESULT_BYTES = 24;

export const BATCH_ENTRY_BYTES = 16;

// Scanner record table entry.
export const E_TIMESTAMP_DELTA = 0;
export const E_OFFSET_DELTA = 8;
export const E_KEY_POSITION = 12;
export const E_KEY_LENGTH = 16;
export const E_VALUE_POSITION = 20;
export const E_VALUE_LENGTH = 24;
export const E_HEADERS_POSITION = 28;
export const E_HEADER_COUNT = 32;
export const RECORD_ENTRY_BYTES = 40;

export const REASON_NONE = 0;
export const REASON_TABLE_FULL = 9;
/** Scanner reason codes 1..8, in order. */
export const CORRUPTION_REASONS = [
  "truncated-header",
  "batch-length-invalid",
  "truncated-batch",
  "magic-unsupported",
  "crc-mismatch",
  "record-count-invalid",
  "record-malformed",
  "offset-delta-invalid",
] as const satisfies readonly CorruptionReason[];

/** The reasons the wasm scanner reports (the log layer adds reasons of its own). */
export type ScanReason = (typeof CORRUPTION_REASONS)[number];

/** The functions the wasm module exports. Pointers and lengths are byte addresses. */
export interface CoreExports {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  crc32cUpdate(crc: number, ptr: number, length: number): number;
  encodeBatch(params: number, records: number, out: number): number;
  scanBatches(
    ptr: number, length: number, result: number,
    batchTable: number, batchCapacity: number, recordTable: number, recordCapacity: number,
  ): number;
  offsetIndexLookup(ptr: number, count: number, targetRelativeOffset: number): number;
  timeIndexLookup(ptr: number, count: number, targetTimestamp: number): number;
  encodeVarlong(ptr: number, value: bigint): number;
  decodeVarlong(ptr: number, end: number): bigint;
  lastVarintLength(): number;
}
