// The topics of one data folder: creates, lists and opens their partition
// logs, keeps topic configs, and checkpoints recovery points as Kafka does
// (recovery-point-offset-checkpoint), so a restart validates only what was
// not flushed, and nothing at all after a clean shutdown. A writer holds the
// storage's lock while open; a read-only manager writes nothing at all.

import { type Clock, OperationQueue } from "../runtime/index.ts";
import { readTextFile, type Storage, writeTextFileAtomically } from "../storage/index.ts";
import { DEFAULT_LOG_CONFIG, type LogConfig, parseLogConfig } from "./config.ts";
import { InvalidPartitionsError, InvalidRequestError, LogClosedError, PartitionFolderTakenError, ReadOnlyLogError, TopicExistsError, UnknownTopicOrPartitionError } from "./errors.ts";
import { PartitionLog, type RecoveryReport } from "./partition-log.ts";
import { ReadAheadBudget } from "./read-ahead.ts";
import { WindowPool } from "./window-pool.ts";
import type { LogWarning } from "./segment.ts";
import { findPartitionFolders } from "./partition-folders.ts";
import { foundTopicId, newTopicId } from "./topic-id.ts";
import { validateTopicName } from "./topic-name.ts";
import { formatTopicsFile, parseTopicsFile, type TopicEntry, TOPICS_FILE } from "./topics-file.ts";

export { TOPICS_FILE } from "./topics-file.ts";
export const RECOVERY_CHECKPOINT_FILE = "recovery-point-offset-checkpoint";
export const CLEAN_SHUTDOWN_FILE = ".loglab_cleanshutdown";
/** Kafka caps partitions per topic only by cluster resources; loglab keeps folders few. */
export const PARTITIONS_MAX = 10_000;

export interface TopicDescription {
  readonly name: string;
  /** Kafka's topic id for this incarnation of the topic (a lowercase uuid). */
  readonly id: string;
  readonly partitions: number;
  /** Overrides by Kafka name (what `--config` set). */
  readonly configOverrides: Readonly<Record<string, string>>;
  readonly config: LogConfig;
}

export interface LogManagerOptions {
  readonly storage: Storage;
  readonly clock: Clock;
  /** Broker-wide defaults, by Kafka name (e.g. {"segment.bytes": "1048576"}). */
  readonly defaults?: Readonly<Record<string, string>>;
  /**
   * Open without writing anything (no lock, topics file, checkpoint or
   * shutdown marker; read-only logs). Default: the storage's own readOnly.
   */
  readonly readOnly?: boolean;
  /**
   * Open only these topics' logs (the others' metadata is still read):
   * listing topics opens none, consuming one opens one. Default: all.
   */
  readonly topics?: readonly string[];
  /** Who takes the writer lock, named to a writer it refuses (default "loglab"). */
  readonly command?: string;
  /** Hears what a log worked around while serving (an index entry found wrong); see PartitionLog.warnings. */
  readonly onLogWarning?: (warning: LogWarning) => void;
  /**
   * Bytes all partitions together may hold read ahead of consumers going through them in order (read-ahead.ts);
   * 0, the default, reads nothing ahead. A server sets it; a simulation, whose storage answers at once, gains nothing.
   */
  readonly readAheadBytes?: number;
}

/** The most bytes of free read-ahead buffers a log manager keeps (window-pool.ts). */
const WINDOW_POOL_FREE_BYTES_MAX = 16 << 20;

interface CheckpointEntry {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}


/** Kafka's checkpoint format: version, count, then "topic partition offset" lines. Keyed by partition folder. */
function parseCheckpoint(text: string | null): Map<string, CheckpointEntry> {
  const points = new Map<string, CheckpointEntry>();
  if (text === null) return points;
  const lines = text.trim().split("\n");
  if (lines[0] !== "0") return points; // unknown version: recover everything
  for (const line of lines.slice(2)) {
    const [topic, partitionText, offsetText] = line.trim().split(" ");
    const partition = Number(partitionText);
    const offset = Number(offsetText);
    if (topic !== undefined && Number.isSafeInteger(partition) && Number.isSafeInteger(offset)) {
      points.set(PartitionLog.directoryName(topic, partition), { topic, partition, offset });
    }
  }
  return points;
}

