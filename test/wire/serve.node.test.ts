// `serve()` against real Kafka clients over TCP: kcat (librdkafka 2.0.2) lists metadata, produces keyed records with
// idempotence into the partitions its default partitioner picks (and a gzip batch), and consumes them back; kafkajs
// 2.2.4 creates a topic, produces idempotently and lists offsets. Raw sockets check that garbage closes only its own connection
// and that a Produce with acks=0 gets no response.

import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createConnection, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consistentPartition, encodeBatch } from "../../src/index.ts";
import { NodeFsStorage } from "../../src/storage/node-fs.ts";
import { apiKeys, decodeResponseFrame, encodeRequestFrame, type ProduceResponse, readFrame } from "../../src/wire/index.ts";
import { serve, type WireServer } from "../../src/wire/node-server.ts";
import { type CliRuntime, runCli, startCli, until } from "../support/cli.ts";

const PARTITIONS = 4;
const TIMEOUT_MS = 60_000;
const REQUEST_BYTES_MAX = 1024 * 1024;
const utf8 = new TextEncoder();

let server: WireServer;
let dir: string;
const logLines: string[] = [];

/** Runs kcat against the server (or `bootstrap`); it must exit 0 unless `mayFail`. */
function kcat(args: readonly string[], input = "", mayFail = false, bootstrap = server.bootstrap): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile("kcat", ["-b", bootstrap, ...args], { timeout: 30_000 }, (error, stdout, stderr) => {
      if (error && !(mayFail && typeof error.code === "number")) reject(new Error(`kcat ${args.join(" ")} failed: ${error.message}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
    child.stdin!.end(input);
  });
}

/** A raw client: writes frames, collects response frames. */
class RawClient {
  readonly frames: Uint8Array[] = [];
  readonly closed: Promise<void>;
  #buffer = new Uint8Array(0);
  #waiters: (() => void)[] = [];
  readonly socket: Socket;

  constructor(port: number) {
    this.socket = createConnection({ host: "127.0.0.1", port });
    this.socket.on("data", (chunk: Buffer) => {
      const all = new Uint8Array(this.#buffer.length + chunk.length);
      all.set(this.#buffer);
      all.set(chunk, this.#buffer.length);
      let at = 0;
      for (let found = readFrame(all, at); found !== null; found = readFrame(all, at)) {
        this.frames.push(found.frame.slice());
        at = found.next;
      }
      this.#buffer = all.slice(at);
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) => this.socket.on("close", () => resolve()));
    this.socket.on("error", () => {});
  }

  async next(): Promise<Uint8Array> {
    while (this.frames.length === 0) await new Promise<void>((resolve) => this.#waiters.push(resolve));
    return this.frames.shift()!;
  }
}

const correlationOf = (frame: Uint8Array): number => new DataView(frame.buffer, frame.byteOffset).getInt32(0);

const apiVersionsFrame = (correlationId: number): Uint8Array =>
  encodeRequestFrame({ apiKey: apiKeys.ApiVersions, apiVersion: 3, correlationId, clientId: "raw" }, {
    clientSoftwareName: "raw", clientSoftwareVersion: "1",
  });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "loglab-serve-"));
  server = await serve({ storage: new NodeFsStorage(dir), port: 0, config: { "num.partitions": String(PARTITIONS), "group.initial.rebalance.delay.ms": "0", "socket.request.max.bytes": String(REQUEST_BYTES_MAX) }, log: (line) => logLines.push(line) });
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("loglab serve with kcat", () => {
  const keys = Array.from({ length: 40 }, (_, i) => `key-${i}`);

  it("lists the broker at its advertised address and a topic it auto-creates", async () => {
    await kcat(["-L", "-t", "listed"]);
    const { stdout } = await kcat(["-L"]);
    expect(stdout).toContain(`broker 0 at ${server.bootstrap}`);
    expect(stdout).toContain(`topic "listed" with ${PARTITIONS} partitions`);
  }, TIMEOUT_MS);

  it("takes keyed idempotent produce into the partitions librdkafka's consistent_random picks, and gives it back", async () => {
    const input = keys.map((key, i) => `${key}:value-${i}\n`).join("");
    await kcat(["-P", "-K:", "-t", "keyed", "-p", "-1", "-X", "enable.idempotence=true"], input);
    const { stdout } = await kcat(["-C", "-t", "keyed", "-e", "-o", "beginning", "-f", "%k:%s:%p:%o\n"]);
    const rows = stdout.trim().split("\n").map((line) => line.split(":"));
    expect(rows.map(([key, value]) => `${key}:${value}`).sort()).toEqual(keys.map((key, i) => `${key}:value-${i}`).sort());
    for (const [key, , partition] of rows) expect(Number(partition)).toBe(consistentPartition(utf8.encode(key!), PARTITIONS));
    // Several partitions are used, and each partition's offsets run 0, 1, 2, … in produce order.
    expect(new Set(rows.map((row) => row[2])).size).toBeGreaterThan(1);
    for (let p = 0; p < PARTITIONS; p++) {
      const inPartition = rows.filter((row) => Number(row[2]) === p);
      expect(inPartition.map((row) => Number(row[3]))).toEqual(inPartition.map((_, i) => i));
      expect(inPartition.map((row) => keys.indexOf(row[0]!))).toEqual(inPartition.map((row) => keys.indexOf(row[0]!)).sort((a, b) => a - b));
    }
  }, TIMEOUT_MS);

  it("takes a gzip-compressed batch and gives its records back (test/wire/compression.node.test.ts has every codec)", async () => {
    const input = Array.from({ length: 100 }, (_, i) => `k:value-${i}\n`).join("");
    await kcat(["-P", "-K:", "-t", "zipped", "-p", "0", "-z", "gzip"], input);
    const { stdout } = await kcat(["-C", "-t", "zipped", "-e", "-o", "beginning", "-f", "%s\n"]);
    expect(stdout).toBe(Array.from({ length: 100 }, (_, i) => `value-${i}\n`).join(""));
  }, TIMEOUT_MS);

  it("wakes a waiting consumer when a record arrives (long poll)", async () => {
    await kcat(["-L", "-t", "polled"]);
    const consumed = kcat(["-C", "-t", "polled", "-p", "0", "-o", "beginning", "-c", "1", "-f", "%s\n"]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await kcat(["-P", "-t", "polled", "-p", "0"], "late\n");
    expect((await consumed).stdout).toBe("late\n");
  }, TIMEOUT_MS);
});

describe("loglab serve with kcat -G (a consumer group)", () => {
  it("consumes as a group member, commits, and a later member resumes after the commit", async () => {
    const group = ["-G", "kcat-group", "-e", "-f", "%k:%s\n", "-X", "auto.offset.reset=earliest", "-X", "enable.auto.commit=true"];
    await kcat(["-P", "-K:", "-t", "grouped", "-p", "-1"], "a:1\nb:2\nc:3\n");
    const first = await kcat([...group, "grouped"]);
    expect(first.stdout.trim().split("\n").sort()).toEqual(["a:1", "b:2", "c:3"]);
    expect(first.stderr).toMatch(/Group kcat-group rebalanced .*assigned/);
    await kcat(["-P", "-K:", "-t", "grouped", "-p", "-1"], "d:4\n");
    expect((await kcat([...group, "grouped"])).stdout).toBe("d:4\n");
  }, TIMEOUT_MS);
});

describe("loglab serve with kafkajs", () => {
  it("creates a topic, produces idempotently and lists the offsets", async () => {
    const kafka = new Kafka({ clientId: "loglab-test", brokers: [server.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
    const admin = kafka.admin();
    await admin.connect();
    try {
      expect(await admin.createTopics({ topics: [{ topic: "kjs", numPartitions: 2 }] })).toBe(true);
      const producer = kafka.producer({ idempotent: true });
      await producer.connect();
      const sent = await producer.send({ topic: "kjs", messages: [{ value: "one", partition: 1 }, { value: "two", partition: 1 }, { value: "three", partition: 0 }] });
      await producer.disconnect();
      expect(sent.map((r) => r.errorCode)).toEqual(sent.map(() => 0));
      const offsets = await admin.fetchTopicOffsets("kjs");
      expect(offsets.map(({ partition, high, low }) => ({ partition, high, low })).sort((a, b) => a.partition - b.partition))
        .toEqual([{ partition: 0, high: "1", low: "0" }, { partition: 1, high: "2", low: "0" }]);
    } finally {
      await admin.disconnect();
    }
    const { stdout } = await kcat(["-C", "-t", "kjs", "-p", "1", "-e", "-o", "beginning", "-f", "%s\n"]);
    expect(stdout).toBe("one\ntwo\n");
  }, TIMEOUT_MS);

  it("reads back with a consumer group (consumer.run)", async () => {
    const kafka = new Kafka({ clientId: "loglab-test", brokers: [server.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: "kjs-group", messages: ["x", "y", "z"].map((value) => ({ key: value, value })) });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: "kjs-readers", sessionTimeout: 10_000, heartbeatInterval: 500 });
    await consumer.connect();
    const seen: string[] = [];
    try {
      await consumer.subscribe({ topic: "kjs-group", fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
      await until(() => seen.length >= 3, "kafkajs to read three records");
    } finally {
      await consumer.disconnect();
    }
    expect(seen.sort()).toEqual(["x", "y", "z"]);
  }, TIMEOUT_MS);
});

describe("loglab serve with raw sockets", () => {
  it("closes a connection that sends garbage while another keeps working", async () => {
    const good = new RawClient(server.port);
    good.socket.write(apiVersionsFrame(1));
    expect(correlationOf(await good.next())).toBe(1);
    const bad = new RawClient(server.port);
    bad.socket.write(new Uint8Array([0, 0, 0, 8, 0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef]));
    await bad.closed;
    expect(bad.frames).toEqual([]);
    good.socket.write(apiVersionsFrame(2));
    expect(correlationOf(await good.next())).toBe(2);
    good.socket.destroy();
    expect(logLines.some((line) => /closed: (malformed request|API key)/.test(line))).toBe(true);
  }, TIMEOUT_MS);

  it("closes a connection whose request is over socket.request.max.bytes, and logs why", async () => {
    const client = new RawClient(server.port);
    const size = new Uint8Array(4);
    new DataView(size.buffer).setInt32(0, REQUEST_BYTES_MAX + 1);
    client.socket.write(size);
    await client.closed;
    expect(logLines.some((line) => line.includes(`${REQUEST_BYTES_MAX + 1} bytes is over the limit of ${REQUEST_BYTES_MAX}`))).toBe(true);
    const { stdout } = await kcat(["-L"]);
    expect(stdout).toContain(`broker 0 at ${server.bootstrap}`);
  }, TIMEOUT_MS);

  it("answers nothing to a Produce with acks=0 but stores it", async () => {
    await kcat(["-L", "-t", "quiet"]);
    const client = new RawClient(server.port);
    const produce = (correlationId: number, acks: number, value: string): Uint8Array => {
      const records = encodeBatch({ baseOffset: 0, records: [{ key: null, value: utf8.encode(value), timestamp: Date.now() }] });
      return encodeRequestFrame({ apiKey: apiKeys.Produce, apiVersion: 7, correlationId, clientId: "raw" }, {
        transactionalId: null, acks, timeoutMs: 1000, topicData: [{ name: "quiet", partitionData: [{ index: 0, records }] }],
      });
    };
    client.socket.write(produce(5, 0, "hush"));
    client.socket.write(produce(6, 1, "loud"));
    const frame = await client.next();
    expect(correlationOf(frame)).toBe(6);
    const { body } = decodeResponseFrame(apiKeys.Produce, 7, frame);
    // Appended after the unanswered one, which took offset 0.
    expect((body as ProduceResponse).responses[0]!.partitionResponses[0]).toMatchObject({ errorCode: 0, baseOffset: 1n });
    const { stdout } = await kcat(["-C", "-t", "quiet", "-p", "0", "-e", "-o", "beginning", "-f", "%s\n"]);
    expect(stdout).toBe("hush\nloud\n");
    client.socket.destroy();
    await client.closed;
    expect(client.frames).toEqual([]);
  }, TIMEOUT_MS);
});

describe.each<CliRuntime>(["node", "deno"])("the loglab serve command (%s)", (runtime) => {
  it("serves kcat, holds the data dir's lock and closes cleanly on SIGTERM", async () => {
    const data = mkdtempSync(join(tmpdir(), "loglab-serve-cli-"));
    try {
      const served = startCli(runtime, ["serve", "--data-dir", data, "--port", "0", "--config", "num.partitions=2"]);
      await until(() => /listening on (\S+)/.test(served.output().stdout), "the server's address");
      const bootstrap = /listening on (\S+)/.exec(served.output().stdout)![1]!;
      await kcat(["-P", "-t", "cli", "-p", "1"], "hello\nworld\n", false, bootstrap);
      const { stdout } = await kcat(["-C", "-t", "cli", "-p", "1", "-e", "-o", "beginning", "-f", "%s\n"], "", false, bootstrap);
      expect(stdout).toBe("hello\nworld\n");
      expect(runCli(runtime, ["topics", "--data-dir", data, "--create", "other"]).status).toBe(1);
      served.child.kill("SIGTERM");
      expect(await served.exit).toBe(143);
      const { stdout: printed } = served.output();
      expect(printed).toMatch(/client 127\.0\.0\.1:\d+ connected/);
      expect(printed).toContain("loglab serve: closed cleanly");
      const check = runCli(runtime, ["check", "--data-dir", data]);
      expect(check.status).toBe(0);
      expect(runCli(runtime, ["consume", "cli", "--data-dir", data, "--partition", "1", "--from-beginning"]).stdout).toBe("hello\nworld\n");
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  }, TIMEOUT_MS);

  it("refuses an unknown flag as a usage error", () => {
    const result = runCli(runtime, ["serve", "--data-dir", "unused", "--bogus"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("--bogus");
  }, TIMEOUT_MS);
});
