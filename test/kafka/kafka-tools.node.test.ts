// Kafka's command-line tools (4.1.1, run through their main classes) against `loglab serve`, started in this
// process by serve(): kafka-topics creates (with a config), lists, describes and deletes a topic; the console
// producer writes keyed records; the console consumer reads them in a group, which kafka-consumer-groups lists and
// describes, first with a member holding both partitions (and the host it connects from), then with none.

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NodeFsStorage } from "../../src/storage/node-fs.ts";
import { serve, type WireServer } from "../../src/wire/node-server.ts";
import { runJavaAsync } from "./java-client-run.ts";
import { javaArgs } from "./kafka.ts";

const TOPIC = "tool-orders";
const GROUP = "tool-readers";
const TOPICS = "org.apache.kafka.tools.TopicCommand";
const GROUPS = "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand";
const CONSOLE_CONSUMER = "org.apache.kafka.tools.consumer.ConsoleConsumer";

let dir: string;
let storage: NodeFsStorage;
let server: WireServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "loglab-kafka-tools-"));
  storage = new NodeFsStorage(dir);
  server = await serve({ storage, port: 0, config: { "group.initial.rebalance.delay.ms": "0" } });
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs a tool to the end; it must exit 0. Returns its standard output (with standard error after it when `withErrors`). */
async function tool(mainClass: string, args: readonly string[], input = "", withErrors = false): Promise<string> {
  const result = await runJavaAsync(mainClass, ["--bootstrap-server", server.bootstrap, ...args], input);
  expect(result.status, `${mainClass} ${args.join(" ")}\n${result.stderr}`).toBe(0);
  return withErrors ? `${result.stdout}\n${result.stderr}` : result.stdout;
}

/** kafka-consumer-groups --describe's table as rows of columns, header first. */
function table(text: string): string[][] {
  return text.split("\n").filter((line) => /^\S/.test(line) && !line.startsWith("Consumer group")).map((line) => line.trim().split(/\s+/));
}

describe.sequential("Kafka's tools against loglab serve", () => {
  it("kafka-topics --create with a config, then --list and --describe show it as Kafka would", async () => {
    expect(await tool(TOPICS, ["--create", "--topic", TOPIC, "--partitions", "2", "--replication-factor", "1", "--config", "retention.ms=600000"]))
      .toBe(`Created topic ${TOPIC}.\n`);
    expect((await tool(TOPICS, ["--list"])).split("\n")).toContain(TOPIC);
    const described = (await tool(TOPICS, ["--describe", "--topic", TOPIC])).trimEnd().split("\n").map((line) => line.trim());
    // The topic id Kafka's tool prints (base64url of its 16 bytes) is the one loglab recorded for the topic;
    // DescribeConfigs: only the override is listed (Kafka leaves defaults out).
    const { topics } = JSON.parse(readFileSync(join(dir, "loglab-topics.json"), "utf8")) as { topics: Record<string, { id: string }> };
    const topicId = Buffer.from(topics[TOPIC]!.id.replaceAll("-", ""), "hex").toString("base64url");
    expect(described[0]).toBe(`Topic: ${TOPIC}\tTopicId: ${topicId}\tPartitionCount: 2\tReplicationFactor: 1\tConfigs: retention.ms=600000`);
    expect(described.slice(1).map((line) => line.split("\t").slice(0, 5).join(" "))).toEqual([
      `Topic: ${TOPIC} Partition: 0 Leader: 0 Replicas: 0 Isr: 0`,
      `Topic: ${TOPIC} Partition: 1 Leader: 0 Replicas: 0 Isr: 0`,
    ]);
  });

  it("the console producer writes keyed records and the console consumer reads them back in a group", async () => {
    await tool("org.apache.kafka.tools.ConsoleProducer", ["--topic", TOPIC, "--property", "parse.key=true"], "k1\tone\nk2\ttwo\nk3\tthree\n");
    const consumed = await tool(CONSOLE_CONSUMER, [
      "--topic", TOPIC, "--group", GROUP, "--from-beginning", "--max-messages", "3", "--timeout-ms", "60000", "--property", "print.key=true",
    ]);
    expect(consumed.trimEnd().split("\n").sort()).toEqual(["k1\tone", "k2\ttwo", "k3\tthree"]);
  });

  it("kafka-consumer-groups --list and --describe: offsets committed, lag 0, no active members", async () => {
    expect((await tool(GROUPS, ["--list"])).split("\n")).toContain(GROUP);
    // The tool says this on standard error.
    const out = await tool(GROUPS, ["--describe", "--group", GROUP], "", true);
    expect(out).toContain(`Consumer group '${GROUP}' has no active members.`);
    const [header, ...rows] = table(out);
    expect(header).toEqual(["GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID", "HOST", "CLIENT-ID"]);
    const byPartition = rows.map((r) => [r[1], r[2], r[3], r[4], r[5]]).sort((a, b) => a[1]!.localeCompare(b[1]!));
    // Three records over two partitions: each partition's committed offset is its end, whatever the split.
    expect(byPartition.map((r) => [r[0], r[1], r[2] === r[3], r[4]])).toEqual([[TOPIC, "0", true, "0"], [TOPIC, "1", true, "0"]]);
    expect(byPartition.reduce((sum, r) => sum + Number(r[3]), 0)).toBe(3);
  });

  it("kafka-consumer-groups --describe --members shows a running console consumer, its host, holding both partitions", async () => {
    const consumer: ChildProcess = spawn("java", javaArgs(CONSOLE_CONSUMER, [
      "--bootstrap-server", server.bootstrap, "--topic", TOPIC, "--group", GROUP, "--timeout-ms", "60000", "--consumer-property", "client.id=tools-member",
    ]), { stdio: "ignore" });
    try {
      // Until the member has joined and its assignment is handed out (SyncGroup): a member described between
      // JoinGroup and SyncGroup holds no partitions yet, in Kafka too.
      let rows: string[][] = [];
      const assigned = (): boolean => rows.length > 0 && rows[0]!.at(-1) !== "0";
      for (let attempt = 0; attempt < 10 && !assigned(); attempt++) {
        const out = await tool(GROUPS, ["--describe", "--group", GROUP, "--members"]);
        rows = table(out).slice(1).filter((r) => r.includes("tools-member"));
        if (!assigned()) await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
      // GROUP CONSUMER-ID HOST CLIENT-ID #PARTITIONS, the host as Kafka writes a socket's peer address.
      expect(rows).toHaveLength(1);
      expect(rows[0]).toEqual([GROUP, expect.stringMatching(/^tools-member-[0-9a-f]+$/), "/127.0.0.1", "tools-member", "2"]);
    } finally {
      consumer.kill("SIGKILL");
    }
  });

  it("kafka-topics --delete removes the topic and its files", async () => {
    expect(await tool(TOPICS, ["--delete", "--topic", TOPIC])).toBe("");
    expect((await tool(TOPICS, ["--list"])).split("\n")).not.toContain(TOPIC);
    expect(await storage.list(`${TOPIC}-`)).toEqual([]);
  });
});
