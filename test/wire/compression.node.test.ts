// Compressed produce over the Kafka wire: kcat (librdkafka 2.0.2) sends keyed,
// header-carrying records with each of Kafka's codecs to `serve()`; kcat's
// consumer gets back the stored compressed batches unchanged and prints the
// same records, and so does `loglab consume` on the data dir. The gzip of
// kafkajs and of kafka-python, and loglab's own gzip and snappy batches, go the same way. A batch with codec
// id 5 is answered UNSUPPORTED_COMPRESSION_TYPE (76) and nothing is stored, and a
// compressed batch that does not decompress is CORRUPT_MESSAGE (2).

import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CompressionTypes, Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BATCH_CRC_START, BATCH_HEADER, BATCH_HEADER_BYTES, crc32c, decodeBatches, encodeBatch } from "../../src/index.ts";
import { NodeFsStorage } from "../../src/storage/node-fs.ts";
import { apiKeys, decodeResponseFrame, encodeRequestFrame, type FetchResponse, type ProduceResponse, readFrame } from "../../src/wire/index.ts";
import { serve, type WireServer } from "../../src/wire/node-server.ts";
import { runCli } from "../support/cli.ts";
import { createConnection } from "node:net";

const TIMEOUT_MS = 60_000;
const CODECS = ["gzip", "snappy", "lz4", "zstd"] as const;
const FORMAT = "%k|%s|%h|%o\n";

let server: WireServer;
let dir: string;
/** What kcat -C printed for each topic, while the server ran. */
const kcatPrinted = new Map<string, string>();

