// Kafka's own Java client (kafka-clients 4.1.1) against `loglab serve`, started in this process by serve(), and
// the same program against Apache Kafka 4.1.1: an idempotent producer, a transactional producer (one transaction
// committed with a consumer group's offsets, one aborted) and a group of two read_committed members committing
// offsets print the same facts on both.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NodeFsStorage } from "../../src/storage/node-fs.ts";
import { serve, type WireServer } from "../../src/wire/node-server.ts";
import { type KafkaBroker, startKafkaBroker } from "./broker.ts";
import { runJavaAsync } from "./java-client-run.ts";

const PROGRAM = fileURLToPath(new URL("JavaClientSuite.java", import.meta.url));

/** What the program prints: the same on loglab and on Kafka. */
const EXPECTED = [
  // Partition 0 and 1 in turn, offsets 0, 1, 2 on each: the producer's sequence numbers were accepted in order.
  "idempotent producer placed: 0@0 1@0 0@1 1@1 0@2 1@2",
  "transaction 1: commit",
  "transaction 2: abort",
  // The committed transaction's offset (2), not the aborted one's (3).
  "transactional offsets of suite-tx: {suite-in-0=2}",
  // Only the committed records, one partition per member.
  "read_committed group read: [0:commit-0, 1:commit-1]",
  "member assignments: [[0], [1]]",
  // Past the committed record, the aborted one and both markers.
  "committed offsets of suite-readers: {suite-out-0=4, suite-out-1=4}",
];

async function runSuite(bootstrap: string): Promise<string[]> {
  const result = await runJavaAsync(PROGRAM, [bootstrap, "suite"]);
  expect(result.status, result.stderr).toBe(0);
  return result.stdout.trimEnd().split("\n");
}

describe.sequential("Kafka's Java client", () => {
  let dir: string;
  let server: WireServer;
  let kafka: KafkaBroker | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "loglab-java-client-"));
    server = await serve({ storage: new NodeFsStorage(dir), port: 0, config: { "group.initial.rebalance.delay.ms": "0" } });
  });

  afterAll(async () => {
    await server?.close();
    await kafka?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it("against loglab serve: idempotent and transactional producers, a read_committed group of two", async () => {
    expect(await runSuite(server.bootstrap)).toEqual(EXPECTED);
  });

  it("against Apache Kafka 4.1.1: the same output", async () => {
    kafka = await startKafkaBroker();
    expect(await runSuite(kafka.bootstrap)).toEqual(EXPECTED);
  });
});
