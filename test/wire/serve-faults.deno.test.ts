// The two generals (serve-faults-check.ts) with confluent-kafka 1.7.0 (librdkafka 2.0.2, Debian's python) against
// `serve()` in Deno (Deno.listen): a Produce answer lost after the write is stored makes librdkafka retry and store
// the record twice, and once with enable.idempotence=true. (kcat's own producer gives up when the only broker's
// connections close, so it cannot show the retry.)

import { execFile } from "node:child_process";
import { expect, it } from "vitest";
import { DenoFsStorage } from "../../src/storage/deno-fs.ts";
import { serve } from "../../src/wire/deno-server.ts";
import { TIMEOUT_MS } from "./serve-check.ts";
import { checkLostProduceAnswer, faultyServers } from "./serve-faults-check.ts";

const start = faultyServers({ runtime: "deno", serve, storage: (dir) => new DenoFsStorage(dir) });

/** Debian's python 3, the one with confluent-kafka. */
const PYTHON = "/usr/bin/python3";
const PRODUCE_ONE = `
import sys
from confluent_kafka import Producer
bootstrap, topic, value, idempotence = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "true"
producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": idempotence, "acks": "all", "retry.backoff.ms": 50, "log_level": 0})
outcome = []
producer.produce(topic, value=value.encode(), partition=0, on_delivery=lambda error, message: outcome.append(error))
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

/** confluent-kafka as serve-faults-check.ts's client: it must report the record delivered. */
async function confluentProduceOne(bootstrap: string, topic: string, value: string, idempotent: boolean): Promise<void> {
  expect(await python([bootstrap, topic, value, String(idempotent)])).toBe("delivered\n");
}

it("confluent-kafka without idempotence retries the lost answer's produce: the record is stored twice", async () => {
  await checkLostProduceAnswer(start, confluentProduceOne, "plain", false);
}, TIMEOUT_MS);

it("confluent-kafka with enable.idempotence=true retries with the same sequence: the record is stored once", async () => {
  await checkLostProduceAnswer(start, confluentProduceOne, "idempotent", true);
}, TIMEOUT_MS);
