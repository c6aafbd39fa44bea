// Checks a segment's index files entry by entry against the batches of its
// .log (for `loglab check`): pure functions over bytes already read.

import { OffsetIndex, TimeIndex } from "../format/index.ts";
import type { BatchInfo } from "./batch-scan.ts";

/** One thing wrong in a data dir's files, as `loglab check` prints it. */
export interface LogProblem {
  readonly fileName: string;
  /** Byte position in fileName. */
  readonly position: number;
  /** A CorruptionReason for the .log, or what is wrong with an index ("index-entry-invalid", …). */
  readonly reason: string;
  readonly detail: string;
}

/** An index file's bytes and what the segment's .log holds. */
export interface IndexAgainstLog {
  readonly fileName: string;
  readonly bytes: Uint8Array;
  readonly baseOffset: number;
  /** The .log's name, for messages. */
  readonly logName: string;
  /** The .log's valid batches, in order. */
  readonly batches: readonly BatchInfo[];
  /** Whether an entry (by the byte it points at and its offset) lies where the .log could be checked. */
  readonly checkable: (position: number, offset: number) => boolean;
}

/** Each offset index entry must name a batch boundary and that batch's last offset, in increasing order. */
export function checkOffsetIndex({ fileName: name, bytes, baseOffset, logName, batches, checkable }: IndexAgainstLog): LogProblem[] {
  const index = OffsetIndex.create();
  const entryBytes = index.entryBytes;
  if (bytes.length % entryBytes !== 0) {
    return [{ fileName: name, position: bytes.length - (bytes.length % entryBytes), reason: "index-size-invalid", detail: `${bytes.length} bytes is not a whole number of ${entryBytes}-byte entries` }];
  }
  index.load(bytes);
  const byPosition = new Map(batches.map((b) => [b.position, b]));
  const problems: LogProblem[] = [];
  let previous = -1;
  for (let i = 0; i < index.entryCount; i++) {
    const offset = baseOffset + index.relativeOffsetAt(i);
    const position = index.positionAt(i);
    if (!checkable(position, offset)) break;
    const batch = byPosition.get(position);
    const detail = offset <= previous
      ? `entry ${i} names offset ${offset}, not after the previous entry's ${previous}`
      : batch === undefined
      ? `entry ${i} (offset ${offset}) points at byte ${position} of ${logName}, which is not the start of a valid batch`
      : batch.lastOffset !== offset
      ? `entry ${i} names offset ${offset} but the batch at byte ${position} of ${logName} ends at offset ${batch.lastOffset}`
      : null;
    if (detail !== null) problems.push({ fileName: name, position: i * entryBytes, reason: "index-entry-invalid", detail });
    previous = offset;
  }
  return problems;
}

/** Each time index entry must name a batch's last offset and the greatest timestamp up to it, timestamps not decreasing. */
export function checkTimeIndex({ fileName: name, bytes, baseOffset, logName, batches, checkable }: IndexAgainstLog): LogProblem[] {
  const index = TimeIndex.create();
  const entryBytes = index.entryBytes;
  if (bytes.length % entryBytes !== 0) {
    return [{ fileName: name, position: bytes.length - (bytes.length % entryBytes), reason: "index-size-invalid", detail: `${bytes.length} bytes is not a whole number of ${entryBytes}-byte entries` }];
  }
  index.load(bytes);
  const maxTimestampUpTo = new Map<number, number>();
  let running = -1;
  for (const batch of batches) maxTimestampUpTo.set(batch.lastOffset, running = Math.max(running, batch.maxTimestamp));
  const problems: LogProblem[] = [];
  let previous = -Infinity;
  for (let i = 0; i < index.entryCount; i++) {
    const timestamp = index.timestampAt(i);
    const offset = baseOffset + index.relativeOffsetAt(i);
    if (!checkable(0, offset)) break;
    const expected = maxTimestampUpTo.get(offset);
    const detail = timestamp < previous
      ? `entry ${i} has timestamp ${timestamp}, below the previous entry's ${previous}`
      : expected === undefined
      ? `entry ${i} names offset ${offset}, which is not the last offset of a valid batch in ${logName}`
      : expected !== timestamp
      ? `entry ${i} says timestamp ${timestamp} at offset ${offset}, but the greatest timestamp up to it is ${expected}`
      : null;
    if (detail !== null) problems.push({ fileName: name, position: i * entryBytes, reason: "time-index-entry-invalid", detail });
    previous = timestamp;
  }
  return problems;
}
