// What a replay of a log into memory (committed offsets, transaction state,
// producer state) does with a damaged batch: it skips to the next segment so
// the broker still opens, and says which offsets of which file it skipped.

import type { CorruptRecordError } from "../format/index.ts";
import type { PartitionLog } from "../log/index.ts";

/** An `onCorrupt` for PartitionLog.batches() and records() that tells `warn` what `replay` skipped. */
export function skipDamage(
  log: PartitionLog,
  replay: string,
  warn: (text: string) => void,
): (error: CorruptRecordError, skipped: { readonly fromOffset: number; readonly toOffset: number }) => void {
  return (error, { fromOffset, toOffset }) =>
    warn(`${replay} skipped offsets ${fromOffset} to ${toOffset - 1} of ${log.topicPartition}: ${error.message}`);
}
