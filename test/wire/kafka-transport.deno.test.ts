// loglab's Producer and Consumer through the Deno shell of the wire transport (Deno.connect) to `serve()` on
// Deno.listen: an idempotent producer with acks=all, two consumers of a group that commit, and a later member that
// resumes after the commit; kcat (librdkafka) reads the same records.

import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Consumer, type ConsumerRecord, Producer, SeededRandom, systemScheduler } from "../../src/index.ts";
import { DenoFsStorage } from "../../src/storage/deno-fs.ts";
import { kafkaTransport, type KafkaTransport } from "../../src/wire/deno-client.ts";
import { serve, type WireServer } from "../../src/wire/deno-server.ts";

const PARTITIONS = 2;
const TIMEOUT_MS = 60_000;
const runtime = { scheduler: systemScheduler, random: new SeededRandom(5) };
const text = (bytes: Uint8Array | null): string => new TextDecoder().decode(bytes ?? new Uint8Array(0));
let server: WireServer;
let dir: string;
const transports: KafkaTransport[] = [];

function transport(): KafkaTransport {
  const made = kafkaTransport({ bootstrap: server.bootstrap, fetchMaxWaitMs: 100 });
  transports.push(made);
  return made;
}

function kcat(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("kcat", ["-b", server.bootstrap, ...args], { timeout: 30_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`kcat ${args.join(" ")} failed: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "loglab-transport-deno-"));
  server = await serve({ storage: new DenoFsStorage(dir), port: 0, config: { "num.partitions": String(PARTITIONS), "group.initial.rebalance.delay.ms": "0" } });
});

afterAll(async () => {
  for (const t of transports) t.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the wire transport on Deno.connect", () => {
  it("an idempotent producer's records reach a group, which commits; a later member resumes after the commit", async () => {
    const producer = new Producer(transport(), runtime, { "enable.idempotence": true, acks: "all", "linger.ms": 5 });
    const messages = Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `v${i}` }));
    const sent = await producer.send({ topic: "deno-wire", messages });
    expect(new Set(sent.map((m) => m.partition)).size).toBe(PARTITIONS);

    const config = { "group.id": "deno-group", "auto.offset.reset": "earliest", "enable.auto.commit": false, "session.timeout.ms": 10_000, "heartbeat.interval.ms": 500 } as const;
    const members = [new Consumer(transport(), runtime, config), new Consumer(transport(), runtime, config)];
    for (const m of members) m.subscribe(["deno-wire"]);
    const seen: ConsumerRecord[] = [];
    const done = () => seen.length >= messages.length && members.every((m) => m.assignment().length === 1);
    const deadline = Date.now() + 30_000;
    await Promise.all(members.map(async (m) => {
      while (!done() && Date.now() < deadline) seen.push(...await m.poll(200));
    }));
    expect(seen.map((r) => text(r.value)).sort()).toEqual(messages.map((m) => m.value).sort());
    expect(members.map((m) => m.assignment()[0]!.partition).sort()).toEqual([0, 1]);
    await Promise.all(members.map((m) => m.commit()));
    await Promise.all(members.map((m) => m.close()));

    await producer.send({ topic: "deno-wire", messages: [{ key: "late", value: "after-commit" }] });
    await producer.close();
    const later = new Consumer(transport(), runtime, config);
    later.subscribe(["deno-wire"]);
    const resumed: ConsumerRecord[] = [];
    const until = Date.now() + 30_000;
    while (resumed.length < 1 && Date.now() < until) resumed.push(...await later.poll(200));
    await later.close();
    expect(resumed.map((r) => text(r.value))).toEqual(["after-commit"]);

    const printed = await kcat(["-C", "-t", "deno-wire", "-e", "-o", "beginning", "-f", "%k=%s\n"]);
    expect(printed.trim().split("\n").sort()).toEqual([...messages.map((m) => `${m.key}=${m.value}`), "late=after-commit"].sort());
  }, TIMEOUT_MS);
});
