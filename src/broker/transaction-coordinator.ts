// Transactions as Kafka's transaction coordinator runs them (KIP-98). A
// transactional.id maps to a producer id and epoch; InitProducerId bumps the
// epoch, fencing the previous incarnation and aborting what it left open;
// AddPartitionsToTxn and AddOffsetsToTxn record what a transaction touches;
// EndTxn writes COMMIT or ABORT markers to every partition and, on commit,
// the consumer offsets sent with it. State lives in a compacted
// __transaction_state topic, so a restarted broker completes what it finds
// unfinished.

import type { LogManager, PartitionLog } from "../log/index.ts";
import { OperationQueue } from "../runtime/index.ts";
import { InvalidProducerEpochError, InvalidProducerIdMappingError, InvalidTxnStateError } from "./errors.ts";
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
    const completed: TransactionMetadata = { ...metadata, state: commit ? "CompleteCommit" : "CompleteAbort", partitions: [], offsets: [] };
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
        partitions: existing?.partitions ?? [], offsets: existing?.offsets ?? [],
      };
      if (metadata.state === "Ongoing" || metadata.state === "PrepareAbort") metadata = await this.#complete(metadata, false);
      else if (metadata.state === "PrepareCommit") metadata = await this.#complete(metadata, true);
      await this.#persist({ ...metadata, state: "Empty", partitions: [], offsets: [] });
      return { producerId, producerEpoch };
    });
  }

  /** AddPartitionsToTxn: the transaction will write to these partitions (markers go there at the end). */
  addPartitions(transactionalId: string, producerId: number, producerEpoch: number, partitions: readonly TopicPartition[]): Promise<void> {
    return this.#queue(transactionalId).run(async () => {
      const metadata = this.#check(transactionalId, producerId, producerEpoch);
      if (metadata.state === "PrepareCommit" || metadata.state === "PrepareAbort") {
        throw new InvalidTxnStateError(transactionalId, metadata.state, "add partitions");
      }
      const current = metadata.state === "Ongoing" ? metadata.partitions : [];
      const added = partitions.filter((p) => !current.some((c) => sameTp(c, p)));
      if (added.length === 0 && metadata.state === "Ongoing") return;
      await this.#persist({
        ...metadata, state: "Ongoing", partitions: [...current, ...added.map(({ topic, partition }) => ({ topic, partition }))],
        offsets: metadata.state === "Ongoing" ? metadata.offsets : [],
      });
    });
  }

  /** AddOffsetsToTxn + TxnOffsetCommit: consumer offsets committed if, and only if, the transaction commits. */
  addOffsets(transactionalId: string, producerId: number, producerEpoch: number, offsets: TransactionOffsets): Promise<void> {
    return this.#queue(transactionalId).run(async () => {
      const metadata = this.#check(transactionalId, producerId, producerEpoch);
      if (metadata.state === "PrepareCommit" || metadata.state === "PrepareAbort") {
        throw new InvalidTxnStateError(transactionalId, metadata.state, "add offsets");
      }
      const ongoing = metadata.state === "Ongoing";
      await this.#persist({
        ...metadata, state: "Ongoing", partitions: ongoing ? metadata.partitions : [],
        offsets: [...(ongoing ? metadata.offsets : []), offsets],
      });
    });
  }

  /** EndTxn: commit or abort everything the transaction wrote. */
  endTransaction(transactionalId: string, producerId: number, producerEpoch: number, commit: boolean): Promise<void> {
    return this.#queue(transactionalId).run(async () => {
      const metadata = this.#check(transactionalId, producerId, producerEpoch);
      if (metadata.state !== "Ongoing") {
        // Ending a transaction that wrote nothing is a no-op, as in Kafka.
        if (metadata.state === "Empty" || metadata.state.startsWith("Complete")) return;
        throw new InvalidTxnStateError(transactionalId, metadata.state, commit ? "commit" : "abort");
      }
      await this.#complete(metadata, commit);
    });
  }

  stateOf(transactionalId: string): TransactionState | undefined {
    return this.#transactions.get(transactionalId)?.state;
  }
}
