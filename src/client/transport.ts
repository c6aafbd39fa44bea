// How a client reaches a broker. Clients speak only this interface, so the
// same producer and consumer run in one process, across pages, or over the
// simulator's lossy network, where a request or its answer can be lost.

import type { Broker } from "../broker/broker.ts";
import type {
  JoinGroupRequest, JoinGroupResponse, MemberRequest, SyncGroupRequest, SyncGroupResponse,
} from "../broker/group-coordinator.ts";
import type {
  FetchRequest, FetchResponse, InitProducerIdResponse, ListOffsetsRequest, OffsetCommitRequest, OffsetFetchResponse,
  PartitionListOffsetsResponse, ProduceRequest, ProduceResponse, TopicMetadata, TopicPartition, TransactionRequest,
} from "../broker/protocol.ts";
import type { TransactionOffsets } from "../broker/transaction-coordinator.ts";
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

  metadata(topics: readonly string[]) {
    return this.broker.metadata(topics);
  }

  initProducerId(transactionalId?: string) {
    return this.broker.initProducerId(transactionalId);
  }

  addPartitionsToTxn(request: TransactionRequest & { readonly partitions: readonly TopicPartition[] }) {
    return this.broker.addPartitionsToTxn(request);
  }

  addOffsetsToTxn(request: TransactionRequest & { readonly offsets: TransactionOffsets }) {
    return this.broker.addOffsetsToTxn(request);
  }

  endTxn(request: TransactionRequest & { readonly commit: boolean }) {
    return this.broker.endTxn(request);
  }

  produce(request: ProduceRequest) {
    return this.broker.produce(request);
  }

  fetch(request: FetchRequest) {
    return this.broker.fetch(request);
  }

  listOffsets(request: ListOffsetsRequest) {
    return this.broker.listOffsets(request);
  }

  joinGroup(request: JoinGroupRequest) {
    return this.broker.joinGroup(request);
  }

  syncGroup(request: SyncGroupRequest) {
    return this.broker.syncGroup(request);
  }

  async heartbeat(request: MemberRequest) {
    return this.broker.heartbeat(request);
  }

  async leaveGroup(groupId: string, memberId: string) {
    return this.broker.leaveGroup(groupId, memberId);
  }

  offsetCommit(request: OffsetCommitRequest) {
    return this.broker.offsetCommit(request);
  }

  offsetFetch(groupId: string, partitions?: readonly TopicPartition[]) {
    return this.broker.offsetFetch(groupId, partitions);
  }
}
