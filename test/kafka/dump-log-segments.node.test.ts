// Apache Kafka's DumpLogSegments (kafka-dump-log.sh) on the segments loglab
// writes: keyed records, headers, tombstones, rolled segments, a compacted
// segment with a delete horizon, and transactional batches with their
// COMMIT and ABORT markers. Kafka must read every file with no error and find
// the records loglab wrote, batch by batch as `loglab dump` prints them, and
// --verify-index-only must find loglab's .index and .timeindex right. The
// aborted transaction is in loglab's .txnindex as Kafka reads it, and a
// .txnindex Kafka's own broker wrote is what loglab rebuilds from Kafka's log.

import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AbortedTxn, Broker, decodeAbortedTxns, InProcessTransport, ManualClock, ManualScheduler, parseLogConfig, PartitionLog, Producer, SeededRandom,
} from "../../src/index.ts";
import { NodeFsStorage } from "../../src/storage/node-fs.ts";
import { runCli } from "../support/cli.ts";
import { type KafkaBroker, startKafkaBroker } from "./broker.ts";
import { kafkaLibs, kafkaLog4j, requireKafkaLibs, runJava } from "./kafka.ts";

const DUMP = "kafka.tools.DumpLogSegments";

interface DumpedRecord {
  readonly offset: number;
  readonly timestamp: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly sequence: number;
  readonly headerKeys: readonly string[];
  readonly key: string | null;
  readonly payload: string | null;
  /** COMMIT or ABORT, for a control record as Kafka prints it. */
  readonly marker: string | null;
}

interface DumpedBatch {
  readonly fields: Readonly<Record<string, string>>;
  readonly records: DumpedRecord[];
}

const RECORD_LINE =
  /^\| offset: (\d+) (?:CreateTime|LogAppendTime): (-?\d+) keySize: (-?\d+) valueSize: (-?\d+) sequence: (-?\d+) headerKeys: \[(.*?)\](?: key: (.*?))?(?: payload: (.*?))?(?: endTxnMarker: (\w+) coordinatorEpoch: \d+)?$/;

/** The batches and records of one .log file in kafka-dump-log's output (loglab dump prints the same lines). */
function parseLogDump(lines: readonly string[]): DumpedBatch[] {
  const batches: DumpedBatch[] = [];
  for (const line of lines) {
    if (line.startsWith("baseOffset: ")) {
      batches.push({ fields: Object.fromEntries([...line.matchAll(/(\w+): (\S+)/g)].map((m) => [m[1]!, m[2]!])), records: [] });
    } else if (line.startsWith("| ")) {
      const m = RECORD_LINE.exec(line);
      if (m === null) throw new Error(`unexpected record line: ${line}`);
      batches.at(-1)!.records.push({
        offset: Number(m[1]), timestamp: Number(m[2]), keySize: Number(m[3]), valueSize: Number(m[4]), sequence: Number(m[5]),
        headerKeys: m[6] === "" ? [] : m[6]!.split(","), key: m[7] ?? null,
        // Kafka leaves out a null payload; loglab prints "payload: null".
        payload: Number(m[4]) < 0 ? null : (m[8] ?? null), marker: m[9] ?? null,
      });
    }
  }
  return batches;
}

/** kafka-dump-log's output for several files, by file. */
function splitByFile(stdout: string): Map<string, string[]> {
  const files = new Map<string, string[]>();
  let current: string[] | null = null;
  for (const line of stdout.split("\n")) {
    const dumping = /^Dumping (.+)$/.exec(line);
    if (dumping !== null) files.set(dumping[1]!, (current = []));
    else if (current !== null && line !== "") current.push(line);
  }
  return files;
}

/** Lines by which kafka-dump-log reports a file it cannot read or an index that does not match its log. */
const KAFKA_COMPLAINTS = /mismatch|invalid bytes|isvalid: false|corrupt|out of order|exception|error|not a valid/i;

const SEGMENT_FILE = /^\d{20}\.(log|index|timeindex|txnindex|snapshot)$/;

let dir: string;
const partitionDir = (topic: string) => join(dir, `${topic}-0`);
const filesOf = (topic: string, extension: string) =>
  readdirSync(partitionDir(topic)).filter((f) => f.endsWith(`.${extension}`)).sort().map((f) => join(partitionDir(topic), f));
/** Every segment file loglab wrote, in every partition folder. */
const allSegmentFiles = () =>
  readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).flatMap((e) =>
    readdirSync(join(dir, e.name)).filter((f) => SEGMENT_FILE.test(f)).map((f) => join(dir, e.name, f))
  ).sort();