const PARTITION_RANGE_SHOWN_MAX = 10;

/** The first few of `items`, and how many there are in all if that is more. */
function describeList(items: readonly (number | string)[]): string {
  const shown = items.slice(0, PARTITION_RANGE_SHOWN_MAX).join(", ");
  return items.length > PARTITION_RANGE_SHOWN_MAX ? `${shown}, … (${items.length} in all)` : shown;
}

export class LogManager {
  readonly #topics = new Map<string, TopicEntry>();
  /** Topics whose partitions are still being opened by createTopic(). */
  readonly #creating = new Set<string>();
  readonly #logs = new Map<string, PartitionLog>();
  readonly #defaults: LogConfig;
  /** What every partition's read-ahead shares, when there is one (options.readAheadBytes): the budget and the buffers. */
  readonly #readAhead: { readAhead: ReadAheadBudget; windowPool: WindowPool } | undefined;
  /** Writes of the topics file, one at a time and in order. */
  readonly #metadataWrites = new OperationQueue();
  /** Topics this manager created: part of each new topic id. */
  #created = 0;
  /** Recovery points read at open, kept for the partitions this manager did not open. */
  #recoveryPoints = new Map<string, CheckpointEntry>();
  /** Whether the last shutdown was clean, and whether every topic's logs were opened (so all were recovered). */
  #openedClean = false;
  #openedAll = false;
  #closed = false;
  /** What opening each partition recovered, for the caller to report. */
  readonly recoveries: RecoveryReport[] = [];
  /** What the caller should tell the user: folders skipped, a lock taken over, an unclean log read as is. */
  readonly warnings: string[] = [];
  readonly readOnly: boolean;

  private constructor(private readonly options: LogManagerOptions) {
    this.#defaults = parseLogConfig(options.defaults ?? {}, DEFAULT_LOG_CONFIG);
    this.readOnly = options.readOnly ?? options.storage.readOnly;
    const readAheadBytes = options.readAheadBytes ?? 0;
    // A reader cycles through about three buffers (one read ahead, one or two being written to its socket): the pool
    // keeps enough free ones for a few readers, not the whole budget's worth after a burst.
    this.#readAhead = readAheadBytes > 0
      ? { readAhead: new ReadAheadBudget(readAheadBytes), windowPool: new WindowPool(Math.min(readAheadBytes, WINDOW_POOL_FREE_BYTES_MAX)) }
      : undefined;
  }

  /**
   * Takes the storage's writer lock (unless read-only) and opens the topics
   * found in storage (or those `options.topics` names), recovering what was
   * not flushed. Throws DataDirInUseError while another writer holds the lock,
   * InvalidTopicsFileError when the topics file is damaged.
   */
  static async open(options: LogManagerOptions): Promise<LogManager> {
    const manager = new LogManager(options);
    const { storage } = options;
    if (!manager.readOnly) {
      // The manager owns the storage from here: on failure it is closed, as close() would.
      const note = await storage.lock(options.command ?? "loglab").catch(async (error: unknown) => {
        await storage.close().catch(() => {});
        throw error;
      });
      if (note !== null) manager.warnings.push(note);
    }
    try {
      await manager.#open();
    } catch (error) {
      await manager.#closeLogs().catch(() => {}); // the open's own failure is the one to report
      await storage.close().catch(() => {});
      throw error;
    }
    return manager;
  }

