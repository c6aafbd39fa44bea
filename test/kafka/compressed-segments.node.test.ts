// Compressed batches between loglab and Apache Kafka, both ways, for every codec.
// Kafka's Java producer (through its console producer) writes keyed,
// header-carrying records with compression.type gzip, snappy (xerial's framed
// stream), lz4 and zstd, one run per codec so the broker rolls a segment between
// them; the broker stops, and loglab opens its log dir: `loglab consume` prints
// what Kafka's console consumer printed, and `loglab dump --print-data-log`
// finds the batches and records Kafka's DumpLogSegments finds, compresscodec
// included. The other way, Kafka's DumpLogSegments reads the gzip and snappy
// batches loglab's producer writes (the codecs loglab writes).

import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Broker, InProcessTransport, ManualScheduler, Producer, SeededRandom } from "../../src/index.ts";
import { NodeFsStorage } from "../../src/storage/node-fs.ts";
import { runCli } from "../support/cli.ts";
import { type KafkaBroker, startKafkaBroker } from "./broker.ts";
import { runJava } from "./kafka.ts";

const TOPIC = "zipped";
const CODECS = ["gzip", "snappy", "lz4", "zstd"] as const;
/** Console producer lines (headers TAB key TAB value), repetitive so each codec has something to squeeze. */
const linesFor = (codec: string) =>
  Array.from({ length: 12 }, (_, i) => `codec:${codec},n:${i}\tuser-${i % 4}\t${codec} record ${i} ${"payload ".repeat(i + 1)}end`);
const RECORDS = CODECS.length * 12;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let broker: KafkaBroker;
let kafkaPrinted: string;
let loglabDir: string;

/** `| offset: ...` and `baseOffset: ...` lines of a dump, without the file headers both tools print differently. */
const dumpLines = (stdout: string) => stdout.split("\n").filter((l) => l.startsWith("baseOffset: ") || l.startsWith("| offset: "));
const segmentFiles = (folder: string) => readdirSync(folder).filter((f) => f.endsWith(".log")).sort().map((f) => join(folder, f));

beforeAll(async () => {
  broker = await startKafkaBroker();
  const created = runJava("org.apache.kafka.tools.TopicCommand", [
    "--bootstrap-server", broker.bootstrap, "--create", "--topic", TOPIC, "--partitions", "1", "--replication-factor", "1",
    "--config", "segment.ms=1000",
  ]);
  expect(created.status, created.stderr).toBe(0);
  for (const codec of CODECS) {
    // linger.ms: the console producer reads faster than it sends, so the lines travel in a few compressed batches.
    // (--compression-codec: the console producer's own option overrides a compression.type producer property.)
    const produced = runJava("org.apache.kafka.tools.ConsoleProducer", [
      "--bootstrap-server", broker.bootstrap, "--topic", TOPIC, "--compression-codec", codec,
      "--property", "parse.key=true", "--property", "parse.headers=true",
      "--producer-property", "linger.ms=200",
    ], linesFor(codec).join("\n") + "\n");
    expect(produced.status, produced.stderr).toBe(0);
    await sleep(1_200);
  }
  const consumed = runJava("org.apache.kafka.tools.consumer.ConsoleConsumer", [
    "--bootstrap-server", broker.bootstrap, "--topic", TOPIC, "--from-beginning", "--max-messages", String(RECORDS), "--timeout-ms", "60000",
    "--property", "print.timestamp=true", "--property", "print.partition=true", "--property", "print.offset=true",
    "--property", "print.headers=true", "--property", "print.key=true",
  ]);
  expect(consumed.status, consumed.stderr).toBe(0);
  kafkaPrinted = consumed.stdout;
  await broker.stop();
}, 240_000);

afterAll(async () => {
  await broker?.dispose();
  if (loglabDir !== undefined) rmSync(loglabDir, { recursive: true, force: true });
});

/** A `loglab consume --format json` line as Kafka's console consumer prints a record with the properties above. */
function asKafkaPrints(line: string): string {
  const r = JSON.parse(line) as { partition: number; offset: number; timestamp: number; key: string | null; value: string | null; headers: { key: string; value: string | null }[] };
  const headers = r.headers.length === 0 ? "NO_HEADERS" : r.headers.map((h) => `${h.key}:${h.value}`).join(",");
  return [`CreateTime:${r.timestamp}`, `Partition:${r.partition}`, `Offset:${r.offset}`, headers, r.key, r.value].map(String).join("\t");
}

