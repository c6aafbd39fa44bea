// Typed errors of the command line: what a command refuses about its input,
// with Kafka's error names, each naming the line, file, flag or limit.

import { LoglabError, RecordTooLargeError } from "../format/index.ts";
import type { LogGap } from "../log/index.ts";

/** A line of `produce` input whose record alone is over the topic's max.message.bytes. */
export class OversizedLineError extends RecordTooLargeError {
  /** `sizeIsLowerBound`: the line was too long to keep whole, so its batch is at least `sizeBytes`. */
  constructor(
    readonly lineNumber: number, sizeBytes: number, sizeIsLowerBound: boolean, limitBytes: number, readonly topic: string, readonly storedRecords: number,
  ) {
    super(sizeBytes, limitBytes, "max.message.bytes");
    this.message = `line ${lineNumber} makes a record batch of ${sizeIsLowerBound ? "at least " : ""}${sizeBytes} bytes, over max.message.bytes=${limitBytes} of topic ${topic}; ` +
      `stored the ${storedRecords} records before it and stopped (--skip-oversized skips such lines)`;
  }
}

/** `--partitions N` for a topic that exists with another count: Kafka's INVALID_PARTITIONS. */
export class PartitionCountMismatchError extends LoglabError {
  constructor(readonly topic: string, readonly partitions: number, readonly requested: number) {
    super("INVALID_PARTITIONS", `topic ${topic} has ${partitions} partition${partitions === 1 ? "" : "s"}, not the ${requested} given by --partitions`);
  }
}

/** A file `dump` was given that is not (wholly) what its name says: Kafka's CORRUPT_MESSAGE. */
export class InvalidSegmentFileError extends LoglabError {
  constructor(readonly path: string, problem: string) {
    super("CORRUPT_MESSAGE", `${path}: ${problem}`);
  }
}

/**
 * Offsets `consume` read past because a damaged segment lost them (the gaps
 * opening reported): Kafka's CORRUPT_MESSAGE, after every record it could read.
 */
export class MissingOffsetsError extends LoglabError {
  constructor(readonly missing: readonly { readonly topicPartition: string; readonly gap: LogGap }[]) {
    const ranges = missing.map(({ topicPartition, gap }) =>
      `offsets ${gap.fromOffset} to ${gap.toOffset - 1} of ${topicPartition} (${gap.fileName} is damaged from byte ${gap.position}: ${gap.reason})`
    );
    super("CORRUPT_MESSAGE", `read past missing ${ranges.join(", ")}`);
  }
}
