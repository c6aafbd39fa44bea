// Committed consumer-group offsets, kept as Kafka keeps them: records in a
// compacted internal topic (__consumer_offsets) keyed by group, topic and
// partition, with an in-memory view rebuilt from that topic at start-up.
// Keys and values are JSON here (Kafka uses a binary schema) so that
// `loglab consume __consumer_offsets` shows them readably.

import type { LogManager, PartitionLog } from "../log/index.ts";
import { skipDamage } from "./replay-damage.ts";

export const OFFSETS_TOPIC = "__consumer_offsets";

export interface OffsetAndMetadata {
  /** The next offset to read: last processed + 1. */
  readonly offset: number;
  readonly metadata: string;
  readonly commitTimestamp: number;
}

interface OffsetKey {
  readonly group: string;
  readonly topic: string;
  readonly partition: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const cacheKey = (topic: string, partition: number) => `${partition}:${topic}`;

export class OffsetStore {
  /** group → "partition:topic" → committed offset. */
  readonly #groups = new Map<string, Map<string, OffsetAndMetadata & { topic: string; partition: number }>>();

  private constructor(private readonly log: PartitionLog) {}

  /**
   * Opens (creating if needed) the offsets topic and replays it into memory.
   * A damaged segment is skipped, telling `warn` which offsets were lost.
   */
  static async open(logs: LogManager, warn: (text: string) => void = () => {}): Promise<OffsetStore> {
    if (!logs.hasTopic(OFFSETS_TOPIC)) await logs.createTopic(OFFSETS_TOPIC, 1, { "cleanup.policy": "compact" });
    const store = new OffsetStore(logs.log(OFFSETS_TOPIC, 0));
    for await (const record of store.log.records(undefined, skipDamage(store.log, "replaying committed offsets", warn))) {
      if (record.key === null) continue;
      const key = JSON.parse(decoder.decode(record.key)) as OffsetKey;
      store.#apply(key, record.value === null ? null : JSON.parse(decoder.decode(record.value)));
    }
    return store;
  }

  #apply(key: OffsetKey, value: OffsetAndMetadata | null): void {
    let group = this.#groups.get(key.group);
    if (value === null) {
      group?.delete(cacheKey(key.topic, key.partition));
      return;
    }
    if (group === undefined) this.#groups.set(key.group, (group = new Map()));
    group.set(cacheKey(key.topic, key.partition), { ...value, topic: key.topic, partition: key.partition });
  }

  /** Appends the commits as one batch; visible once appended. */
  async commit(group: string, offsets: readonly { topic: string; partition: number; offset: number; metadata: string }[], nowMs: number): Promise<void> {
    if (offsets.length === 0) return;
    await this.log.appendRecords(offsets.map(({ topic, partition, offset, metadata }) => ({
      key: encoder.encode(JSON.stringify({ group, topic, partition } satisfies OffsetKey)),
      value: encoder.encode(JSON.stringify({ offset, metadata, commitTimestamp: nowMs } satisfies OffsetAndMetadata)),
      timestamp: nowMs,
    })));
    for (const { topic, partition, offset, metadata } of offsets) {
      this.#apply({ group, topic, partition }, { offset, metadata, commitTimestamp: nowMs });
    }
  }

  committed(group: string, topic: string, partition: number): OffsetAndMetadata | undefined {
    return this.#groups.get(group)?.get(cacheKey(topic, partition));
  }

  /** Forgets every group's offsets for `topic` (a deleted topic), with tombstones so a replay forgets them too. */
  async forgetTopic(topic: string, nowMs: number): Promise<void> {
    const keys: OffsetKey[] = [];
    for (const [group, offsets] of this.#groups) {
      for (const entry of offsets.values()) if (entry.topic === topic) keys.push({ group, topic, partition: entry.partition });
    }
    if (keys.length === 0) return;
    await this.log.appendRecords(keys.map((key) => ({ key: encoder.encode(JSON.stringify(key)), value: null, timestamp: nowMs })));
    for (const key of keys) this.#apply(key, null);
  }

  /** The groups with committed offsets. */
  groupIds(): string[] {
    return [...this.#groups].filter(([, offsets]) => offsets.size > 0).map(([groupId]) => groupId);
  }

  /** Every committed offset of `group`. */
  committedAll(group: string): { topic: string; partition: number; committed: OffsetAndMetadata }[] {
    return [...(this.#groups.get(group)?.values() ?? [])].map(({ topic, partition, ...committed }) => ({ topic, partition, committed }));
  }
}