describe.sequential("loglab on segments Kafka's Java producer wrote compressed", () => {
  it("Kafka stored batches of all four codecs, in more than one segment", () => {
    const files = segmentFiles(join(broker.logDir, `${TOPIC}-0`));
    expect(files.length).toBeGreaterThanOrEqual(2);
    const dumped = runJava("kafka.tools.DumpLogSegments", ["--files", files.join(",")]);
    expect(dumped.status, dumped.stderr).toBe(0);
    const codecs = dumpLines(dumped.stdout).map((l) => / compresscodec: (\w+)/.exec(l)?.[1]).filter((c) => c !== undefined);
    expect(new Set(codecs)).toEqual(new Set(CODECS));
  });

  it("`loglab consume --from-beginning --format json` prints exactly what Kafka's console consumer printed", () => {
    expect(kafkaPrinted.trimEnd().split("\n")).toHaveLength(RECORDS);
    const result = runCli("node", ["consume", TOPIC, "--data-dir", broker.logDir, "--from-beginning", "--format", "json"]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout.trimEnd().split("\n").map(asKafkaPrints).join("\n")).toBe(kafkaPrinted.trimEnd());
  });

  it("`loglab dump --print-data-log` prints the batch and record lines Kafka's DumpLogSegments prints, compresscodec included", () => {
    for (const file of segmentFiles(join(broker.logDir, `${TOPIC}-0`))) {
      const kafka = runJava("kafka.tools.DumpLogSegments", ["--deep-iteration", "--print-data-log", "--files", file]);
      expect(kafka.status, kafka.stderr).toBe(0);
      const loglab = runCli("node", ["dump", file, "--print-data-log"]);
      expect(loglab.status, loglab.stderr).toBe(0);
      expect(dumpLines(loglab.stdout), file).toEqual(dumpLines(kafka.stdout));
    }
  });
});

describe("Kafka's DumpLogSegments on compressed batches loglab's producer wrote", () => {
  it("reads loglab's gzip and snappy batches: the codec and every record", async () => {
    loglabDir = mkdtempSync(join(tmpdir(), "loglab-compressed-"));
    const scheduler = new ManualScheduler(1_700_000_000_000);
    const random = new SeededRandom(5);
    const logs = await Broker.open({ storage: new NodeFsStorage(loglabDir), scheduler, random });
    const transport = new InProcessTransport(logs);
    const messages = Array.from({ length: 20 }, (_, i) => ({ key: `k${i % 3}`, value: `value ${i} ${"abc".repeat(i)}`, headers: [{ key: "n", value: String(i) }] }));
    for (const codec of ["gzip", "snappy"] as const) {
      await logs.logs.createTopic(codec, 1);
      const producer = new Producer(transport, { scheduler, random }, { "compression.type": codec });
      await scheduler.runUntilSettled(producer.send({ topic: codec, messages }), 60_000);
      await scheduler.runUntilSettled(producer.close(), 60_000);
    }
    await logs.close();
    for (const codec of ["gzip", "snappy"]) {
      const files = segmentFiles(join(loglabDir, `${codec}-0`));
      const dumped = runJava("kafka.tools.DumpLogSegments", ["--deep-iteration", "--print-data-log", "--files", files.join(",")]);
      expect(dumped.status, dumped.stderr).toBe(0);
      expect(dumped.stderr).toBe("");
      const lines = dumpLines(dumped.stdout);
      const batches = lines.filter((l) => l.startsWith("baseOffset: "));
      expect(batches.length).toBeGreaterThan(0);
      expect(batches.every((l) => l.includes(`compresscodec: ${codec}`) && l.includes("isvalid: true")), batches.join("\n")).toBe(true);
      const records = lines.filter((l) => l.startsWith("| offset: "));
      expect(records.map((l) => [/ key: (\S+)/.exec(l)?.[1], / payload: (.*)$/.exec(l)?.[1]])).toEqual(messages.map((m) => [m.key, m.value]));
    }
  });
});
