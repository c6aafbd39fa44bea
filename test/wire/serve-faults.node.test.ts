// Faults injected by `serve()` in Node into real clients' conversations: the two generals with kafkajs 2.2.4
// (serve-faults-check.ts: a Produce answer lost after the write is stored, the record written twice, and once with
// idempotence); delays, closes, error codes and pauses; the fault file's checks; the CLI's --faults and --trace.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createConnection } from "node:net";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { describe, expect, it } from "vitest";
import { NodeFsStorage } from "../../src/storage/node-fs.ts";
import { apiKeys, encodeRequestFrame, FaultSpecError, parseFaultSpec } from "../../src/wire/index.ts";
import { serve } from "../../src/wire/node-server.ts";
import { runCli, startCli, until } from "../support/cli.ts";
import { TIMEOUT_MS } from "./serve-check.ts";
import { checkLostProduceAnswer, faultyServers, loseProduceAnswerOnce } from "./serve-faults-check.ts";

const start = faultyServers({ runtime: "node", serve, storage: (dir) => new NodeFsStorage(dir) });

function kafka(server: { readonly bootstrap: string }): Kafka {
  return new Kafka({ clientId: "faults-test", brokers: [server.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 50, maxRetryTime: 200 } });
}

async function createTopic(client: Kafka, topic: string): Promise<void> {
  const admin = client.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
  await admin.disconnect();
}

/** The topic's end offset: how many records partition 0 holds. */
async function endOffset(client: Kafka, topic: string): Promise<number> {
  const admin = client.admin();
  await admin.connect();
  const [partition] = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  return Number(partition!.high);
}

/** Produces one record with acks=all and retries; resolves when kafkajs says it was written. */
async function produceOne(client: Kafka, topic: string, idempotent: boolean, value = "once"): Promise<void> {
  const producer = client.producer({ idempotent, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: [{ key: "k", value }] });
  } finally {
    await producer.disconnect();
  }
}

/** kafkajs as serve-faults-check.ts's client. */
const kafkajsProduceOne = (bootstrap: string, topic: string, value: string, idempotent: boolean): Promise<void> =>
  produceOne(kafka({ bootstrap }), topic, idempotent, value);

describe("the two generals with kafkajs: a Produce answer lost after the write is stored", () => {
  it("a producer without idempotence retries and the record is stored twice", async () => {
    const { server, log, trace } = await checkLostProduceAnswer(start, kafkajsProduceOne, "generals", false);
    const client = kafka(server);
    expect(await endOffset(client, "generals")).toBe(2);
    expect(log.join("\n")).toMatch(/fault 0 \(loseAnswer\) on connection \d+, Produce v\d+ correlation \d+: answer lost after the request was applied; connection closed/);
    // The trace shows both Produce requests, one answer, and the fault between them.
    const produce = trace.filter((event) => event.api === "Produce");
    expect(produce.map((event) => event.type)).toEqual(["request", "fault", "request", "response"]);
    expect(produce[0]!.body).toMatchObject({ acks: -1, topicData: [{ name: "generals", partitionData: [{ index: 0, records: { batches: [{ baseOffset: 0, count: 1, producerId: -1 }] } }] }] });
    expect(produce[3]!.body).toMatchObject({ responses: [{ name: "generals", partitionResponses: [{ index: 0, errorCode: 0, baseOffset: "1" }] }] });
  }, TIMEOUT_MS);

  it("an idempotent producer retries with the same sequence and the record is stored once", async () => {
    const { server, trace } = await checkLostProduceAnswer(start, kafkajsProduceOne, "generals", true);
    const client = kafka(server);
    expect(await endOffset(client, "generals")).toBe(1);
    const answers = trace.filter((event) => event.api === "Produce" && event.type === "response");
    // The retry is answered with the offset the first attempt got.
    expect(answers.map((event) => event.body)).toMatchObject([{ responses: [{ partitionResponses: [{ errorCode: 0, baseOffset: "0" }] }] }]);
  }, TIMEOUT_MS);
});

