// Transactions as Kafka's transaction coordinator runs them (KIP-98). A
// transactional.id maps to a producer id and epoch; InitProducerId bumps the
// epoch, fencing the previous incarnation and aborting what it left open;
// AddPartitionsToTxn and AddOffsetsToTxn record what a transaction touches
// (partitions, consumer groups); TxnOffsetCommit holds a group's offsets in
// the transaction; EndTxn writes COMMIT or ABORT markers to every partition
// and, on commit only, commits the offsets held. State lives in a compacted
// __transaction_state topic, so a restarted broker completes what it finds
// unfinished.

import type { LogManager, PartitionLog } from "../log/index.ts";
import { OperationQueue } from "../runtime/index.ts";
import { ConcurrentTransactionsError, InvalidProducerEpochError, InvalidProducerIdMappingError, InvalidTxnStateError } from "./errors.ts";
import type { TopicPartition } from "./protocol.ts";
import { skipDamage } from "./replay-damage.ts";

export const TRANSACTION_STATE_TOPIC = "__transaction_state";

export type TransactionState = "Empty" | "Ongoing" | "PrepareCommit" | "PrepareAbort" | "CompleteCommit" | "CompleteAbort";

export interface TransactionOffsets {
  readonly groupId: string;
  readonly offsets: readonly (TopicPartition & { readonly offset: number; readonly metadata?: string })[];
}

interface TransactionMetadata {
  readonly transactionalId: string;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly state: TransactionState;
  readonly partitions: readonly TopicPartition[];
  /** The consumer groups AddOffsetsToTxn added (absent in state written before groups were recorded). */
  readonly groups?: readonly string[];
  readonly offsets: readonly TransactionOffsets[];
}

/** What the coordinator asks of the rest of the broker. */
export interface TransactionEffects {
  nextProducerId(): Promise<number>;
  writeMarker(partition: TopicPartition, producerId: number, producerEpoch: number, commit: boolean): Promise<unknown>;
  commitOffsets(offsets: TransactionOffsets): Promise<void>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const sameTp = (a: TopicPartition, b: TopicPartition) => a.topic === b.topic && a.partition === b.partition;

export class TransactionCoordinator {
  readonly #transactions = new Map<string, TransactionMetadata>();
  /** One request per transactional id at a time. */
  readonly #queues = new Map<string, OperationQueue>();

  private constructor(private readonly log: PartitionLog, private readonly effects: TransactionEffects) {}

  /**
   * Opens (creating if needed) the state topic, replays it, and completes
   * transactions left unfinished. A damaged segment is skipped, telling
   * `warn` which offsets were lost.
   */
  static async open(logs: LogManager, effects: TransactionEffects, warn: (text: string) => void = () => {}): Promise<TransactionCoordinator> {
    if (!logs.hasTopic(TRANSACTION_STATE_TOPIC)) await logs.createTopic(TRANSACTION_STATE_TOPIC, 1, { "cleanup.policy": "compact" });
    const coordinator = new TransactionCoordinator(logs.log(TRANSACTION_STATE_TOPIC, 0), effects);
    for await (const record of coordinator.log.records(undefined, skipDamage(coordinator.log, "replaying transaction state", warn))) {
      if (record.value === null) continue;
      const metadata = JSON.parse(decoder.decode(record.value)) as TransactionMetadata;
      coordinator.#transactions.set(metadata.transactionalId, metadata);
    }
    for (const metadata of [...coordinator.#transactions.values()]) {
      if (metadata.state === "Ongoing" || metadata.state === "PrepareAbort") await coordinator.#complete(metadata, false);
      else if (metadata.state === "PrepareCommit") await coordinator.#complete(metadata, true);
    }
    return coordinator;
  }

  #queue(transactionalId: string): OperationQueue {
    let queue = this.#queues.get(transactionalId);
    if (queue === undefined) this.#queues.set(transactionalId, (queue = new OperationQueue()));
    return queue;
  }

