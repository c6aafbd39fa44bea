// `loglab dump`: what kafka-dump-log.sh prints for a segment's .log (each
// batch, and with --print-data-log each record), .index, .timeindex or .txnindex file,
// and how many bytes at the end are not valid batches, and why. It only
// reads; a file that is not wholly valid ends it with exit code 1.

import {
  decodeBatches, OFFSET_INDEX_ENTRY, OFFSET_INDEX_ENTRY_BYTES, TIME_INDEX_ENTRY, TIME_INDEX_ENTRY_BYTES, validateBatches,
} from "../format/index.ts";
import { ABORTED_TXN_ENTRY_BYTES, CorruptIndexError, decodeAbortedTxns, TXN_INDEX_SUFFIX } from "../log/index.ts";
import { encodeBytes } from "./encoding.ts";
import { InvalidSegmentFileError } from "./errors.ts";
import { parseFlags } from "./flags.ts";
import type { Output } from "./platform.ts";
import { UsageError } from "./usage.ts";

const FLAGS = { "print-data-log": { type: "boolean" }, files: { type: "string" } } as const;

function baseOffsetOf(fileName: string): number {
  const match = /(\d{20})\.[a-z]+$/.exec(fileName);
  return match === null ? 0 : Number(match[1]);
}

/** Prints a .log file's batches; returns what is wrong with it, or null. */
function dumpLog(bytes: Uint8Array, fileName: string, printDataLog: boolean, out: Output): string | null {
  out.line(`Starting offset: ${baseOffsetOf(fileName)}`);
  const report = validateBatches(bytes);
  let position = 0;
  for (const b of report.headers) {
    const sequenced = b.baseSequence >= 0;
    out.line(
      `baseOffset: ${b.baseOffset} lastOffset: ${b.lastOffset} count: ${b.recordCount} ` +
      `baseSequence: ${b.baseSequence} lastSequence: ${sequenced ? b.baseSequence + b.lastOffsetDelta : -1} ` +
      `producerId: ${b.producerId} producerEpoch: ${b.producerEpoch} partitionLeaderEpoch: ${b.partitionLeaderEpoch} ` +
      `isTransactional: ${b.isTransactional} isControl: ${b.isControl} ` +
      `deleteHorizonMs: ${b.hasDeleteHorizon ? `OptionalLong[${b.baseTimestamp}]` : "OptionalLong.empty"} ` +
      `position: ${position} ${b.timestampType === "create-time" ? "CreateTime" : "LogAppendTime"}: ${b.maxTimestamp} ` +
      `size: ${b.sizeInBytes} magic: ${b.magic} compresscodec: ${b.compression} crc: ${b.crc} isvalid: true`,
    );
    if (printDataLog) {
      const batch = decodeBatches(bytes.subarray(position, position + b.sizeInBytes))[0]!;
      for (const r of batch.records) {
        const key = r.key === null ? "" : ` key: ${encodeBytes(r.key, "utf8")}`;
        out.line(
          `| offset: ${r.offset} ${b.timestampType === "create-time" ? "CreateTime" : "LogAppendTime"}: ${r.timestamp} ` +
          `keySize: ${r.key?.length ?? -1} valueSize: ${r.value?.length ?? -1} ` +
          `sequence: ${sequenced ? b.baseSequence + r.offsetDelta : -1} headerKeys: [${r.headers.map((h) => h.key).join(",")}]` +
          `${key} payload: ${r.value === null ? "null" : encodeBytes(r.value, "utf8")}`,
        );
      }
    }
    position += b.sizeInBytes;
  }
  if (report.headerError !== null) throw report.headerError;
  if (report.error === null) return null;
  const invalid = `${bytes.length - report.validBytes} invalid bytes at the end of ${fileName}: ${report.error.message}`;
  out.line(`Found ${invalid}`);
  return report.validBytes === 0 ? `not a log segment: ${invalid}` : invalid;
}

/** What is wrong with one index entry given the one before it, or null. */
type EntryCheck = (at: number, previous: number | null) => string | null;

/**
 * Prints an .index or .timeindex file's entries, marking each that cannot be
 * right: a position that is negative or past the end of the segment's .log
 * (when `logBytes` is known), an offset below the segment's base offset, and
 * offsets, positions or timestamps that do not increase. Returns what is wrong, or null.
 */