describe("a lost answer that leaves the connection hanging", () => {
  it("keeps the socket open and answers nothing more on it, while other connections are served", async () => {
    const { server, trace } = await start({ faults: [{ kind: "loseAnswer", only: ["ApiVersions"], then: "hang" }] });
    const frames: Buffer[] = [];
    const socket = createConnection({ host: "127.0.0.1", port: server.port });
    socket.on("data", (chunk: Buffer) => frames.push(chunk));
    let open = true;
    socket.on("close", () => { open = false; });
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    const request = (correlationId: number) => encodeRequestFrame({ apiKey: apiKeys.ApiVersions, apiVersion: 3, correlationId, clientId: "raw" }, { clientSoftwareName: "raw", clientSoftwareVersion: "1" });
    socket.write(request(1));
    socket.write(request(2));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(frames).toEqual([]);
    expect(open).toBe(true);
    // Another client is served: the fault hit once.
    await createTopic(kafka(server), "elsewhere");
    const first = trace.filter((event) => event.connection === 1);
    expect(first.map((event) => `${event.type}${"correlationId" in event ? ` ${String(event.correlationId)}` : ""}`).sort()).toEqual(["connect", "fault 1", "request 1", "request 2"]);
    socket.destroy();
  }, TIMEOUT_MS);
});

