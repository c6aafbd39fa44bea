// Side by side, in one run: the same clients against `loglab serve` and against an Apache Kafka broker (one KRaft
// node, as `npm run kafka` starts it) on this machine. librdkafka through kcat and Kafka's own ProducerPerformance and
// ConsumerPerformance; each row's "loglab" is `loglab serve` and "kafka" is Apache Kafka, so the ratio printed is
// loglab serve's figure over Kafka's. Both store on the filesystem; neither fsyncs each write (Kafka's default). Each
// broker runs in a process of its own, `loglab serve` as the command line starts it.
// Then loglab's own clients on the real broker next to Kafka's Java client there ("java"; the ratio printed is
// loglab's client over Java's), both from their own process's clock, 100-byte records.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loglabConsume, loglabProduce } from "./clients.ts";
import { median, type Report } from "./harness.ts";
import {
  javaConsume, javaProduce, kafkaMissing, kcatConsume, kcatMissing, kcatProduce, recordFile, startKafka, startLoglabServe,
} from "./peers.ts";

/**
 * Consuming re-reads what is stored, so each consume row is the median of this many runs: a single run of well
 * under a second moves by up to half between runs on this machine (a JVM still warming up, the OS writing back
 * what was just produced), for either broker.
 */
const CONSUME_RUNS = 3;

async function medianOf(runs: number, measure: () => Promise<number>): Promise<number> {
  const rates: number[] = [];
  for (let i = 0; i < runs; i++) rates.push(await measure());
  return median(rates);
}

const SMALL = { count: 1_000_000, size: 100, label: "100B" } as const;
const LARGE = { count: 200_000, size: 1024, label: "1KiB" } as const;

interface Target {
  readonly impl: "loglab" | "kafka";
  readonly bootstrap: string;
}

/** Which rows to measure: every row, or those whose name holds one of the words (`--rows`). */
type Wanted = (bench: string) => boolean;

async function measure(report: Report, target: Target, files: { small: string; large: string }, kcat: boolean, wanted: Wanted): Promise<void> {
  const { impl, bootstrap } = target;
  if (kcat) {
    for (const shape of [SMALL, LARGE]) {
      const file = shape === SMALL ? files.small : files.large;
      const consume = `kafka-kcat-consume-${shape.label}`;
      for (const acks of ["1", "all"] as const) {
        const topic = `kcat-${shape.label}-acks-${acks}`;
        const bench = `kafka-kcat-produce-${shape.label}-acks-${acks}`;
        // The consume row reads what acks=1 wrote.
        if (!wanted(bench) && !(acks === "1" && wanted(consume))) continue;
        const rate = await kcatProduce(bootstrap, topic, file, shape.count, acks);
        if (wanted(bench)) report.add(bench, impl, rate, "records/s");
      }
      if (wanted(consume)) {
        report.add(consume, impl, await medianOf(CONSUME_RUNS, () => kcatConsume(bootstrap, `kcat-${shape.label}-acks-1`, shape.count)), "records/s");
      }
    }
  }
  for (const shape of [SMALL, LARGE]) {
    const consume = `kafka-java-consume-${shape.label}`;
    for (const acks of ["1", "all"] as const) {
      const topic = `java-${shape.label}-acks-${acks}`;
      const bench = `kafka-java-produce-${shape.label}-acks-${acks}`;
      if (!wanted(bench) && !(acks === "1" && wanted(consume))) continue;
      const { rate, p50, p99 } = await javaProduce(bootstrap, topic, shape.count, shape.size, acks);
      if (!wanted(bench)) continue;
      report.add(bench, impl, rate, "records/s");
      report.add(`${bench}-latency-p50`, impl, p50, "ms");
      report.add(`${bench}-latency-p99`, impl, p99, "ms");
    }
    if (wanted(consume)) {
      report.add(consume, impl, await medianOf(CONSUME_RUNS, () => javaConsume(bootstrap, `java-${shape.label}-acks-1`, shape.count)), "records/s");
    }
  }
}

export async function benchKafka(report: Report, options: { readonly rows?: readonly string[] | undefined } = {}): Promise<void> {
  const { rows } = options;
  const wanted: Wanted = (bench) => rows === undefined || rows.some((word) => bench.includes(word));
  const missing = kafkaMissing();
  if (missing !== null) {
    console.error(`bench kafka: skipped (${missing})`);
    return;
  }
  const kcatAbsent = kcatMissing();
  if (kcatAbsent !== null) console.error(`bench kafka: librdkafka rows skipped (${kcatAbsent})`);
  const dir = mkdtempSync(join(tmpdir(), "loglab-bench-kafka-"));
  try {
    const files = { small: recordFile(dir, SMALL.count, SMALL.size), large: recordFile(dir, LARGE.count, LARGE.size) };
    // One at a time: the two brokers never share the two cores during a measurement.
    const server = await startLoglabServe(join(dir, "loglab"));
    try {
      await measure(report, { impl: "loglab", bootstrap: server.bootstrap }, files, kcatAbsent === null, wanted);
    } finally {
      await server.stop();
    }
    const kafka = await startKafka();
    try {
      await measure(report, { impl: "kafka", bootstrap: kafka.bootstrap }, files, kcatAbsent === null, wanted);
      // loglab's own clients next to the Java client's figures above: a full run only (--rows measures a subset).
      if (rows !== undefined) return;
      for (const acks of ["1", "all"] as const) {
        const bench = `kafka-client-produce-${SMALL.label}-acks-${acks}`;
        report.add(bench, "loglab", await loglabProduce(kafka.bootstrap, `loglab-${SMALL.label}-acks-${acks}`, SMALL.count, SMALL.size, acks), "records/s");
        report.add(bench, "java", report.value(`kafka-java-produce-${SMALL.label}-acks-${acks}`, "kafka")!, "records/s");
      }
      const consume = `kafka-client-consume-${SMALL.label}`;
      report.add(consume, "loglab", await medianOf(CONSUME_RUNS, () => loglabConsume(kafka.bootstrap, `loglab-${SMALL.label}-acks-1`, SMALL.count)), "records/s");
      report.add(consume, "java", report.value(`kafka-java-consume-${SMALL.label}`, "kafka")!, "records/s");
    } finally {
      await kafka.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
