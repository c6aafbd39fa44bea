// loglab reads what Apache Kafka wrote: a real broker (KRaft, one node) takes
// keyed, header-carrying records and tombstones from Kafka's console producer,
// in two runs so that it rolls a segment, and three transactions (committed,
// aborted, committed) from Kafka's Java producer; then it stops cleanly, and
// `loglab consume` on its log dir prints what Kafka's console consumer
// printed for the topic. Kafka compresses nothing here: compressed batches
// have their own broker run in compressed-segments.node.test.ts.

import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.ts";
import { type KafkaBroker, startKafkaBroker } from "./broker.ts";
import { kafkaLibs, kafkaLog4j, runJava } from "./kafka.ts";

const TOPIC = "talk";
// Console producer lines: headers TAB key TAB value (parse.headers, parse.key), then, in
// the second run, key TAB value with no headers; "<null>" is a null value.
const firstRun = [
  "source:web,trace:a1\tuser-1\tsigned up",
  "source:app\tuser-2\tsigned up",
  "source:app\tuser-1\tchanged e-mail",
  "lang:de\tuser-3\tünïcödé ✓",
];
const secondRun = [
  "user-2\t<null>",
  "user-1\t<null>",
  "user-4\t" + "x".repeat(150),
];
/** Records the Java producer writes: three transactions, the second aborted (read_uncommitted consumers see it). */
const TRANSACTIONAL_RECORDS = 4;
const RECORDS = firstRun.length + secondRun.length + TRANSACTIONAL_RECORDS;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let broker: KafkaBroker;
let kafkaPrinted: string;
let stoppedWith: string;

function consoleProduce(lines: readonly string[], headers: boolean): void {
  const result = runJava("org.apache.kafka.tools.ConsoleProducer", [
    "--bootstrap-server", broker.bootstrap, "--topic", TOPIC,
    "--property", "parse.key=true", "--property", `parse.headers=${headers}`, "--property", "null.marker=<null>",
    "--producer-property", "compression.type=none", "--producer-property", "linger.ms=0",
  ], lines.join("\n") + "\n");
  expect(result.status, result.stderr).toBe(0);
}

beforeAll(async () => {
  broker = await startKafkaBroker();
  // segment.ms=1000: the broker rolls the segment on the first append a second after the segment began.
  const created = runJava("org.apache.kafka.tools.TopicCommand", [
    "--bootstrap-server", broker.bootstrap, "--create", "--topic", TOPIC, "--partitions", "1", "--replication-factor", "1",
    "--config", "segment.ms=1000",
  ]);
  expect(created.status, created.stderr).toBe(0);
  consoleProduce(firstRun, true);
  await sleep(1_500);
  consoleProduce(secondRun, false);
  await sleep(1_500);
  const source = fileURLToPath(new URL("TransactionalProducer.java", import.meta.url));
  const transactional = spawnSync("java", [`-Dlog4j2.configurationFile=${kafkaLog4j}`, "-cp", join(kafkaLibs, "*"), source, broker.bootstrap, TOPIC], {
    encoding: "utf8",
  });
  expect(transactional.status, transactional.stderr).toBe(0);

  const consumed = runJava("org.apache.kafka.tools.consumer.ConsoleConsumer", [
    "--bootstrap-server", broker.bootstrap, "--topic", TOPIC, "--from-beginning", "--max-messages", String(RECORDS), "--timeout-ms", "60000",
    "--property", "print.timestamp=true", "--property", "print.partition=true", "--property", "print.offset=true",
    "--property", "print.headers=true", "--property", "print.key=true",
  ]);
  expect(consumed.status, consumed.stderr).toBe(0);
  kafkaPrinted = consumed.stdout;
  stoppedWith = await broker.stop();
});

afterAll(async () => {
  await broker?.dispose();
});