function kcat(args: readonly string[], input = "", mayFail = false): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile("kcat", ["-b", server.bootstrap, ...args], { timeout: 30_000 }, (error, stdout, stderr) => {
      if (error && !(mayFail && typeof error.code === "number")) reject(new Error(`kcat ${args.join(" ")} failed: ${error.message}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
    child.stdin!.end(input);
  });
}

const linesFor = (topic: string) =>
  Array.from({ length: 40 }, (_, i) => `key-${i % 5}:${topic} value ${i} ${"lorem ipsum ".repeat(i % 7)}\n`).join("");

/** Sends one request frame on a new connection and returns the response frame. */
function roundTrip(frame: Uint8Array): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: "127.0.0.1", port: server.port });
    let buffer = new Uint8Array(0);
    socket.on("data", (chunk: Buffer) => {
      const all = new Uint8Array(buffer.length + chunk.length);
      all.set(buffer);
      all.set(chunk, buffer.length);
      buffer = all;
      const found = readFrame(buffer, 0);
      if (found !== null) {
        socket.destroy();
        resolve(found.frame.slice());
      }
    });
    socket.on("error", reject);
    socket.write(frame);
  });
}

async function produceRaw(topic: string, records: Uint8Array): Promise<number> {
  const frame = encodeRequestFrame({ apiKey: apiKeys.Produce, apiVersion: 7, correlationId: 1, clientId: "raw" }, {
    transactionalId: null, acks: -1, timeoutMs: 1000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
  });
  const { body } = decodeResponseFrame(apiKeys.Produce, 7, await roundTrip(frame));
  return (body as ProduceResponse).responses[0]!.partitionResponses[0]!.errorCode;
}

async function fetchRaw(topic: string): Promise<Uint8Array> {
  const frame = encodeRequestFrame({ apiKey: apiKeys.Fetch, apiVersion: 4, correlationId: 2, clientId: "raw" }, {
    replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0,
    topics: [{ topic, partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }] }],
  });
  const { body } = decodeResponseFrame(apiKeys.Fetch, 4, await roundTrip(frame));
  return (body as FetchResponse).responses[0]!.partitions[0]!.records!;
}

function withCodecId(batch: Uint8Array, id: number): Uint8Array {
  const out = batch.slice();
  out[BATCH_HEADER.attributes.offset + 1] = (out[BATCH_HEADER.attributes.offset + 1]! & ~7) | id;
  new DataView(out.buffer).setUint32(BATCH_HEADER.crc.offset, crc32c(out.subarray(BATCH_CRC_START)));
  return out;
}

/** `loglab consume` on the data dir, as kcat's FORMAT prints records. */
function loglabPrints(topic: string): string {
  const result = runCli("node", ["consume", topic, "--data-dir", dir, "--from-beginning", "--format", "json"]);
  expect(result.status, result.stderr).toBe(0);
  return result.stdout.trimEnd().split("\n").map((line) => {
    const r = JSON.parse(line) as { offset: number; key: string | null; value: string | null; headers: { key: string; value: string | null }[] };
    return `${r.key ?? ""}|${r.value ?? ""}|${r.headers.map((h) => `${h.key}=${h.value}`).join(",")}|${r.offset}\n`;
  }).join("");
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "loglab-wire-compression-"));
  server = await serve({ storage: new NodeFsStorage(dir), port: 0, config: { "num.partitions": "1" }, log: () => {} });
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe.sequential("compressed produce over the Kafka wire", () => {
  for (const codec of CODECS) {
    it(`kcat -z ${codec}: stored compressed as sent, fetched unchanged, read back by kcat`, async () => {
      const topic = `kcat-${codec}`;
      await kcat(["-P", "-K:", "-t", topic, "-p", "0", "-z", codec, "-H", "via=kcat", "-H", `codec=${codec}`], linesFor(topic));
      const fetched = await fetchRaw(topic);
      const batches = decodeBatches(fetched);
      expect(batches.some((b) => b.compression === codec)).toBe(true);
      // The fetched bytes are what the log holds, which is what kcat sent: its CRC still holds.
      expect(batches.every((b) => b.crc === crc32c(b.bytes.subarray(BATCH_CRC_START)))).toBe(true);
      const { stdout } = await kcat(["-C", "-t", topic, "-e", "-o", "beginning", "-f", FORMAT]);
      const expected = linesFor(topic).split("\n").filter((l) => l !== "").map((line, i) => {
        const [key, value] = line.split(/:(.*)/);
        return `${key}|${value}|via=kcat,codec=${codec}|${i}\n`;
      }).join("");
      expect(stdout).toBe(expected);
      kcatPrinted.set(topic, stdout);
    }, TIMEOUT_MS);
  }

  it("kafkajs's gzip and loglab's gzip and snappy batches are read back by kcat", async () => {
    const kafka = new Kafka({ clientId: "loglab-test", brokers: [server.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
    const producer = kafka.producer();
    await producer.connect();
    const messages = Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `kafkajs ${i} ${"z".repeat(i * 10)}`, headers: { n: String(i) } }));
    await producer.send({ topic: "kafkajs-gzip", compression: CompressionTypes.GZIP, messages });
    await producer.disconnect();
    expect(decodeBatches(await fetchRaw("kafkajs-gzip")).map((b) => b.compression)).toEqual(["gzip"]);
    const { stdout } = await kcat(["-C", "-t", "kafkajs-gzip", "-e", "-o", "beginning", "-f", FORMAT]);
    expect(stdout).toBe(messages.map((m, i) => `${m.key}|${m.value}|n=${i}|${i}\n`).join(""));
    kcatPrinted.set("kafkajs-gzip", stdout);

    for (const codec of ["gzip", "snappy"] as const) {
      const topic = `loglab-${codec}`;
      const records = Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `loglab ${i} ${"y".repeat(i * 10)}`, headers: [{ key: "n", value: String(i) }] }));
      expect(await produceRaw(topic, encodeBatch({ baseTimestamp: Date.now(), records }, { compression: codec }))).toBe(0);
      const printed = await kcat(["-C", "-t", topic, "-e", "-o", "beginning", "-f", FORMAT]);
      expect(printed.stdout).toBe(records.map((r, i) => `${r.key}|${r.value}|n=${i}|${i}\n`).join(""));
      kcatPrinted.set(topic, printed.stdout);
    }
  }, TIMEOUT_MS);

  it("kafka-python 2.0.2's gzip batches (Python's zlib) are read back by kcat", async () => {
    const script = [
      "import sys",
      "from kafka import KafkaProducer",
      "p = KafkaProducer(bootstrap_servers=sys.argv[1], compression_type='gzip', api_version=(2, 5, 0), linger_ms=50)",
      "for i in range(10): p.send('python-gzip', key=b'k%d' % i, value=b'python %d ' % i + b'q' * (i * 10), headers=[('n', str(i).encode())], partition=0)",
      "p.flush()",
      "p.close()",
    ].join("\n");
    // Debian's python, which has kafka-python (the python on PATH may not).
    await new Promise<void>((resolve, reject) => {
      execFile("/usr/bin/python3", ["-c", script, server.bootstrap], { timeout: 30_000 }, (error, _stdout, stderr) =>
        error ? reject(new Error(`kafka-python failed: ${error.message}\n${stderr}`)) : resolve());
    });
    const batches = decodeBatches(await fetchRaw("python-gzip"));
    expect(batches.length).toBeGreaterThan(0);
    expect(batches.every((b) => b.compression === "gzip")).toBe(true);
    const { stdout } = await kcat(["-C", "-t", "python-gzip", "-e", "-o", "beginning", "-f", FORMAT]);
    expect(stdout).toBe(Array.from({ length: 10 }, (_, i) => `k${i}|python ${i} ${"q".repeat(i * 10)}|n=${i}|${i}\n`).join(""));
    kcatPrinted.set("python-gzip", stdout);
  }, TIMEOUT_MS);

  it("answers codec id 5 with UNSUPPORTED_COMPRESSION_TYPE (76) and a batch that does not decompress with CORRUPT_MESSAGE (2), storing nothing", async () => {
    const plain = encodeBatch({ baseTimestamp: Date.now(), records: [{ key: "k", value: "v" }] });
    expect(await produceRaw("refused", withCodecId(plain, 5))).toBe(76);
    expect(await produceRaw("refused", withCodecId(plain, 3))).toBe(2);
    const gzip = encodeBatch({ baseTimestamp: Date.now(), records: [{ key: "k", value: "v".repeat(100) }] }, { compression: "gzip" });
    const garbled = gzip.slice();
    garbled[BATCH_HEADER_BYTES + 12] = garbled[BATCH_HEADER_BYTES + 12]! ^ 0xff;
    new DataView(garbled.buffer).setUint32(BATCH_HEADER.crc.offset, crc32c(garbled.subarray(BATCH_CRC_START)));
    expect(await produceRaw("refused", garbled)).toBe(2);
    expect(await fetchRaw("refused")).toEqual(new Uint8Array(0));
    const { stdout } = await kcat(["-C", "-t", "refused", "-e", "-o", "beginning", "-f", "%s\n"]);
    expect(stdout).toBe("");
  }, TIMEOUT_MS);

  it("`loglab consume` on the data dir prints the records kcat's consumer printed, for every codec and producer", async () => {
    await server.close();
    expect([...kcatPrinted.keys()]).toHaveLength(CODECS.length + 4);
    for (const [topic, printed] of kcatPrinted) expect(loglabPrints(topic), topic).toBe(printed);
  }, TIMEOUT_MS);
});
