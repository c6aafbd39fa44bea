// The peers the wire and Kafka benchmarks measure against, run as separate processes so that they are what a user
// runs: kcat (librdkafka), Apache Kafka's ProducerPerformance and ConsumerPerformance (Kafka's Java client), and an
// Apache Kafka broker. Each is found, or its absence reported, once; a missing peer skips its rows, saying why.

import { spawn, spawnSync } from "node:child_process";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

const root = process.cwd();
const kafkaLibs = join(root, ".cache", "kafka", "libs");
const kafkaLog4j = join(root, "test", "kafka", "log4j2.properties");

/** Why kcat cannot run here, or null when it can. */
export function kcatMissing(): string | null {
  const probe = spawnSync("kcat", ["-V"], { encoding: "utf8" });
  return probe.error === undefined ? null : "kcat is not installed";
}

/** Why Kafka's jars cannot run here, or null when they can. */
export function kafkaMissing(): string | null {
  if (spawnSync("java", ["-version"]).error !== undefined) return "java is not installed";
  if (!existsSync(join(kafkaLibs, ".pom-sha256"))) return "Kafka's jars are missing: run `npm run kafka:fetch`";
  return null;
}

export interface Finished {
  readonly seconds: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to its end, timing it from spawn to exit; a non-zero exit throws with its output. */
export function timed(command: string, args: readonly string[], options: { readonly stdout?: "pipe" | "ignore" } = {}): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(command, args, { stdio: ["ignore", options.stdout ?? "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      const seconds = (performance.now() - start) / 1000;
      if (code === 0) resolve({ seconds, stdout, stderr });
      else reject(new Error(`${command} ${args.join(" ")} ended with ${code ?? signal}:\n${stderr.slice(-2000)}${stdout.slice(-2000)}`));
    });
  });
}

/** A file of `count` lines of `size` bytes each (newline excluded): kcat -l sends one record per line. */
export function recordFile(dir: string, count: number, size: number): string {
  const path = join(dir, `records-${count}x${size}.txt`);
  const line = `${"v".repeat(size)}\n`;
  const chunk = line.repeat(10_000);
  const parts: string[] = [];
  for (let written = 0; written < count; written += 10_000) parts.push(written + 10_000 <= count ? chunk : line.repeat(count - written));
  writeFileSync(path, parts.join(""));
  return path;
}

/** kcat producing every line of `file` to `topic`; records/s from spawn to exit. */
export async function kcatProduce(bootstrap: string, topic: string, file: string, count: number, acks: "1" | "all"): Promise<number> {
  const { seconds } = await timed("kcat", [
    "-P", "-b", bootstrap, "-t", topic, "-p", "0", "-l", file, "-X", `acks=${acks === "all" ? "-1" : "1"}`,
    "-X", "linger.ms=5", "-X", "queue.buffering.max.messages=1000000", "-X", "batch.size=1000000",
  ]);
  return count / seconds;
}

/** kcat reading `count` records of `topic` from the beginning to /dev/null; records/s from spawn to exit. */
export async function kcatConsume(bootstrap: string, topic: string, count: number): Promise<number> {
  const { seconds } = await timed("kcat", ["-C", "-b", bootstrap, "-t", topic, "-p", "0", "-o", "beginning", "-c", String(count), "-q"], { stdout: "ignore" });
  return count / seconds;
}

function javaArgs(mainClass: string, args: readonly string[]): string[] {
  return ["-Xmx512m", `-Dlog4j2.configurationFile=${kafkaLog4j}`, "-cp", join(kafkaLibs, "*"), mainClass, ...args];
}

export interface ProducerPerformance {
  readonly rate: number;
  readonly p50: number;
  readonly p99: number;
}

