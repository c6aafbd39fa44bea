// The two generals with confluent-kafka 1.7.0 (librdkafka 2.0.2, Debian's python) against the Deno shell of
// `serve()`: a Produce answer lost after the write is stored makes librdkafka retry and store the record twice, and
// once with enable.idempotence=true; the faults are armed with server.faults(). kcat reads the topic back (its own
// producer gives up when the only broker's connections close, so it cannot show the retry).

import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { DenoFsStorage } from "../../src/storage/deno-fs.ts";
import type { FaultSpec } from "../../src/wire/index.ts";
import { type FaultableWireServer, serve } from "../../src/wire/deno-server.ts";

const TIMEOUT_MS = 60_000;
let server: FaultableWireServer;
let dir: string;
const logLines: string[] = [];

function kcat(args: readonly string[], input = ""): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile("kcat", ["-b", server.bootstrap, ...args], { timeout: 30_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`kcat ${args.join(" ")} failed: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
    child.stdin!.end(input);
  });
}

/** Debian's python 3, the one with confluent-kafka. */
const PYTHON = "/usr/bin/python3";
const PRODUCE_ONE = `
import sys
from confluent_kafka import Producer
bootstrap, topic, idempotence = sys.argv[1], sys.argv[2], sys.argv[3] == "true"
producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": idempotence, "acks": "all", "retry.backoff.ms": 50, "log_level": 0})
outcome = []
producer.produce(topic, value=b"order-1", partition=0, on_delivery=lambda error, message: outcome.append(error))
producer.flush(30)
print("delivered" if outcome == [None] else "failed: %s" % outcome)
`;

function python(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(PYTHON, ["-c", PRODUCE_ONE, ...args], { timeout: 40_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${PYTHON} failed: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

const loseOnce: FaultSpec = { faults: [{ kind: "loseAnswer", only: ["Produce"], then: "close" }] };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "loglab-faults-deno-"));
  server = await serve({ storage: new DenoFsStorage(dir), port: 0, config: { "num.partitions": "1" }, log: (line) => logLines.push(line) });
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Produces one record with confluent-kafka after arming the fault; what the topic then holds. */
async function produceThroughLostAnswer(topic: string, idempotence: boolean): Promise<string> {
  await kcat(["-L", "-t", topic]);
  server.faults(loseOnce);
  expect(await python([server.bootstrap, topic, String(idempotence)])).toBe("delivered\n");
  server.faults({ faults: [] });
  return kcat(["-C", "-t", topic, "-p", "0", "-e", "-o", "beginning", "-f", "%o:%s\n"]);
}

it("confluent-kafka without idempotence retries the lost answer's produce: the record is stored twice", async () => {
  expect(await produceThroughLostAnswer("plain", false)).toBe("0:order-1\n1:order-1\n");
  expect(logLines.filter((line) => line.includes("(loseAnswer)"))).toHaveLength(1);
}, TIMEOUT_MS);

it("confluent-kafka with enable.idempotence=true retries with the same sequence: the record is stored once", async () => {
  expect(await produceThroughLostAnswer("idempotent", true)).toBe("0:order-1\n");
  expect(logLines.filter((line) => line.includes("(loseAnswer)"))).toHaveLength(2);
}, TIMEOUT_MS);
