// Typed errors of the broker, with Kafka's error names.

import { LoglabError } from "../format/index.ts";

/** A sequence gap or a replay older than the broker remembers: OUT_OF_ORDER_SEQUENCE_NUMBER. */
export class OutOfOrderSequenceError extends LoglabError {
  constructor(
    readonly producerId: number,
    readonly topicPartition: string,
    readonly expectedSequence: number,
    readonly receivedSequence: number,
  ) {
    super(
      "OUT_OF_ORDER_SEQUENCE_NUMBER",
      `producer ${producerId} sent sequence ${receivedSequence} to ${topicPartition}, expected ${expectedSequence}`,
    );
  }
}

/** A producer whose epoch is older than the partition's: it has been fenced (INVALID_PRODUCER_EPOCH). */
export class InvalidProducerEpochError extends LoglabError {
  constructor(readonly producerId: number, readonly epoch: number, readonly currentEpoch: number) {
    super(
      "INVALID_PRODUCER_EPOCH",
      `producer ${producerId} with epoch ${epoch} is fenced: the current epoch is ${currentEpoch}`,
    );
  }
}

/** An acks value Kafka does not know: INVALID_REQUIRED_ACKS. */
export class InvalidRequiredAcksError extends LoglabError {
  constructor(readonly acks: number) {
    super("INVALID_REQUIRED_ACKS", `acks must be 0, 1 or -1 (all), got ${acks}`);
  }
}
