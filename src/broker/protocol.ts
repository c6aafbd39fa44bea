// The requests the broker answers and their responses: Kafka's Produce,
// Fetch, ListOffsets, InitProducerId, OffsetCommit and OffsetFetch, as plain
// objects. Errors are per partition, as in Kafka: a request as a whole
// succeeds, and each partition's answer carries its own typed error or null.

import type { LoglabError } from "../format/index.ts";
import type { AbortedTransaction } from "./partition-transactions.ts";

/** 0: no response awaited; 1: the leader appended it; -1 (all): every in-sync replica has it. */
export type Acks = 0 | 1 | -1;

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export interface ProduceRequest {
  readonly acks: Acks;
  /** One buffer of whole batches per partition (idempotent producers send one batch). */
  readonly partitions: readonly (TopicPartition & { readonly records: Uint8Array })[];
}

export interface PartitionProduceResponse extends TopicPartition {
  readonly error: LoglabError | null;
  /** Offset of the first record appended (or, for a retried duplicate, first appended before). */
  readonly baseOffset: number;
  /** The broker's timestamp under LogAppendTime, else -1. */
  readonly logAppendTime: number;
  readonly logStartOffset: number;
}

export interface ProduceResponse {
  readonly partitions: readonly PartitionProduceResponse[];
}

export type IsolationLevel = "read_uncommitted" | "read_committed";

export interface FetchRequest {
  readonly isolationLevel?: IsolationLevel;
  readonly partitions: readonly (TopicPartition & { readonly fetchOffset: number; readonly maxBytes?: number })[];
}

export interface PartitionFetchResponse extends TopicPartition {
  readonly error: LoglabError | null;
  readonly highWatermark: number;
  /** Up to where a read_committed consumer may read. */
  readonly lastStableOffset: number;
  readonly logStartOffset: number;
  /** Whole batches; the first may begin before fetchOffset. */
  readonly records: Uint8Array;
  /** For read_committed: transactions in the fetched range that ended in ABORT. */
  readonly abortedTransactions: readonly AbortedTransaction[];
}

export interface FetchResponse {
  readonly partitions: readonly PartitionFetchResponse[];
}

/** A timestamp in ms, or Kafka's special values. */
export type OffsetSpec = number | "earliest" | "latest";

export interface ListOffsetsRequest {
  /** Under read_committed, "latest" is the last stable offset. */
  readonly isolationLevel?: IsolationLevel;
  readonly partitions: readonly (TopicPartition & { readonly timestamp: OffsetSpec })[];
}

export interface PartitionListOffsetsResponse extends TopicPartition {
  readonly error: LoglabError | null;
  /** -1 when no record has a timestamp at or after the one asked for. */
  readonly offset: number;
  readonly timestamp: number;
}

export interface InitProducerIdResponse {
  readonly producerId: number;
  readonly producerEpoch: number;
}

export interface OffsetCommitRequest {
  readonly groupId: string;
  /** The member's generation; -1 (the default) for a consumer outside any group. */
  readonly generationId?: number;
  readonly memberId?: string;
  readonly offsets: readonly (TopicPartition & { readonly offset: number; readonly metadata?: string })[];
}

export interface OffsetFetchResponse {
  readonly partitions: readonly (TopicPartition & {
    readonly error: LoglabError | null;
    /** The committed offset (the next to read), or -1 when the group has none. */
    readonly offset: number;
    readonly metadata: string;
  })[];
}

export interface TopicMetadata {
  readonly topic: string;
  readonly error: LoglabError | null;
  readonly partitions: number;
}

/** Who a transactional request comes from. */
export interface TransactionRequest {
  readonly transactionalId: string;
  readonly producerId: number;
  readonly producerEpoch: number;
}