/** Kafka's ProducerPerformance (its Java producer) sending `count` records of `size` bytes: its own figures. */
export async function javaProduce(bootstrap: string, topic: string, count: number, size: number, acks: "1" | "all"): Promise<ProducerPerformance> {
  const { stdout } = await timed("java", javaArgs("org.apache.kafka.tools.ProducerPerformance", [
    "--topic", topic, "--num-records", String(count), "--record-size", String(size), "--throughput", "-1",
    "--producer-props", `bootstrap.servers=${bootstrap}`, `acks=${acks}`, "linger.ms=5", "batch.size=262144", "enable.idempotence=false",
  ]));
  // The summary line: "N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency, P50 ms 50th, P95 ms 95th, P99 ms 99th, …".
  const summary = stdout.trim().split("\n").findLast((line) => line.includes("50th"));
  const match = summary?.match(/([\d.]+) records\/sec.*?(\d+) ms 50th, \d+ ms 95th, (\d+) ms 99th/);
  if (match === undefined || match === null) throw new Error(`ProducerPerformance printed no summary:\n${stdout}`);
  return { rate: Number(match[1]), p50: Number(match[2]), p99: Number(match[3]) };
}

/** Kafka's ConsumerPerformance (its Java consumer) reading `count` records: records/s as it reports them. */
export async function javaConsume(bootstrap: string, topic: string, count: number): Promise<number> {
  const { stdout } = await timed("java", javaArgs("org.apache.kafka.tools.ConsumerPerformance", [
    "--bootstrap-server", bootstrap, "--topic", topic, "--messages", String(count), "--timeout", "60000",
  ]));
  // CSV: start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
  const row = stdout.trim().split("\n").at(-1)!.split(",").map((cell) => cell.trim());
  const consumed = Number(row[4]);
  if (!(consumed >= count)) throw new Error(`ConsumerPerformance read ${row[4]} of ${count} records:\n${stdout}`);
  return Number(row[9]);
}

export interface StartedBroker {
  readonly bootstrap: string;
  stop(): Promise<void>;
}

/**
 * One Apache Kafka broker, started by `npm run kafka`'s script (KRaft, loopback, 1 GiB heap); stop() ends it with
 * SIGTERM and removes the temporary folder its log dir is in.
 */
export function startKafka(): Promise<StartedBroker> {
  const deno = join(root, "node_modules", ".bin", "deno");
  const child = spawn(deno, ["run", "--allow-all", "--config", "deno.json", "test/kafka/start-broker.ts"], {
    stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, DENO_NO_UPDATE_CHECK: "1" },
  });
  let output = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return new Promise((resolve, reject) => {
    const listen = (chunk: Buffer) => {
      output += chunk.toString();
      const up = output.match(/Kafka is up: bootstrap (\S+)\nlog dir: (\S+)\n/);
      if (up !== null) {
        child.stdout!.off("data", listen);
        const logDir = up[2]!;
        resolve({
          bootstrap: up[1]!,
          stop: async () => {
            child.kill("SIGTERM");
            await exited;
            rmSync(dirname(logDir), { recursive: true, force: true });
          },
        });
      }
    };
    child.stdout!.on("data", listen);
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    void exited.then(() => reject(new Error(`Apache Kafka did not start:\n${output.slice(-3000)}`)));
  });
}

/**
 * `loglab serve` on `dataDir` in a process of its own, as a user runs it and as Kafka runs beside it (the bench's
 * own process, its heap and event loop, is then not the server's); stop() ends it with SIGTERM, a clean shutdown.
 */
export function startLoglabServe(dataDir: string): Promise<StartedBroker> {
  const main = join(root, ".cache", "bench-build", "src", "cli", "main.js");
  const child = spawn(process.execPath, [main, "serve", "--data-dir", dataDir, "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return new Promise((resolve, reject) => {
    const listen = (chunk: Buffer) => {
      output += chunk.toString();
      const up = output.match(/listening on (\S+)\n/);
      if (up === null) return;
      child.stdout!.off("data", listen);
      // Connection lines keep coming: read and drop them, so that a full pipe never stalls the server.
      child.stdout!.resume();
      resolve({
        bootstrap: up[1]!,
        stop: async () => {
          child.kill("SIGTERM");
          await exited;
        },
      });
    };
    child.stdout!.on("data", listen);
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    void exited.then(() => reject(new Error(`loglab serve did not start:\n${output.slice(-3000)}`)));
  });
}