const events = [
  { key: "user-1", value: "signed up", headers: [{ key: "source", value: "web" }, { key: "trace", value: "a1" }] },
  { key: null, value: "no key here", headers: [] },
  { key: "user-2", value: "signed up", headers: [{ key: "empty-header", value: null }] },
  { key: "user-1", value: "changed e-mail", headers: [{ key: "source", value: "app" }] },
  { key: "user-2", value: null, headers: [] },
  { key: "user-3", value: "ünïcödé ✓", headers: [{ key: "lang", value: "de" }] },
  { key: "user-4", value: "x".repeat(150), headers: [] },
  { key: "user-1", value: null, headers: [{ key: "reason", value: "gdpr" }] },
  { key: "user-5", value: "last one", headers: [] },
];

let kafkaDump: Map<string, string[]>;
let kafkaStderr: string;

beforeAll(async () => {
  requireKafkaLibs();
  dir = mkdtempSync(join(tmpdir(), "loglab-dump-"));
  const scheduler = new ManualScheduler(1_700_000_000_000);
  const random = new SeededRandom(13);
  // An offset index entry for every batch, so the indexes have something to check.
  const broker = await Broker.open({ storage: new NodeFsStorage(dir), scheduler, random, config: { "index.interval.bytes": "1" } });
  const run = <T>(promise: Promise<T>) => scheduler.runUntilSettled(promise, 120_000);
  await broker.logs.createTopic("events", 1, { "segment.bytes": "300" });
  await broker.logs.createTopic("documents", 1, { "cleanup.policy": "compact", "delete.retention.ms": "60000" });
  await broker.logs.createTopic("payments", 1);
  const transport = new InProcessTransport(broker);

  const producer = new Producer(transport, { scheduler, random });
  for (let i = 0; i < events.length; i += 2) {
    await run(producer.send({ topic: "events", messages: events.slice(i, i + 2) }));
    await scheduler.advance(1_000);
  }

  for (const [key, value] of [["foo", "create"], ["foo", "update"], ["bar", "create"], ["foo", null]] as const) {
    await run(producer.send({ topic: "documents", messages: [{ key, value }] }));
    await scheduler.advance(1_000);
  }
  // Compacted: bar and foo's tombstone, which gets its delete horizon; then one more record in a new segment.
  await broker.logs.log("documents", 0).roll();
  await broker.logs.runCleanup();
  await run(producer.send({ topic: "documents", messages: [{ key: "baz", value: "create" }] }));

  const transactional = new Producer(transport, { scheduler, random }, { "transactional.id": "payments-writer" });
  for (const [values, outcome] of [[["pay 1", "pay 2"], "commit"], [["pay 3"], "abort"], [["pay 4"], "commit"]] as const) {
    const transaction = await run(transactional.transaction());
    await run(transaction.send({ topic: "payments", messages: values.map((value, i) => ({ key: `order-${i}`, value, headers: [{ key: "tx", value: outcome }] })) }));
    await run(outcome === "commit" ? transaction.commit() : transaction.abort());
    await scheduler.advance(1_000);
  }
  await run(producer.close());
  await run(transactional.close());
  await broker.close();

  const dumped = runJava(DUMP, ["--deep-iteration", "--print-data-log", "--files", allSegmentFiles().join(",")]);
  expect(dumped.status, dumped.stderr).toBe(0);
  kafkaDump = splitByFile(dumped.stdout);
  kafkaStderr = dumped.stderr;
});

afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

const kafkaBatches = (topic: string) => filesOf(topic, "log").flatMap((file) => parseLogDump(kafkaDump.get(file) ?? []));
const loglabBatches = (topic: string) =>
  filesOf(topic, "log").flatMap((file) => {
    const result = runCli("node", ["dump", file, "--print-data-log"]);
    expect(result.status, result.stderr).toBe(0);
    return parseLogDump(result.stdout.split("\n"));
  });
const dataRecords = (batches: readonly DumpedBatch[]) => batches.filter((b) => b.fields.isControl === "false").flatMap((b) => b.records);

