// Bringing segments' .txnindex files back in line with their log when it
// opens: load each one that its segment vouches for, and rebuild the others
// (recovered segments, torn or wrong files) by replaying the log's batches,
// which is needed only when one of them holds a marker.

import type { BatchHeader } from "../format/index.ts";
import { CorruptIndexError } from "./errors.ts";
import type { LogSegment, LogWarning } from "./segment.ts";
import type { AbortedTxn } from "./transaction-index.ts";
import { TransactionTracker } from "./transaction-tracker.ts";

/**
 * Loads a segment's .txnindex (a missing one holds nothing, as in Kafka).
 * False, with a warning, when the file is torn or wrong: never read as a
 * shorter index, it must be rebuilt.
 */
export async function loadTransactionIndex(segment: LogSegment, onWarning: (warning: LogWarning) => void): Promise<boolean> {
  try {
    await segment.transactionIndex.load(segment.nextOffset);
    return true;
  } catch (error) {
    if (!(error instanceof CorruptIndexError)) throw error;
    onWarning({ fileName: error.fileName, position: error.position, message: `${error.message}; rebuilding it from ${segment.fileName} and the segments before it` });
    return false;
  }
}

/** Whether `batches` hold a transaction marker (a control batch with a producer id) before `limitOffset`; stops at the first. */
export async function holdsMarker(batches: AsyncIterable<{ readonly header: BatchHeader }>, limitOffset: number): Promise<boolean> {
  for await (const { header } of batches) {
    if (header.baseOffset >= limitOffset) return false;
    if (header.isControl && header.producerId >= 0) return true;
  }
  return false;
}

/**
 * Replays `batches` (the whole log, oldest first) into a TransactionTracker
 * and gives each segment in `rebuild` the entries of the ABORT markers it
 * holds, written to its file unless `readOnly`. A transaction begun before
 * the log start offset (its first batches deleted) is not seen: its marker
 * makes no entry, where Kafka's producer-state snapshot would remember it.
 */
export async function replayTransactions(
  batches: AsyncIterable<{ readonly header: BatchHeader; readonly bytes: Uint8Array }>,
  segmentFor: (offset: number) => LogSegment,
  rebuild: ReadonlySet<LogSegment>,
  readOnly: boolean,
): Promise<TransactionTracker> {
  const tracker = new TransactionTracker();
  const found = new Map<LogSegment, AbortedTxn[]>([...rebuild].map((segment) => [segment, []]));
  for await (const { header, bytes } of batches) {
    const entry = tracker.batch(header, bytes);
    if (entry !== null) found.get(segmentFor(entry.lastOffset))?.push(entry);
  }
  for (const [segment, entries] of found) {
    segment.transactionIndex.replace(entries);
    if (!readOnly) await segment.transactionIndex.persist();
  }
  return tracker;
}