  async #open(): Promise<void> {
    const { storage } = this.options;
    const text = await readTextFile(storage, TOPICS_FILE);
    if (text !== null) for (const [name, entry] of parseTopicsFile(text, PARTITIONS_MAX)) this.#topics.set(name, entry);
    this.#addDiscoveredTopics(await storage.list());
    this.#openedClean = await storage.exists(CLEAN_SHUTDOWN_FILE);
    this.#recoveryPoints = parseCheckpoint(await readTextFile(storage, RECOVERY_CHECKPOINT_FILE));
    const wanted = this.options.topics === undefined ? null : new Set(this.options.topics);
    this.#openedAll = wanted === null || [...this.#topics.keys()].every((name) => wanted.has(name));
    let opened = 0;
    for (const [name, topic] of this.#topics) {
      if (wanted !== null && !wanted.has(name)) continue;
      for (let partition = 0; partition < topic.partitions; partition++) {
        await this.#openLog(name, partition, this.#openedClean, this.#recoveryPoints.get(PartitionLog.directoryName(name, partition))?.offset);
        opened++;
      }
    }
    if (this.readOnly) {
      if (!this.#openedClean && opened > 0) {
        this.warnings.push("the data dir was not closed cleanly (a writer is running, or stopped without closing): each partition is read up to its last whole batch");
      }
      return;
    }
    // From here on a crash is unclean again.
    await storage.delete(CLEAN_SHUTDOWN_FILE);
  }

  /**
   * Adds the topics that have partition folders but no entry in the topics
   * file (a data dir written by Kafka has none: a broker holds only some of
   * a topic's partitions, so the count is one more than the highest found).
   * Folders that break the limits, and those of a known topic beyond its
   * count, are reported and left alone.
   */
  #addDiscoveredTopics(fileNames: readonly string[]): void {
    const { partitions: found, warnings } = findPartitionFolders(fileNames, PARTITIONS_MAX);
    this.warnings.push(...warnings);
    for (const [topic, partitions] of found) {
      const known = this.#topics.get(topic);
      if (known === undefined) {
        this.#topics.set(topic, { partitions: partitions.at(-1)! + 1, config: {}, id: foundTopicId(topic) });
        continue;
      }
      const beyond = partitions.filter((partition) => partition >= known.partitions);
      if (beyond.length === 0) continue;
      const folders = describeList(beyond.map((partition) => PartitionLog.directoryName(topic, partition)));
      this.warnings.push(`skipped folder${beyond.length > 1 ? "s" : ""} ${folders}: topic ${topic} has ${known.partitions} partitions in ${TOPICS_FILE}`);
    }
  }

  async #openLog(topic: string, partition: number, cleanShutdown: boolean, recoveryPoint: number | undefined): Promise<PartitionLog> {
    const log = await PartitionLog.open({
      storage: this.options.storage,
      clock: this.options.clock,
      topic,
      partition,
      config: this.topicConfig(topic),
      cleanShutdown,
      readOnly: this.readOnly,
      onWarning: (warning) => this.options.onLogWarning?.(warning),
      ...(recoveryPoint === undefined ? {} : { recoveryPoint }),
      ...this.#readAhead,
    });
    if (log.recovery.recovered.length > 0 || log.recovery.gaps.length > 0) this.recoveries.push(log.recovery);
    this.#logs.set(log.topicPartition, log);
    return log;
  }

  #checkOpen(): void {
    if (this.#closed) throw new LogClosedError("log manager");
  }

  /** The effective config of `topic`: defaults plus its overrides. */
  topicConfig(topic: string): LogConfig {
    this.#checkOpen();
    const entry = this.#topics.get(topic);
    if (entry === undefined) throw new UnknownTopicOrPartitionError(topic);
    return parseLogConfig(entry.config, this.#defaults);
  }

  /** Creates a topic. Throws InvalidTopicError, TopicExistsError, InvalidPartitionsError or InvalidConfigError. */
  async createTopic(name: string, partitions = 1, config: Readonly<Record<string, string>> = {}): Promise<TopicDescription> {
    this.#checkOpen();
    if (this.readOnly) throw new ReadOnlyLogError("log manager", "createTopic");
    validateTopicName(name);
    if (this.#topics.has(name)) throw new TopicExistsError(name);
    if (!Number.isInteger(partitions) || partitions < 1 || partitions > PARTITIONS_MAX) {
      throw new InvalidPartitionsError(partitions, PARTITIONS_MAX);
    }
    parseLogConfig(config, this.#defaults); // refuse bad overrides before creating anything
    // Invisible to listTopics() and hasTopic() until every partition is open,
    // so no reader finds a topic whose logs do not exist yet.
    this.#creating.add(name);
    try {
      this.#topics.set(name, { partitions, config: { ...config }, id: newTopicId(name, this.options.clock.nowMs(), this.#created++) });
      await this.#checkFoldersFree(name, partitions);
      await this.#saveTopics();
      try {
        for (let partition = 0; partition < partitions; partition++) await this.#openLog(name, partition, true, undefined);
      } catch (error) {
        // Not half-created: forget the topic again (its empty folders stay, and are not partitions).
        this.#topics.delete(name);
        await this.#closeTopicLogs(name, partitions).catch(() => {});
        await this.#saveTopics();
        throw error;
      }
    } catch (error) {
      this.#topics.delete(name);
      throw error;
    } finally {
      this.#creating.delete(name);
    }
    return this.describeTopic(name);
  }

  /**
   * Deletes a topic: closes its logs, forgets it in the topics file, then
   * deletes its partitions' files. A crash between the two leaves files of a
   * topic the topics file no longer names; the next open finds them as a
   * topic again, and deleting it again finishes the job.
   */
  async deleteTopic(name: string): Promise<void> {
    this.#checkOpen();
    if (this.readOnly) throw new ReadOnlyLogError("log manager", "deleteTopic");
    const entry = this.#topics.get(name);
    if (entry === undefined || this.#creating.has(name)) throw new UnknownTopicOrPartitionError(name);
    await this.#closeTopicLogs(name, entry.partitions);
    this.#topics.delete(name);
    await this.#saveTopics();
    const { storage } = this.options;
    for (let partition = 0; partition < entry.partitions; partition++) {
      const folder = `${PartitionLog.directoryName(name, partition)}/`;
      for (const file of await storage.list(folder)) await storage.delete(file);
      this.#recoveryPoints.delete(PartitionLog.directoryName(name, partition));
    }
  }

  /** Refuses a topic whose partition folder names are taken by files (a stray file "x-1"). */
  async #checkFoldersFree(name: string, partitions: number): Promise<void> {
    const rootFiles = new Set((await this.options.storage.list()).filter((file) => !file.includes("/")));
    for (let partition = 0; partition < partitions; partition++) {
      const folder = PartitionLog.directoryName(name, partition);
      if (rootFiles.has(folder)) throw new PartitionFolderTakenError(name, folder);
    }
  }

  async #closeTopicLogs(name: string, partitions: number): Promise<void> {
    for (let partition = 0; partition < partitions; partition++) {
      const key = PartitionLog.directoryName(name, partition);
      const log = this.#logs.get(key);
      this.#logs.delete(key);
      await log?.close();
    }
  }

  /** Writes the topics file as it is when the write starts; writes run one at a time, in order. */
  #saveTopics(): Promise<void> {
    return this.#metadataWrites.run(() => writeTextFileAtomically(this.options.storage, TOPICS_FILE, formatTopicsFile(this.#topics)));
  }

  listTopics(): string[] {
    this.#checkOpen();
    return [...this.#topics.keys()].filter((name) => !this.#creating.has(name)).sort();
  }

  /** The topic whose id is `id`, if there is one (Fetch v13+ names topics by id). */
  topicNamed(id: string): string | undefined {
    this.#checkOpen();
    for (const [name, entry] of this.#topics) if (entry.id === id && !this.#creating.has(name)) return name;
    return undefined;
  }

  hasTopic(name: string): boolean {
    this.#checkOpen();
    return this.#topics.has(name) && !this.#creating.has(name);
  }

  describeTopic(name: string): TopicDescription {
    this.#checkOpen();
    const entry = this.#topics.get(name);
    if (entry === undefined) throw new UnknownTopicOrPartitionError(name);
    return { name, id: entry.id, partitions: entry.partitions, configOverrides: { ...entry.config }, config: this.topicConfig(name) };
  }

  /** The log of one partition; UnknownTopicOrPartitionError if there is none. */
  log(topic: string, partition: number): PartitionLog {
    this.#checkOpen();
    const log = this.#logs.get(PartitionLog.directoryName(topic, partition));
    if (log !== undefined) return log;
    const entry = this.#topics.get(topic);
    if (entry !== undefined && Number.isInteger(partition) && partition >= 0 && partition < entry.partitions) {
      const opened = this.options.topics ?? [];
      const which = opened.length === 0 ? "no topic's logs" : `the logs of ${describeList(opened)} only`;
      throw new InvalidRequestError(`log ${topic}-${partition} is not open: this log manager was opened with ${which}`);
    }
    throw new UnknownTopicOrPartitionError(topic, partition);
  }

  /** Every open partition log, in topic then partition order. */
  allLogs(): PartitionLog[] {
    this.#checkOpen();
    return this.#openLogs();
  }

  #openLogs(): PartitionLog[] {
    return [...this.#topics.keys()].filter((name) => !this.#creating.has(name)).sort().flatMap((topic) =>
      Array.from({ length: this.#topics.get(topic)!.partitions }, (_, partition) => this.#logs.get(PartitionLog.directoryName(topic, partition)))
        .filter((log): log is PartitionLog => log !== undefined),
    );
  }

  /** Flushes every log and records how far each is durable. */
  async flush(): Promise<void> {
    this.#checkOpen();
    if (this.readOnly) return; // nothing was written
    for (const log of this.#openLogs()) await log.flush();
    await this.#writeRecoveryCheckpoint();
  }

  /** The checkpoint of every open log, and what was read at open for the partitions not opened. */
  async #writeRecoveryCheckpoint(): Promise<void> {
    const points = new Map<string, CheckpointEntry>();
    for (const [folder, entry] of this.#recoveryPoints) {
      const topic = this.#topics.get(entry.topic);
      if (topic !== undefined && entry.partition < topic.partitions) points.set(folder, entry);
    }
    for (const log of this.#openLogs()) {
      const dash = log.topicPartition.lastIndexOf("-");
      const entry = { topic: log.topicPartition.slice(0, dash), partition: Number(log.topicPartition.slice(dash + 1)), offset: log.recoveryPoint };
      points.set(log.topicPartition, entry);
    }
    const lines = [...points.values()].map(({ topic, partition, offset }) => `${topic} ${partition} ${offset}`);
    await writeTextFileAtomically(this.options.storage, RECOVERY_CHECKPOINT_FILE, ["0", String(lines.length), ...lines, ""].join("\n"));
  }

  /** Applies retention to every open log and compacts the compacted ones. */
  async runCleanup(): Promise<void> {
    this.#checkOpen();
    if (this.readOnly) throw new ReadOnlyLogError("log manager", "runCleanup");
    for (const log of this.#openLogs()) {
      if (log.config.cleanupPolicy !== "compact") await log.applyRetention();
      if (log.config.cleanupPolicy !== "delete") await log.compact();
    }
  }

  async #closeLogs(): Promise<void> {
    const logs = [...this.#logs.values()];
    this.#logs.clear();
    for (const log of logs) await log.close();
  }

  /**
   * Flushes and closes every log, marks the shutdown clean and releases the
   * lock; read-only, it only closes. A second close does nothing.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    const logs = this.#openLogs();
    this.#closed = true;
    const { storage } = this.options;
    try {
      for (const log of logs) await log.close();
      if (this.readOnly) return;
      await this.#metadataWrites.run(async () => {});
      await this.#writeRecoveryCheckpoint();
      // Partitions left unopened after an unclean stop still need recovery: no marker then.
      if (this.#openedClean || this.#openedAll) {
        const marker = await storage.open(CLEAN_SHUTDOWN_FILE);
        await marker.sync();
        await marker.close();
      }
    } finally {
      await storage.close();
    }
  }
}
