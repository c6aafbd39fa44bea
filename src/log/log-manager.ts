// The topics of one data folder: creates, lists and opens their partition
// logs, keeps topic configs, and checkpoints recovery points as Kafka does
// (recovery-point-offset-checkpoint), so a restart validates only what was
// not flushed, and nothing at all after a clean shutdown.

import type { Clock } from "../runtime/index.ts";
import type { Storage } from "../storage/index.ts";
import { readTextFile, writeTextFileAtomically } from "../storage/text-files.ts";
import { DEFAULT_LOG_CONFIG, type LogConfig, parseLogConfig } from "./config.ts";
import { InvalidPartitionsError, TopicExistsError, UnknownTopicOrPartitionError } from "./errors.ts";
import { PartitionLog, type RecoveryReport } from "./partition-log.ts";
import { validateTopicName } from "./topic-name.ts";

export const TOPICS_FILE = "loglab-topics.json";
export const RECOVERY_CHECKPOINT_FILE = "recovery-point-offset-checkpoint";
export const CLEAN_SHUTDOWN_FILE = ".loglab_cleanshutdown";
/** Kafka caps partitions per topic only by cluster resources; loglab keeps folders few. */
export const PARTITIONS_MAX = 10_000;

export interface TopicDescription {
  readonly name: string;
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
}

interface TopicsFile {
  readonly version: 1;
  readonly topics: Record<string, { partitions: number; config: Record<string, string> }>;
}


/** Kafka's checkpoint format: version, count, then "topic partition offset" lines. */
function parseCheckpoint(text: string | null): Map<string, number> {
  const points = new Map<string, number>();
  if (text === null) return points;
  const lines = text.trim().split("\n");
  if (lines[0] !== "0") return points; // unknown version: recover everything
  for (const line of lines.slice(2)) {
    const [topic, partition, offset] = line.trim().split(" ");
    if (topic !== undefined && partition !== undefined && offset !== undefined) {
      points.set(PartitionLog.directoryName(topic, Number(partition)), Number(offset));
    }
  }
  return points;
}

/** Topics found as "<topic>-<partition>/…log" folders, with one more than the highest partition. */
async function discoverPartitionFolders(storage: Storage): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  for (const name of await storage.list()) {
    const match = /^(.+)-(\d+)\/\d{20}\.log$/.exec(name);
    if (match === null) continue;
    const [, topic, partition] = match;
    found.set(topic!, Math.max(found.get(topic!) ?? 0, Number(partition) + 1));
  }
  return found;
}

export class LogManager {
  readonly #topics = new Map<string, { partitions: number; config: Record<string, string> }>();
  /** Topics whose partitions are still being opened by createTopic(). */
  readonly #creating = new Set<string>();
  readonly #logs = new Map<string, PartitionLog>();
  readonly #defaults: LogConfig;
  /** What opening each partition recovered, for the caller to report. */
  readonly recoveries: RecoveryReport[] = [];

  private constructor(private readonly options: LogManagerOptions) {
    this.#defaults = parseLogConfig(options.defaults ?? {}, DEFAULT_LOG_CONFIG);
  }

  /** Opens every topic found in storage, recovering what was not flushed. */
  static async open(options: LogManagerOptions): Promise<LogManager> {
    const manager = new LogManager(options);
    const { storage } = options;
    const text = await readTextFile(storage, TOPICS_FILE);
    const file: TopicsFile = text === null ? { version: 1, topics: {} } : JSON.parse(text);
    // A data folder written by Kafka has partition folders but no topics file.
    for (const [topic, partitions] of await discoverPartitionFolders(storage)) {
      const known = file.topics[topic];
      if (known === undefined) file.topics[topic] = { partitions, config: {} };
      else known.partitions = Math.max(known.partitions, partitions);
    }
    const cleanShutdown = await storage.exists(CLEAN_SHUTDOWN_FILE);
    const recoveryPoints = parseCheckpoint(await readTextFile(storage, RECOVERY_CHECKPOINT_FILE));
    for (const [name, topic] of Object.entries(file.topics)) {
      manager.#topics.set(name, topic);
      for (let partition = 0; partition < topic.partitions; partition++) {
        await manager.#openLog(name, partition, cleanShutdown, recoveryPoints.get(PartitionLog.directoryName(name, partition)));
      }
    }
    // From here on a crash is unclean again.
    await storage.delete(CLEAN_SHUTDOWN_FILE);
    return manager;
  }

