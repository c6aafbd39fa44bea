// What a log writes into a producer's batch when it appends it: the header
// fields outside the CRC, and under LogAppendTime the broker's time with the
// CRC that then covers it. Nothing else in a batch changes on append.

import { BATCH_CRC_START, BATCH_HEADER, BATCH_LOG_OVERHEAD } from "./batch-layout.ts";
import { crc32c } from "./crc32c.ts";
import { ATTR_TIMESTAMP_TYPE } from "./types.ts";

export interface AppendStamp {
  /** The offset the log assigns to the batch's first record. */
  readonly baseOffset: number;
  /** The broker's time (ms) under message.timestamp.type=LogAppendTime; absent under CreateTime. */
  readonly logAppendTimeMs?: number;
  /** The leader epoch the batch is appended under (0 for a log with a single leader). */
  readonly partitionLeaderEpoch?: number;
}

const TWO_POW_32 = 0x1_0000_0000;

/** Writes an int64 that a double holds exactly, without a BigInt. */
function setInt64(view: DataView, at: number, value: number): void {
  view.setInt32(at, Math.floor(value / TWO_POW_32));
  view.setUint32(at + 4, value % TWO_POW_32);
}

/**
 * Stamps the batch at `at` in `bytes` (already validated) as appended. Under
 * CreateTime it writes only baseOffset and partitionLeaderEpoch, within the
 * first BATCH_APPEND_STAMPED_BYTES, so `bytes` may be a copy of just those;
 * under LogAppendTime it also sets the timestamp type bit and maxTimestamp and
 * recomputes the CRC, so `bytes` must hold the whole batch.
 */
export function stampAppend(bytes: Uint8Array, at: number, stamp: AppendStamp): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  setInt64(view, at + BATCH_HEADER.baseOffset.offset, stamp.baseOffset);
  view.setInt32(at + BATCH_HEADER.partitionLeaderEpoch.offset, stamp.partitionLeaderEpoch ?? 0);
  const logAppendTimeMs = stamp.logAppendTimeMs;
  if (logAppendTimeMs === undefined) return;
  const attributes = at + BATCH_HEADER.attributes.offset;
  view.setInt16(attributes, view.getInt16(attributes) | ATTR_TIMESTAMP_TYPE);
  setInt64(view, at + BATCH_HEADER.maxTimestamp.offset, logAppendTimeMs);
  const end = at + BATCH_LOG_OVERHEAD + view.getInt32(at + BATCH_HEADER.batchLength.offset);
  view.setUint32(at + BATCH_HEADER.crc.offset, crc32c(bytes.subarray(at + BATCH_CRC_START, end)));
}