describe("Kafka's DumpLogSegments on loglab's segments", () => {
  it("reads every .log, .index, .timeindex and other segment file loglab wrote with no complaint", () => {
    const files = allSegmentFiles();
    expect(files.filter((f) => f.endsWith(".log")).length).toBeGreaterThanOrEqual(6);
    expect([...kafkaDump.keys()].sort()).toEqual(files);
    for (const [file, lines] of kafkaDump) {
      expect(lines.filter((line) => KAFKA_COMPLAINTS.test(line)), file).toEqual([]);
    }
    expect(kafkaStderr).toBe("");
  });

  it("finds, batch by batch, the batches and records `loglab dump` prints", () => {
    for (const topic of ["events", "documents", "payments"]) {
      const kafka = kafkaBatches(topic);
      const loglab = loglabBatches(topic);
      expect(kafka.length, topic).toBeGreaterThan(0);
      expect(kafka.map((b) => b.fields)).toEqual(loglab.map((b) => b.fields));
      // Control records: Kafka decodes the marker where loglab prints raw bytes; compare the rest.
      const strip = (batches: readonly DumpedBatch[]) =>
        batches.map((b) => b.records.map((r) => (b.fields.isControl === "true" ? { ...r, key: null, payload: null, marker: null } : r)));
      expect(strip(kafka)).toEqual(strip(loglab));
    }
  });

  it("finds keyed records, headers and tombstones across rolled segments, in the order they were sent", () => {
    expect(filesOf("events", "log").length).toBeGreaterThanOrEqual(3);
    const records = dataRecords(kafkaBatches("events"));
    expect(records.map((r) => r.offset)).toEqual(events.map((_, i) => i));
    expect(records.map((r) => ({ key: r.key, payload: r.payload, headerKeys: r.headerKeys }))).toEqual(
      events.map((e) => ({ key: e.key, payload: e.value, headerKeys: e.headers.map((h) => h.key) })),
    );
    expect(records.filter((r) => r.valueSize === -1).map((r) => r.offset)).toEqual([4, 7]);
    expect(records[1]!.keySize).toBe(-1);
  });

  it("reads a compacted segment: the survivors at their offsets, the tombstone's batch with its delete horizon", () => {
    const batches = kafkaBatches("documents");
    expect(dataRecords(batches).map((r) => [r.offset, r.key, r.payload])).toEqual([[2, "bar", "create"], [3, "foo", null], [4, "baz", "create"]]);
    const tombstoneBatch = batches.find((b) => b.records.some((r) => r.offset === 3))!;
    expect(tombstoneBatch.fields.deleteHorizonMs).toMatch(/^OptionalLong\[\d+\]$/);
  });

  it("reads transactional batches and their COMMIT and ABORT markers where loglab wrote them", () => {
    const batches = kafkaBatches("payments");
    expect(batches.filter((b) => b.fields.isControl === "false").every((b) => b.fields.isTransactional === "true" && Number(b.fields.producerId) >= 0)).toBe(true);
    expect(dataRecords(batches).map((r) => [r.offset, r.payload, r.headerKeys])).toEqual([
      [0, "pay 1", ["tx"]], [1, "pay 2", ["tx"]], [3, "pay 3", ["tx"]], [5, "pay 4", ["tx"]],
    ]);
    const markers = batches.filter((b) => b.fields.isControl === "true");
    expect(markers.every((b) => b.fields.isTransactional === "true")).toBe(true);
    expect(markers.flatMap((b) => b.records.map((r) => [r.offset, r.marker]))).toEqual([[2, "COMMIT"], [4, "ABORT"], [6, "COMMIT"]]);
  });

  it("--verify-index-only finds loglab's .index and .timeindex in agreement with their .log", () => {
    const indexes = ["events", "documents", "payments"].flatMap((topic) => [...filesOf(topic, "index"), ...filesOf(topic, "timeindex")]);
    const verified = runJava(DUMP, ["--verify-index-only", "--files", indexes.join(",")]);
    expect(verified.status, verified.stderr).toBe(0);
    expect(verified.stderr).toBe("");
    const byFile = splitByFile(verified.stdout);
    expect([...byFile.keys()].sort()).toEqual(indexes.sort());
    for (const [file, lines] of byFile) expect(lines.filter((line) => KAFKA_COMPLAINTS.test(line)), file).toEqual([]);
    // The full dump lists the same entries loglab dump prints for each index.
    for (const file of indexes) {
      const loglab = runCli("node", ["dump", file]);
      expect(loglab.status, loglab.stderr).toBe(0);
      const entries = (lines: readonly string[]) => lines.filter((line) => /^(offset|timestamp): /.test(line));
      expect(entries(kafkaDump.get(file)!), file).toEqual(entries(loglab.stdout.split("\n")));
    }
  });
});

/** A .txnindex entry as DumpLogSegments prints it. */
const txnLine = (t: AbortedTxn) =>
  `version: 0 producerId: ${t.producerId} firstOffset: ${t.firstOffset} lastOffset: ${t.lastOffset} lastStableOffset: ${t.lastStableOffset}`;

