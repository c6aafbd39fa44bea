// The two generals with a real client, for each socket shell of `serve()`: a Produce answer lost after the write is
// stored makes a producer without idempotence retry and store the record twice, and an idempotent one, retrying with
// the same sequence, store it once. The fault is armed with server.faults() once the topic exists and disarmed after;
// kcat creates the topic and reads it back. serve-faults.node.test.ts runs it with kafkajs, serve-faults.deno.test.ts
// with confluent-kafka.

import { expect } from "vitest";
import type { FaultSpec } from "../../src/wire/index.ts";
import { kcat, type Served, servedPerTest, type ShellUnderTest } from "./serve-check.ts";

/** The first Produce's answer is lost after its records are stored, and its connection closed. */
export const loseProduceAnswerOnce: FaultSpec = { seed: 1, faults: [{ kind: "loseAnswer", only: ["Produce"], times: 1, then: "close" }] };

/** A real client producing one record, `value`, to partition 0 of `topic` with acks=all and retries. */
export type ProduceOne = (bootstrap: string, topic: string, value: string, idempotent: boolean) => Promise<void>;

/** A traced server per test whose topics have one partition, with `faults` from the start if given. */
export function faultyServers(shell: ShellUnderTest): (faults?: FaultSpec) => Promise<Served> {
  return servedPerTest(shell, { "num.partitions": "1" });
}

/**
 * Produces one record through a lost Produce answer on a server from `start`, then checks what partition 0 holds
 * (the record twice without idempotence, once with it) and that the fault struck once. Returns the server, its log
 * and trace for the caller's own checks.
 */
export async function checkLostProduceAnswer(start: () => Promise<Served>, produceOne: ProduceOne, topic: string, idempotent: boolean): Promise<Served> {
  const served = await start();
  const { server, log } = served;
  const value = `order-${topic}`;
  await kcat(server.bootstrap, ["-L", "-t", topic]);
  server.faults(loseProduceAnswerOnce);
  await produceOne(server.bootstrap, topic, value, idempotent);
  server.faults({ faults: [] });
  const { stdout } = await kcat(server.bootstrap, ["-C", "-t", topic, "-p", "0", "-e", "-o", "beginning", "-f", "%o:%s\n"]);
  expect(stdout).toBe(idempotent ? `0:${value}\n` : `0:${value}\n1:${value}\n`);
  expect(log.filter((line) => line.includes("(loseAnswer)"))).toHaveLength(1);
  return served;
}