  async #persist(metadata: TransactionMetadata): Promise<void> {
    await this.log.appendRecords([{ key: encoder.encode(metadata.transactionalId), value: encoder.encode(JSON.stringify(metadata)) }]);
    await this.log.flush();
    this.#transactions.set(metadata.transactionalId, metadata);
  }

  /** Writes the markers (and, on commit, the offsets), then records the transaction complete. */
  async #complete(metadata: TransactionMetadata, commit: boolean): Promise<TransactionMetadata> {
    const preparing = { ...metadata, state: commit ? "PrepareCommit" : "PrepareAbort" } as const;
    await this.#persist(preparing);
    for (const partition of metadata.partitions) {
      await this.effects.writeMarker(partition, metadata.producerId, metadata.producerEpoch, commit);
    }
    if (commit) for (const offsets of metadata.offsets) await this.effects.commitOffsets(offsets);
    const completed: TransactionMetadata = { ...metadata, state: commit ? "CompleteCommit" : "CompleteAbort", partitions: [], groups: [], offsets: [] };
    await this.#persist(completed);
    return completed;
  }

  #check(transactionalId: string, producerId: number, producerEpoch: number): TransactionMetadata {
    const metadata = this.#transactions.get(transactionalId);
    if (metadata === undefined || metadata.producerId !== producerId) throw new InvalidProducerIdMappingError(transactionalId, producerId);
    if (producerEpoch !== metadata.producerEpoch) throw new InvalidProducerEpochError(producerId, producerEpoch, metadata.producerEpoch);
    return metadata;
  }

  /**
   * InitProducerId for a transactional.id: the next epoch of its producer id
   * (a new id the first time). What the previous epoch left open is aborted,
   * with markers written under the new epoch so that it is fenced everywhere.
   */
  initProducerId(transactionalId: string): Promise<{ producerId: number; producerEpoch: number }> {
    return this.#queue(transactionalId).run(async () => {
      const existing = this.#transactions.get(transactionalId);
      const producerId = existing?.producerId ?? (await this.effects.nextProducerId());
      const producerEpoch = existing === undefined ? 0 : existing.producerEpoch + 1;
      let metadata: TransactionMetadata = {
        transactionalId, producerId, producerEpoch, state: existing?.state ?? "Empty",
        partitions: existing?.partitions ?? [], groups: existing?.groups ?? [], offsets: existing?.offsets ?? [],
      };
      if (metadata.state === "Ongoing" || metadata.state === "PrepareAbort") metadata = await this.#complete(metadata, false);
      else if (metadata.state === "PrepareCommit") metadata = await this.#complete(metadata, true);
      await this.#persist({ ...metadata, state: "Empty", partitions: [], groups: [], offsets: [] });
      return { producerId, producerEpoch };
    });
  }

  /** AddPartitionsToTxn: the transaction will write to these partitions (markers go there at the end). */
  addPartitions(transactionalId: string, producerId: number, producerEpoch: number, partitions: readonly TopicPartition[]): Promise<void> {
    return this.#queue(transactionalId).run(async () => {
      const metadata = this.#ongoing(transactionalId, producerId, producerEpoch);
      const added = partitions.filter((p) => !metadata.partitions.some((c) => sameTp(c, p)));
      if (added.length === 0 && metadata.state === "Ongoing") return;
      await this.#persist({ ...metadata, state: "Ongoing", partitions: [...metadata.partitions, ...added.map(({ topic, partition }) => ({ topic, partition }))] });
    });
  }

  /**
   * The transaction as it stands for a request that adds to it: what an
   * Ongoing one holds, or nothing yet. A transaction still completing is
   * CONCURRENT_TRANSACTIONS, as in Kafka (the client retries).
   */
  #ongoing(transactionalId: string, producerId: number, producerEpoch: number): TransactionMetadata & { readonly groups: readonly string[] } {
    const metadata = this.#check(transactionalId, producerId, producerEpoch);
    if (metadata.state === "PrepareCommit" || metadata.state === "PrepareAbort") throw new ConcurrentTransactionsError(transactionalId, metadata.state);
    if (metadata.state === "Ongoing") return { ...metadata, groups: metadata.groups ?? [] };
    return { ...metadata, partitions: [], groups: [], offsets: [] };
  }

  /** AddOffsetsToTxn: the transaction will commit offsets of `groupId` (with TxnOffsetCommit). */
  addOffsetsGroup(transactionalId: string, producerId: number, producerEpoch: number, groupId: string): Promise<void> {
    return this.#queue(transactionalId).run(() => this.#addGroup(transactionalId, producerId, producerEpoch, groupId));
  }

  async #addGroup(transactionalId: string, producerId: number, producerEpoch: number, groupId: string): Promise<void> {
    const metadata = this.#ongoing(transactionalId, producerId, producerEpoch);
    if (metadata.state === "Ongoing" && metadata.groups.includes(groupId)) return;
    await this.#persist({ ...metadata, state: "Ongoing", groups: [...metadata.groups, groupId] });
  }

  /**
   * TxnOffsetCommit: offsets of a group AddOffsetsToTxn added, held in the
   * transaction until EndTxn commits them (or an abort drops them).
   */
  commitOffsets(transactionalId: string, producerId: number, producerEpoch: number, offsets: TransactionOffsets): Promise<void> {
    return this.#queue(transactionalId).run(() => this.#holdOffsets(transactionalId, producerId, producerEpoch, offsets));
  }

  async #holdOffsets(transactionalId: string, producerId: number, producerEpoch: number, offsets: TransactionOffsets): Promise<void> {
    const metadata = this.#ongoing(transactionalId, producerId, producerEpoch);
    if (metadata.state !== "Ongoing" || !metadata.groups.includes(offsets.groupId)) {
      throw new InvalidTxnStateError(transactionalId, metadata.state, `commit offsets of group ${offsets.groupId} before AddOffsetsToTxn added it`);
    }
    await this.#persist({ ...metadata, offsets: [...metadata.offsets, offsets] });
  }

  /**
   * AddOffsetsToTxn and TxnOffsetCommit in one step, as the in-process client
   * sends them: consumer offsets committed if, and only if, the transaction commits.
   */
  addOffsets(transactionalId: string, producerId: number, producerEpoch: number, offsets: TransactionOffsets): Promise<void> {
    return this.#queue(transactionalId).run(async () => {
      await this.#addGroup(transactionalId, producerId, producerEpoch, offsets.groupId);
      await this.#holdOffsets(transactionalId, producerId, producerEpoch, offsets);
    });
  }

  /** EndTxn: commit or abort everything the transaction wrote. */
  endTransaction(transactionalId: string, producerId: number, producerEpoch: number, commit: boolean): Promise<void> {
    return this.#queue(transactionalId).run(async () => {
      const metadata = this.#check(transactionalId, producerId, producerEpoch);
      if (metadata.state !== "Ongoing") {
        // A retry of an EndTxn already carried out (its answer lost) is answered as the first was, as in Kafka.
        // A commit of a transaction the coordinator aborted (on a restart) is refused, never answered as done;
        // aborting one that wrote nothing here (it never reached the coordinator) is a no-op.
        if (commit && metadata.state === "CompleteAbort") throw new InvalidTxnStateError(transactionalId, metadata.state, "commit what the coordinator aborted");
        if (metadata.state === "Empty" || metadata.state.startsWith("Complete")) return;
        throw new ConcurrentTransactionsError(transactionalId, metadata.state);
      }
      await this.#complete(metadata, commit);
    });
  }

  /** Whether a transaction not yet complete holds offsets of `groupId` for this partition (OffsetFetch's require_stable). */
  hasPendingOffsets(groupId: string, target: TopicPartition): boolean {
    for (const metadata of this.#transactions.values()) {
      if (metadata.state !== "Ongoing" && metadata.state !== "PrepareCommit" && metadata.state !== "PrepareAbort") continue;
      if (metadata.offsets.some((o) => o.groupId === groupId && o.offsets.some((p) => sameTp(p, target)))) return true;
    }
    return false;
  }

  stateOf(transactionalId: string): TransactionState | undefined {
    return this.#transactions.get(transactionalId)?.state;
  }
}