/** A `loglab consume --format json` line as Kafka's console consumer prints a record with the properties above. */
function asKafkaPrints(line: string): string {
  const r = JSON.parse(line) as { partition: number; offset: number; timestamp: number; key: string | null; value: string | null; headers: { key: string; value: string | null }[] };
  const headers = r.headers.length === 0 ? "NO_HEADERS" : r.headers.map((h) => `${h.key}:${h.value}`).join(",");
  return [`CreateTime:${r.timestamp}`, `Partition:${r.partition}`, `Offset:${r.offset}`, headers, r.key, r.value].map(String).join("\t");
}

describe.sequential("loglab on a data dir Apache Kafka wrote", () => {
  it("Kafka stopped cleanly, leaving rolled segments, its metadata log and its checkpoint files", () => {
    expect(["SIGTERM", "exit 0", "exit 143"]).toContain(stoppedWith);
    const entries = readdirSync(broker.logDir);
    // A broker killed before its shutdown finished would leave no .kafka_cleanshutdown.
    expect(entries).toEqual(expect.arrayContaining([
      ".kafka_cleanshutdown", "__cluster_metadata-0", "__transaction_state-0", "meta.properties", "recovery-point-offset-checkpoint", `${TOPIC}-0`,
    ]));
    const segments = readdirSync(join(broker.logDir, `${TOPIC}-0`)).filter((f) => f.endsWith(".log"));
    expect(segments.length).toBeGreaterThanOrEqual(2);
    expect(existsSync(join(broker.logDir, `${TOPIC}-0`, "leader-epoch-checkpoint"))).toBe(true);
  });

  it("wrote uncompressed batches, transactional ones among them, and COMMIT and ABORT markers", () => {
    const folder = join(broker.logDir, `${TOPIC}-0`);
    const files = readdirSync(folder).filter((f) => f.endsWith(".log")).sort().map((f) => join(folder, f));
    const dumped = runJava("kafka.tools.DumpLogSegments", ["--deep-iteration", "--files", files.join(",")]);
    expect(dumped.status, dumped.stderr).toBe(0);
    const batches = dumped.stdout.split("\n").filter((l) => l.startsWith("baseOffset: "));
    expect(batches.length).toBeGreaterThan(0);
    expect(batches.every((l) => l.includes("compresscodec: none"))).toBe(true);
    expect(batches.some((l) => l.includes("isTransactional: true isControl: false"))).toBe(true);
    const markers = dumped.stdout.split("\n").map((l) => / endTxnMarker: (\w+)/.exec(l)?.[1]).filter((m) => m !== undefined);
    expect(markers).toEqual(["COMMIT", "ABORT", "COMMIT"]);
  });

  it("Kafka's console consumer printed every record produced, tombstones as null", () => {
    const lines = kafkaPrinted.trimEnd().split("\n");
    expect(lines).toHaveLength(RECORDS);
    expect(lines.map((l) => l.split("\t").slice(3).join("\t"))).toEqual([
      "source:web,trace:a1\tuser-1\tsigned up",
      "source:app\tuser-2\tsigned up",
      "source:app\tuser-1\tchanged e-mail",
      "lang:de\tuser-3\tünïcödé ✓",
      "NO_HEADERS\tuser-2\tnull",
      "NO_HEADERS\tuser-1\tnull",
      `NO_HEADERS\tuser-4\t${"x".repeat(150)}`,
      "outcome:commit\torder-1\tpay 1",
      "outcome:commit\torder-2\tpay 2",
      "outcome:abort\torder-1\tpay 3",
      "outcome:commit\torder-1\tpay 4",
    ]);
  });

  it("`loglab consume --from-beginning --format json` on Kafka's log dir prints exactly what Kafka's console consumer printed", () => {
    const result = runCli("node", ["consume", TOPIC, "--data-dir", broker.logDir, "--from-beginning", "--format", "json"]);
    expect(result.status, result.stderr).toBe(0);
    const loglab = result.stdout.trimEnd().split("\n").map(asKafkaPrints);
    expect(loglab.join("\n")).toBe(kafkaPrinted.trimEnd());
  });
});