describe("other faults against kafkajs", () => {
  it("answers NOT_LEADER_OR_FOLLOWER twice without storing; kafkajs refreshes metadata, retries and stores once", async () => {
    const { server, log } = await start({ faults: [{ kind: "error", only: ["Produce"], error: "NOT_LEADER_OR_FOLLOWER", times: 2 }] });
    const client = kafka(server);
    await createTopic(client, "leaders");
    await produceOne(client, "leaders", false);
    expect(await endOffset(client, "leaders")).toBe(1);
    expect(log.filter((line) => line.includes("answered NOT_LEADER_OR_FOLLOWER (6) without applying the request"))).toHaveLength(2);
  }, TIMEOUT_MS);

  it("delays Produce answers by the drawn ms, and pauses the whole broker", async () => {
    const { server } = await start({ faults: [{ kind: "delay", only: ["Produce"], delayMs: [300, 300] }] });
    const client = kafka(server);
    await createTopic(client, "slow");
    let began = Date.now();
    await produceOne(client, "slow", false);
    expect(Date.now() - began).toBeGreaterThanOrEqual(300);
    server.faults({ faults: [{ kind: "pause", only: ["Produce"], forMs: 500 }] });
    began = Date.now();
    await produceOne(client, "slow", false);
    expect(Date.now() - began).toBeGreaterThanOrEqual(500);
    expect(await endOffset(client, "slow")).toBe(2);
  }, TIMEOUT_MS);

  it("closes connections at random from the seed before applying the request: retries store each record once", async () => {
    const closed = async (): Promise<number[]> => {
      const { server, log, trace } = await start({ seed: 42, faults: [{ kind: "close", only: ["Produce"], probability: 0.5, times: 3 }] });
      const client = kafka(server);
      await createTopic(client, "flaky");
      const producer = client.producer({ idempotent: false, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      await producer.connect();
      for (let i = 0; i < 8; i++) await producer.send({ topic: "flaky", acks: -1, messages: [{ value: `v${i}` }] });
      await producer.disconnect();
      expect(await endOffset(client, "flaky")).toBe(8);
      expect(log.filter((line) => line.includes("(close)"))).toHaveLength(3);
      // Which Produce requests (counting from 1) the seeded draws closed.
      const produces = trace.filter((event) => event.api === "Produce" && event.type !== "response");
      return produces.flatMap((event, i) => (event.type === "fault" ? [produces.slice(0, i).filter((e) => e.type === "request").length] : []));
    };
    const first = await closed();
    expect(first).toHaveLength(3);
    expect(await closed()).toEqual(first);
  }, TIMEOUT_MS);
});

describe("the fault file's checks", () => {
  const problem = (text: string): string => {
    try {
      parseFaultSpec(text, "faults.json");
    } catch (error) {
      expect(error).toBeInstanceOf(FaultSpecError);
      return (error as Error).message;
    }
    throw new Error("accepted");
  };

  it("names the file, the path in the JSON and the limit", () => {
    expect(problem('{"faults": [{"kind": "delay", "delayMs": [10, 5]}]}')).toBe(
      "faults.json: $.faults[0].delayMs: expected [min, max] integer ms with 0 <= min <= max <= 3600000, got [10,5]",
    );
    expect(problem('{"faults": [{"kind": "error", "only": ["Produce"], "error": "NOT_A_LEADER"}]}')).toMatch(/^faults\.json: \$\.faults\[0\]\.error: expected a Kafka error name \(.*NOT_LEADER_OR_FOLLOWER.*\), got "NOT_A_LEADER"$/);
    expect(problem('{"faults": [{"kind": "close", "probability": 1.5}]}')).toBe("faults.json: $.faults[0].probability: expected a probability from 0 to 1, got 1.5");
    expect(problem('{"faults": [{"kind": "loseAnswer", "then": "sulk"}]}')).toBe("faults.json: $.faults[0].then: expected one of close, hang, got \"sulk\"");
    expect(problem('{"faults": [{"kind": "pause"}]}')).toBe("faults.json: $.faults[0].forMs: missing (a pause fault needs forMs)");
    expect(problem('{"faults": [{"kind": "delay", "delayMs": [1, 2], "dealy": 3}]}')).toMatch(/^faults\.json: \$\.faults\[0\]\.dealy: unknown key \(valid keys for delay: kind, only, skip, probability, times, delayMs\)$/);
    expect(problem('{"faults": [{"kind": "delay", "delayMs": [1, 2], "only": ["Produse"]}]}')).toMatch(/^faults\.json: \$\.faults\[0\]\.only: expected a non-empty list of API names from .*Produce.*, got \["Produse"\]$/);
    expect(problem('{"seed": -1, "faults": []}')).toBe("faults.json: $.seed: expected an integer from 0 to 4294967295, got -1");
    expect(problem('{"faults": [], "extra": 1}')).toBe("faults.json: $.extra: unknown key (valid keys: seed, faults)");
    expect(problem("{")).toMatch(/^faults\.json: \$: not valid JSON/);
  });

  it("accepts the README's example file, one fault of each kind", () => {
    const readme = readFileSync(join(import.meta.dirname, "..", "..", "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("### Faults and traces for your own app\n"));
    const example = /```json\n([\s\S]*?)```/.exec(section)![1]!;
    const spec = parseFaultSpec(example, "README.md");
    expect(new Set(spec.faults.map((fault) => fault.kind))).toEqual(new Set(["loseAnswer", "delay", "close", "error", "pause"]));
  });

  it("server.faults() checks a spec too", async () => {
    const { server } = await start();
    expect(() => server.faults({ faults: [{ kind: "error", only: ["Metadata"], error: "NOT_LEADER_OR_FOLLOWER" }] })).toThrow(
      /^server\.faults\(\): \$\.faults\[0\]\.only: expected a non-empty list of API names from Produce, Fetch, InitProducerId, JoinGroup, SyncGroup, Heartbeat, got \["Metadata"\]$/,
    );
  }, TIMEOUT_MS);
});

describe("loglab serve --faults and --trace", () => {
  it("a bad faults file is a one-line usage error with exit code 2", () => {
    const dir = mkdtempSync(join(tmpdir(), "loglab-faults-cli-"));
    try {
      const file = join(dir, "faults.json");
      writeFileSync(file, JSON.stringify({ faults: [{ kind: "delay", delayMs: [0, 7_200_000] }] }));
      const result = runCli("node", ["serve", "--data-dir", join(dir, "data"), "--port", "0", "--faults", file]);
      expect(result.status).toBe(2);
      expect(result.stderr.trim().split("\n")).toEqual([
        `usage error: ${file}: $.faults[0].delayMs: expected [min, max] integer ms with 0 <= min <= max <= 3600000, got [0,7200000] (see "loglab help")`,
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, TIMEOUT_MS);

  it("injects the file's faults into kafkajs and writes the trace as JSON Lines", async () => {
    const dir = mkdtempSync(join(tmpdir(), "loglab-faults-cli-"));
    try {
      const faultsFile = join(dir, "faults.json");
      const traceFile = join(dir, "trace.jsonl");
      writeFileSync(faultsFile, JSON.stringify(loseProduceAnswerOnce));
      const served = startCli("node", ["serve", "--data-dir", join(dir, "data"), "--port", "0", "--faults", faultsFile, "--trace", traceFile]);
      await until(() => /listening on (\S+), injecting 1 fault\(s\)/.test(served.output().stdout), "the server's address");
      const bootstrap = /listening on (\S+), injecting 1 fault\(s\)/.exec(served.output().stdout)![1]!;
      const client = new Kafka({ clientId: "cli-test", brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 50 } });
      await createTopic(client, "cli");
      await produceOne(client, "cli", false);
      expect(await endOffset(client, "cli")).toBe(2);
      served.child.kill("SIGTERM");
      await served.exit;
      expect(served.output().stdout).toMatch(/fault 0 \(loseAnswer\)/);
      const [header, ...events] = readFileSync(traceFile, "utf8").trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(header).toMatchObject({ format: "loglab-wire-trace", version: 1, bootstrap });
      expect(events.filter((event) => event.type === "fault")).toMatchObject([{ kind: "loseAnswer", api: "Produce" }]);
      expect(events.filter((event) => event.type === "request" && event.api === "Produce")).toHaveLength(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, TIMEOUT_MS);
});