function dumpIndex(bytes: Uint8Array, fileName: string, logBytes: number | null, out: Output): string | null {
  const base = baseOffsetOf(fileName);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const timeIndex = fileName.endsWith(".timeindex");
  const entryBytes = timeIndex ? TIME_INDEX_ENTRY_BYTES : OFFSET_INDEX_ENTRY_BYTES;
  const relativeOffsetAt = (at: number) => view.getInt32(at + (timeIndex ? TIME_INDEX_ENTRY : OFFSET_INDEX_ENTRY).relativeOffset.offset);
  const positionAt = (at: number) => view.getInt32(at + OFFSET_INDEX_ENTRY.position.offset);
  const timestampAt = (at: number) => view.getBigInt64(at + TIME_INDEX_ENTRY.timestamp.offset);
  const checks: EntryCheck[] = timeIndex
    ? [
      (at) => (relativeOffsetAt(at) < 0 ? "offset below the segment's base offset" : null),
      (at, previous) => (previous !== null && relativeOffsetAt(at) < relativeOffsetAt(previous) ? "offset lower than the previous entry's" : null),
      (at, previous) => (previous !== null && timestampAt(at) <= timestampAt(previous) ? "timestamp not after the previous entry's" : null),
    ]
    : [
      (at) => (relativeOffsetAt(at) < 0 ? "offset below the segment's base offset" : null),
      (at) => (positionAt(at) < 0 ? "negative position" : null),
      (at) => (logBytes !== null && positionAt(at) >= logBytes ? `position past the end of the .log (${logBytes} bytes)` : null),
      (at, previous) => (previous !== null && relativeOffsetAt(at) <= relativeOffsetAt(previous) ? "offset not after the previous entry's" : null),
      (at, previous) => (previous !== null && positionAt(at) <= positionAt(previous) ? "position not after the previous entry's" : null),
    ];
  const problems: string[] = [];
  let previous: number | null = null;
  for (let at = 0; at + entryBytes <= bytes.length; at += entryBytes) {
    // Kafka preallocates index files: an all-zero entry after the first is unused space, where its dump stops too.
    if (at > 0 && bytes.subarray(at, at + entryBytes).every((b) => b === 0)) break;
    const line = timeIndex
      ? `timestamp: ${timestampAt(at)} offset: ${base + relativeOffsetAt(at)}`
      : `offset: ${base + relativeOffsetAt(at)} position: ${positionAt(at)}`;
    const wrong = checks.map((check) => check(at, previous)).filter((problem) => problem !== null);
    out.line(wrong.length === 0 ? line : `${line} INVALID: ${wrong.join(", ")}`);
    if (wrong.length > 0) problems.push(`entry ${at / entryBytes}: ${wrong.join(", ")}`);
    previous = at;
  }
  if (bytes.length % entryBytes !== 0) {
    out.line(`Found ${bytes.length % entryBytes} trailing bytes that are not a whole entry`);
    problems.push(`${bytes.length % entryBytes} trailing bytes that are not a whole entry`);
  }
  if (problems.length === 0) return null;
  return `${problems.length} invalid index entr${problems.length === 1 ? "y" : "ies"} (first: ${problems[0]})`;
}

/**
 * Prints a .txnindex file's aborted transactions as Kafka does, then checks
 * it whole (torn entries, versions, marker offsets in order and in the
 * segment): returns what is wrong, or null.
 */
function dumpTxnIndex(bytes: Uint8Array, fileName: string, out: Output): string | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; at + ABORTED_TXN_ENTRY_BYTES <= bytes.length; at += ABORTED_TXN_ENTRY_BYTES) {
    const [producerId, firstOffset, lastOffset, lastStableOffset] = [2, 10, 18, 26].map((field) => view.getBigInt64(at + field));
    out.line(
      `version: ${view.getInt16(at)} producerId: ${producerId} firstOffset: ${firstOffset} lastOffset: ${lastOffset} lastStableOffset: ${lastStableOffset}`,
    );
  }
  try {
    decodeAbortedTxns(bytes, fileName, baseOffsetOf(fileName), Infinity);
    return null;
  } catch (error) {
    if (!(error instanceof CorruptIndexError)) throw error;
    out.line(`Found an invalid entry at byte ${error.position}: ${error.detail}`);
    return `invalid entry at byte ${error.position}: ${error.detail}`;
  }
}

/** How dump reads: whole files and file sizes, read-only. */
export interface ReadOnlyFiles {
  read(path: string): Promise<Uint8Array>;
  /** The size of a file, or null when there is none. */
  size(path: string): Promise<number | null>;
}

export async function dumpCommand(args: string[], files: ReadOnlyFiles, out: Output): Promise<void> {
  const { values, positionals } = parseFlags("dump", args, FLAGS, ["FILE"]);
  if (positionals.length > 0 && values.files !== undefined) throw new UsageError("dump takes FILE or --files FILE, not both");
  const path = positionals[0] ?? values.files;
  if (path === undefined) throw new UsageError("dump needs a FILE (.log, .index, .timeindex or .txnindex)");
  const name = path.slice(path.lastIndexOf("/") + 1);
  const isLog = name.endsWith(".log");
  const isTxnIndex = name.endsWith(TXN_INDEX_SUFFIX);
  if (!isLog && !isTxnIndex && !name.endsWith(".index") && !name.endsWith(".timeindex")) {
    throw new UsageError(`dump reads .log, .index, .timeindex and .txnindex files, not ${path}`);
  }
  // A missing file or folder is the runtime's error, which names the path; nothing is created.
  const bytes = await files.read(path);
  out.line(`Dumping ${path}`);
  const problem = isLog
    ? dumpLog(bytes, name, values["print-data-log"] ?? false, out)
    : isTxnIndex
    ? dumpTxnIndex(bytes, name, out)
    : dumpIndex(bytes, name, await files.size(path.replace(/\.(index|timeindex)$/, ".log")), out);
  out.flush();
  if (problem !== null) throw new InvalidSegmentFileError(path, problem);
}
