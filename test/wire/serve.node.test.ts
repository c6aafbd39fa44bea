// `serve()` in Node (node:net): what both shells promise (serve-check.ts: kcat, a kcat group, DescribeGroups' host,
// raw sockets), then kafkajs 2.2.4 creating a topic, producing idempotently, listing offsets and reading in a group,
// and the `loglab serve` command under Node and Deno.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { describe, expect, it } from "vitest";
import { NodeFsStorage } from "../../src/storage/node-fs.ts";
import { serve } from "../../src/wire/node-server.ts";
import { type CliRuntime, runCli, startCli, until } from "../support/cli.ts";
import { kcat as kcatAt, serveSuite, TIMEOUT_MS } from "./serve-check.ts";

const suite = serveSuite({ runtime: "node", serve, storage: (dir) => new NodeFsStorage(dir) });

/** kcat against the suite's server, or `bootstrap`. */
const kcat = (args: readonly string[], input = "", mayFail = false, bootstrap = suite().server.bootstrap) => kcatAt(bootstrap, args, input, mayFail);

describe("loglab serve with kafkajs", () => {
  it("creates a topic, produces idempotently and lists the offsets", async () => {
    const kafka = new Kafka({ clientId: "loglab-test", brokers: [suite().server.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
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
    const kafka = new Kafka({ clientId: "loglab-test", brokers: [suite().server.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
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

describe.each<CliRuntime>(["node", "deno"])("the loglab serve command (%s)", (runtime) => {
  it("serves kcat, holds the data dir's lock and closes cleanly on SIGTERM", async () => {
    const data = mkdtempSync(join(tmpdir(), "loglab-serve-cli-"));
    try {
      const served = startCli(runtime, ["serve", "--data-dir", data, "--port", "0", "--config", "num.partitions=2"]);
      await until(() => /listening on (\S+)\n/.test(served.output().stdout), "the server's address");
      const bootstrap = /listening on (\S+)\n/.exec(served.output().stdout)![1]!;
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
