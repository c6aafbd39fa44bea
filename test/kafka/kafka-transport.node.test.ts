// loglab's own Producer and Consumer over Kafka's wire protocol to a real Apache Kafka 4.1.1 broker (KRaft, one
// node): the checks every broker loglab's clients speak to must pass (kafka-transport-checks.ts: an idempotent
// producer, groups sharing and handing over partitions, transactions, the talk's loops crashed after every step),
// and `loglab produce|consume --bootstrap` with kcat reading back.

import { execFile } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHECKED_PARTITIONS, kafkaTransportChecks } from "../support/kafka-transport-checks.ts";
import { runCli } from "../support/cli.ts";
import { type KafkaBroker, startKafkaBroker } from "./broker.ts";

const TIMEOUT_MS = 120_000;

let broker: KafkaBroker;

beforeAll(async () => {
  broker = await startKafkaBroker({ config: { "num.partitions": String(CHECKED_PARTITIONS) } });
}, TIMEOUT_MS);

afterAll(async () => {
  await broker?.dispose();
}, TIMEOUT_MS);

kafkaTransportChecks({ name: "Apache Kafka", bootstrap: () => broker.bootstrap, timeoutMs: TIMEOUT_MS, pollLimitMs: 60_000, crashRunsAtOnce: 7 });

function kcat(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("kcat", ["-b", broker.bootstrap, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`kcat ${args.join(" ")} failed: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

describe("loglab produce and consume --bootstrap against Apache Kafka", () => {
  it("produces lines and consumes them back from the beginning; kcat sees the same", async () => {
    const produced = runCli("node", ["produce", "cli-lines", "--bootstrap", broker.bootstrap, "--key-separator", ":"], { input: "a:one\nb:two\nc:three\n" });
    expect(produced.stderr).toBe("");
    expect(produced.status).toBe(0);
    const consumed = runCli("node", ["consume", "cli-lines", "--bootstrap", broker.bootstrap, "--from-beginning", "--max-messages", "3"]);
    expect(consumed.stderr).toBe("Processed a total of 3 messages\n");
    expect(consumed.status).toBe(0);
    expect(consumed.stdout.trim().split("\n").sort()).toEqual(["one", "three", "two"]);
    const printed = await kcat(["-C", "-t", "cli-lines", "-e", "-o", "beginning", "-f", "%k=%s\n"]);
    expect(printed.trim().split("\n").sort()).toEqual(["a=one", "b=two", "c=three"]);
  }, TIMEOUT_MS);
});