describe("the .txnindex of loglab's transactional segment", () => {
  it("is created only where an ABORT marker is, and Kafka reads the aborted transaction loglab expects", () => {
    expect(filesOf("events", "txnindex")).toEqual([]);
    expect(filesOf("documents", "txnindex")).toEqual([]);
    const [file, ...others] = filesOf("payments", "txnindex");
    expect(others).toEqual([]);
    const abort = kafkaBatches("payments").find((b) => b.records.some((r) => r.marker === "ABORT"))!;
    // pay 3 at offset 3, its ABORT marker at 4, and no other transaction open then: stable again from offset 5.
    const expected = { producerId: Number(abort.fields.producerId), firstOffset: 3, lastOffset: 4, lastStableOffset: 5 };
    expect(kafkaDump.get(file!)).toEqual([txnLine(expected)]);
    expect(decodeAbortedTxns(readFileSync(file!), file!, 0, Infinity)).toEqual([expected]);
    const loglab = runCli("node", ["dump", file!]);
    expect(loglab.status, loglab.stderr).toBe(0);
    expect(loglab.stdout.trimEnd().split("\n")).toEqual([`Dumping ${file}`, txnLine(expected)]);
    // A torn copy: Kafka's dump leaves the partial entry out unsaid; loglab's says so and exits 1.
    const tornDir = mkdtempSync(join(tmpdir(), "loglab-txnindex-"));
    try {
      const torn = join(tornDir, "00000000000000000000.txnindex");
      writeFileSync(torn, Buffer.concat([readFileSync(file!), Buffer.alloc(5)]));
      const dumped = runCli("node", ["dump", torn]);
      expect(dumped.status).toBe(1);
      expect(dumped.stdout).toContain(txnLine(expected));
      expect(dumped.stderr).toMatch("invalid entry at byte 34: 39 bytes are not whole 34-byte entries");
    } finally {
      rmSync(tornDir, { recursive: true, force: true });
    }
  });
});

describe.sequential("a .txnindex Apache Kafka's broker wrote", () => {
  const TOPIC = "payments";
  let kafka: KafkaBroker;
  let folder: string;

  beforeAll(async () => {
    kafka = await startKafkaBroker();
    const created = runJava("org.apache.kafka.tools.TopicCommand", [
      "--bootstrap-server", kafka.bootstrap, "--create", "--topic", TOPIC, "--partitions", "1", "--replication-factor", "1",
    ]);
    expect(created.status, created.stderr).toBe(0);
    // Three transactions from Kafka's Java producer: committed, aborted, committed.
    const source = fileURLToPath(new URL("TransactionalProducer.java", import.meta.url));
    const produced = spawnSync("java", [`-Dlog4j2.configurationFile=${kafkaLog4j}`, "-cp", join(kafkaLibs, "*"), source, kafka.bootstrap, TOPIC], {
      encoding: "utf8",
    });
    expect(produced.status, produced.stderr).toBe(0);
    await kafka.stop();
    folder = join(kafka.logDir, `${TOPIC}-0`);
  }, 240_000);

  afterAll(async () => {
    await kafka?.dispose();
  });

  it("holds the entries loglab rebuilds from Kafka's segments, and `loglab dump` prints what DumpLogSegments prints", async () => {
    const files = readdirSync(folder).filter((f) => f.endsWith(".txnindex")).map((f) => join(folder, f));
    expect(files).toHaveLength(1);
    const kafkaEntries = decodeAbortedTxns(readFileSync(files[0]!), files[0]!, 0, Infinity);
    expect(kafkaEntries).toHaveLength(1);
    expect(kafkaEntries[0]!.lastStableOffset).toBe(kafkaEntries[0]!.lastOffset + 1);

    // Opened read-only with no clean shutdown claimed: every segment is recovered and its .txnindex rebuilt from the log alone.
    const log = await PartitionLog.open({
      storage: new NodeFsStorage(kafka.logDir, { readOnly: true }), clock: new ManualClock(1_700_000_000_000), topic: TOPIC, partition: 0,
      config: parseLogConfig({}), readOnly: true,
    });
    const rebuilt = log.describeSegments().flatMap((segment) => segment.abortedTransactions);
    await log.close();
    expect(rebuilt).toEqual(kafkaEntries);

    const dumped = runJava(DUMP, ["--files", files[0]!]);
    expect(dumped.status, dumped.stderr).toBe(0);
    const loglab = runCli("node", ["dump", files[0]!]);
    expect(loglab.status, loglab.stderr).toBe(0);
    expect(loglab.stdout.trimEnd()).toBe(dumped.stdout.trimEnd());
    expect(loglab.stdout).toContain(txnLine(kafkaEntries[0]!));
  });
});
