// How a client reaches a broker. Clients speak only this interface, so the
// same producer and consumer run in one process, across pages, or over the
// simulator's lossy network, where a request or its answer can be lost.

import type {
  Broker, FetchRequest, FetchResponse, InitProducerIdResponse, JoinGroupRequest, JoinGroupResponse, ListOffsetsRequest, MemberRequest,
  OffsetCommitRequest, OffsetFetchResponse, PartitionListOffsetsResponse, ProduceRequest, ProduceResponse, SyncGroupRequest,
  SyncGroupResponse, TopicMetadata, TopicPartition, TransactionOffsets, TransactionRequest,
} from "../broker/index.ts";
import type { LoglabError } from "../format/index.ts";

export interface BrokerTransport {
  metadata(topics: readonly string[]): Promise<{ topics: TopicMetadata[] }>;
  initProducerId(transactionalId?: string): Promise<InitProducerIdResponse>;
  addPartitionsToTxn(request: TransactionRequest & { readonly partitions: readonly TopicPartition[] }): Promise<void>;
  addOffsetsToTxn(request: TransactionRequest & { readonly offsets: TransactionOffsets }): Promise<void>;
  endTxn(request: TransactionRequest & { readonly commit: boolean }): Promise<void>;
  produce(request: ProduceRequest): Promise<ProduceResponse>;
  fetch(request: FetchRequest): Promise<FetchResponse>;
  listOffsets(request: ListOffsetsRequest): Promise<{ partitions: PartitionListOffsetsResponse[] }>;
  joinGroup(request: JoinGroupRequest): Promise<JoinGroupResponse>;
  syncGroup(request: SyncGroupRequest): Promise<SyncGroupResponse>;
  heartbeat(request: MemberRequest): Promise<LoglabError | null>;
  leaveGroup(groupId: string, memberId: string): Promise<LoglabError | null>;
  offsetCommit(request: OffsetCommitRequest): Promise<{ partitions: (TopicPartition & { error: LoglabError | null })[] }>;
  /**
   * The group's committed offsets, as a consumer asks for them (require_stable): a partition whose offsets an open
   * transaction holds answers UnstableOffsetCommitError (retriable) until the transaction ends.
   */
  offsetFetch(groupId: string, partitions?: readonly TopicPartition[]): Promise<OffsetFetchResponse>;
}

/** A broker in the same process (or page): requests are method calls. */
/** Every request a BrokerTransport carries: for wrappers that treat them alike (timeouts, crashes, simulated links). */
export const BROKER_REQUESTS = [
  "metadata", "initProducerId", "addPartitionsToTxn", "addOffsetsToTxn", "endTxn", "produce", "fetch", "listOffsets",
  "joinGroup", "syncGroup", "heartbeat", "leaveGroup", "offsetCommit", "offsetFetch",
] as const satisfies readonly (keyof BrokerTransport)[];
// A request added to BrokerTransport but not to the list fails to compile here.
const everyRequestListed: [Exclude<keyof BrokerTransport, (typeof BROKER_REQUESTS)[number]>] extends [never] ? true : never = true;
void everyRequestListed;

export class InProcessTransport implements BrokerTransport {
  constructor(private readonly broker: Broker) {}

  metadata(topics: readonly string[]): ReturnType<BrokerTransport["metadata"]> {
    return this.broker.metadata(topics);
  }

  initProducerId(transactionalId?: string): ReturnType<BrokerTransport["initProducerId"]> {
    return this.broker.initProducerId(transactionalId);
  }

  addPartitionsToTxn(request: TransactionRequest & { readonly partitions: readonly TopicPartition[] }): ReturnType<BrokerTransport["addPartitionsToTxn"]> {
    return this.broker.addPartitionsToTxn(request);
  }

  addOffsetsToTxn(request: TransactionRequest & { readonly offsets: TransactionOffsets }): ReturnType<BrokerTransport["addOffsetsToTxn"]> {
    return this.broker.addOffsetsToTxn(request);
  }

  endTxn(request: TransactionRequest & { readonly commit: boolean }): ReturnType<BrokerTransport["endTxn"]> {
    return this.broker.endTxn(request);
  }

  produce(request: ProduceRequest): ReturnType<BrokerTransport["produce"]> {
    return this.broker.produce(request);
  }

  fetch(request: FetchRequest): ReturnType<BrokerTransport["fetch"]> {
    return this.broker.fetch(request);
  }

  listOffsets(request: ListOffsetsRequest): ReturnType<BrokerTransport["listOffsets"]> {
    return this.broker.listOffsets(request);
  }

  joinGroup(request: JoinGroupRequest): ReturnType<BrokerTransport["joinGroup"]> {
    return this.broker.joinGroup(request);
  }

  syncGroup(request: SyncGroupRequest): ReturnType<BrokerTransport["syncGroup"]> {
    return this.broker.syncGroup(request);
  }

  async heartbeat(request: MemberRequest): ReturnType<BrokerTransport["heartbeat"]> {
    return this.broker.heartbeat(request);
  }

  async leaveGroup(groupId: string, memberId: string): ReturnType<BrokerTransport["leaveGroup"]> {
    return this.broker.leaveGroup(groupId, memberId);
  }

  offsetCommit(request: OffsetCommitRequest): ReturnType<BrokerTransport["offsetCommit"]> {
    return this.broker.offsetCommit(request);
  }

  offsetFetch(groupId: string, partitions?: readonly TopicPartition[]): ReturnType<BrokerTransport["offsetFetch"]> {
    // As Kafka's consumer asks (KIP-447's require_stable, as KafkaTransport does): offsets a transaction holds are
    // UNSTABLE_OFFSET_COMMIT until it ends, not the older ones, which a consumer would process again.
    return this.broker.offsetFetch(groupId, partitions, true);
  }
}