  async #openLog(topic: string, partition: number, cleanShutdown: boolean, recoveryPoint: number | undefined): Promise<PartitionLog> {
    const log = await PartitionLog.open({
      storage: this.options.storage,
      clock: this.options.clock,
      topic,
      partition,
      config: this.topicConfig(topic),
      cleanShutdown,
      ...(recoveryPoint === undefined ? {} : { recoveryPoint }),
    });
    if (log.recovery.recovered.length > 0) this.recoveries.push(log.recovery);
    this.#logs.set(log.topicPartition, log);
    return log;
  }

  /** The effective config of `topic`: defaults plus its overrides. */
  topicConfig(topic: string): LogConfig {
    const entry = this.#topics.get(topic);
    if (entry === undefined) throw new UnknownTopicOrPartitionError(topic);
    return parseLogConfig(entry.config, this.#defaults);
  }

  /** Creates a topic. Throws InvalidTopicError, TopicExistsError, InvalidPartitionsError or InvalidConfigError. */
  async createTopic(name: string, partitions = 1, config: Readonly<Record<string, string>> = {}): Promise<TopicDescription> {
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
      this.#topics.set(name, { partitions, config: { ...config } });
      await this.#saveTopics();
      for (let partition = 0; partition < partitions; partition++) await this.#openLog(name, partition, true, undefined);
    } finally {
      this.#creating.delete(name);
    }
    return this.describeTopic(name);
  }

  async #saveTopics(): Promise<void> {
    const file: TopicsFile = { version: 1, topics: Object.fromEntries(this.#topics) };
    await writeTextFileAtomically(this.options.storage, TOPICS_FILE, JSON.stringify(file, null, 2));
  }

  listTopics(): string[] {
    return [...this.#topics.keys()].filter((name) => !this.#creating.has(name)).sort();
  }

  hasTopic(name: string): boolean {
    return this.#topics.has(name) && !this.#creating.has(name);
  }

  describeTopic(name: string): TopicDescription {
    const entry = this.#topics.get(name);
    if (entry === undefined) throw new UnknownTopicOrPartitionError(name);
    return { name, partitions: entry.partitions, configOverrides: { ...entry.config }, config: this.topicConfig(name) };
  }

  /** The log of one partition; UnknownTopicOrPartitionError if there is none. */
  log(topic: string, partition: number): PartitionLog {
    const log = this.#logs.get(PartitionLog.directoryName(topic, partition));
    if (log === undefined) throw new UnknownTopicOrPartitionError(topic, partition);
    return log;
  }

  /** Every partition log, in topic then partition order. */
  allLogs(): PartitionLog[] {
    return this.listTopics().flatMap((topic) =>
      Array.from({ length: this.#topics.get(topic)!.partitions }, (_, partition) => this.log(topic, partition)),
    );
  }

  /** Flushes every log and records how far each is durable. */
  async flush(): Promise<void> {
    for (const log of this.allLogs()) await log.flush();
    await this.#writeRecoveryCheckpoint();
  }

  async #writeRecoveryCheckpoint(): Promise<void> {
    const logs = this.allLogs();
    const lines = logs.map((log) => {
      const dash = log.topicPartition.lastIndexOf("-");
      return `${log.topicPartition.slice(0, dash)} ${log.topicPartition.slice(dash + 1)} ${log.recoveryPoint}`;
    });
    await writeTextFileAtomically(this.options.storage, RECOVERY_CHECKPOINT_FILE, ["0", String(lines.length), ...lines, ""].join("\n"));
  }

  /** Applies retention to every log and compacts the compacted ones. */
  async runCleanup(): Promise<void> {
    for (const log of this.allLogs()) {
      if (log.config.cleanupPolicy !== "compact") await log.applyRetention();
      if (log.config.cleanupPolicy !== "delete") await log.compact();
    }
  }

  /** Flushes and closes every log, and marks the shutdown clean. */
  async close(): Promise<void> {
    for (const log of this.allLogs()) await log.close();
    await this.#writeRecoveryCheckpoint();
    const marker = await this.options.storage.open(CLEAN_SHUTDOWN_FILE);
    await marker.sync();
    await marker.close();
    await this.options.storage.close();
  }
}
