// Kafka's transactional requests from a producer (KIP-98) answered with loglab's Broker: AddPartitionsToTxn (v0–3,
// the client's form), AddOffsetsToTxn, TxnOffsetCommit and EndTxn. Each takes the decoded body of its version and
// returns the response body of the same version.

import type { Broker } from "../broker/index.ts";
import { LoglabError } from "../format/index.ts";
import { KAFKA_ERROR_CODES, kafkaErrorCode } from "./error-codes.ts";
import type {
  AddOffsetsToTxnRequest, AddOffsetsToTxnResponse, AddPartitionsToTxnRequest, AddPartitionsToTxnResponse, EndTxnRequest, EndTxnResponse,
  TxnOffsetCommitRequest, TxnOffsetCommitResponse,
} from "./generated/index.ts";
import { toSafeInteger as toSafe } from "./handler-support.ts";

/**
 * The code of a typed error. Kafka's transaction coordinator says PRODUCER_FENCED to a stale epoch where the
 * request's version knows that code (`fencedKnown`: v2+ of AddPartitionsToTxn, AddOffsetsToTxn and EndTxn), and
 * INVALID_PRODUCER_EPOCH before.
 */
function codeOf(error: unknown, fencedKnown: boolean): number {
  if (!(error instanceof LoglabError)) throw error;
  const code = kafkaErrorCode(error);
  return code === KAFKA_ERROR_CODES.INVALID_PRODUCER_EPOCH && fencedKnown ? KAFKA_ERROR_CODES.PRODUCER_FENCED! : code;
}

/** Whether the broker has this partition (without creating its topic). */
function known(broker: Broker, topic: string, partition: number): boolean {
  return broker.logs.hasTopic(topic) && partition >= 0 && partition < broker.logs.describeTopic(topic).partitions;
}

/**
 * AddPartitionsToTxn v0–3: the partitions join the transaction, or none does. An unknown partition gets
 * UNKNOWN_TOPIC_OR_PARTITION and the others OPERATION_NOT_ATTEMPTED, as in Kafka.
 */
export async function addPartitionsToTxn(broker: Broker, v: number, request: AddPartitionsToTxnRequest): Promise<AddPartitionsToTxnResponse> {
  const topics = request.v3AndBelowTopics ?? [];
  const partitions = topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.name, partition })));
  const unknown = partitions.filter((p) => !known(broker, p.topic, p.partition));
  const codes = new Map<string, number>();
  const key = (topic: string, partition: number): string => `${topic}\0${partition}`;
  if (unknown.length > 0) {
    for (const p of partitions) codes.set(key(p.topic, p.partition), KAFKA_ERROR_CODES.OPERATION_NOT_ATTEMPTED!);
    for (const p of unknown) codes.set(key(p.topic, p.partition), KAFKA_ERROR_CODES.UNKNOWN_TOPIC_OR_PARTITION!);
  } else {
    let code = 0;
    try {
      await broker.addPartitionsToTxn({
        transactionalId: request.v3AndBelowTransactionalId ?? "", producerId: toSafe(request.v3AndBelowProducerId ?? -1n),
        producerEpoch: request.v3AndBelowProducerEpoch ?? -1, partitions,
      });
    } catch (error) {
      code = codeOf(error, v >= 2);
    }
    for (const p of partitions) codes.set(key(p.topic, p.partition), code);
  }
  return {
    throttleTimeMs: 0,
    resultsByTopicV3AndBelow: topics.map((t) => ({
      name: t.name,
      resultsByPartition: t.partitions.map((partitionIndex) => ({ partitionIndex, partitionErrorCode: codes.get(key(t.name, partitionIndex)) ?? 0 })),
    })),
  };
}

/** AddOffsetsToTxn: the group whose offsets TxnOffsetCommit will send joins the transaction. */
export async function addOffsetsToTxn(broker: Broker, v: number, request: AddOffsetsToTxnRequest): Promise<AddOffsetsToTxnResponse> {
  try {
    await broker.addOffsetsGroupToTxn({
      transactionalId: request.transactionalId, producerId: toSafe(request.producerId), producerEpoch: request.producerEpoch, groupId: request.groupId,
    });
    return { throttleTimeMs: 0, errorCode: 0 };
  } catch (error) {
    return { throttleTimeMs: 0, errorCode: codeOf(error, v >= 2) };
  }
}

/** TxnOffsetCommit: the offsets are held by the transaction and committed only if it commits. One code for all. */
export async function txnOffsetCommit(broker: Broker, request: TxnOffsetCommitRequest): Promise<TxnOffsetCommitResponse> {
  let code = 0;
  try {
    await broker.txnOffsetCommit({
      transactionalId: request.transactionalId, producerId: toSafe(request.producerId), producerEpoch: request.producerEpoch,
      ...(request.generationId === undefined ? {} : { generationId: request.generationId }),
      ...(request.memberId === undefined ? {} : { memberId: request.memberId }),
      offsets: {
        groupId: request.groupId,
        offsets: request.topics.flatMap((t) => t.partitions.map((p) => ({
          topic: t.name, partition: p.partitionIndex, offset: toSafe(p.committedOffset), metadata: p.committedMetadata ?? "",
        }))),
      },
    });
  } catch (error) {
    // The group coordinator's answer to a stale epoch is INVALID_PRODUCER_EPOCH in every version.
    code = codeOf(error, false);
  }
  return {
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: code })) })),
  };
}

/** EndTxn: markers on every partition of the transaction; on commit, its offsets become the group's. */
export async function endTxn(broker: Broker, v: number, request: EndTxnRequest): Promise<EndTxnResponse> {
  try {
    await broker.endTxn({
      transactionalId: request.transactionalId, producerId: toSafe(request.producerId), producerEpoch: request.producerEpoch, commit: request.committed,
    });
    return { throttleTimeMs: 0, errorCode: 0 };
  } catch (error) {
    return { throttleTimeMs: 0, errorCode: codeOf(error, v >= 2) };
  }
}
