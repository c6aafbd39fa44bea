// loglab's own Producer and Consumer over Kafka's wire protocol to `loglab serve` on a real TCP port: the checks every
// broker loglab's clients speak to must pass (kafka-transport-checks.ts: an idempotent producer, groups sharing and
// handing over partitions, transactions, the talk's loops crashed after every step), and the transport's clear
// failures (an unreachable bootstrap server, a broker that closes the connection mid-request, one that never answers).

import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NodeFsStorage } from "../../src/storage/node-fs.ts";
import { NetworkError } from "../../src/wire/index.ts";
import { kafkaTransport, type KafkaTransport } from "../../src/wire/node-client.ts";
import { serve, type WireServer } from "../../src/wire/node-server.ts";
import { CHECKED_PARTITIONS, kafkaTransportChecks } from "../support/kafka-transport-checks.ts";

const TIMEOUT_MS = 60_000;

let server: WireServer;
let dir: string;
const transports: KafkaTransport[] = [];

function transport(bootstrap: string): KafkaTransport {
  const made = kafkaTransport({ bootstrap, fetchMaxWaitMs: 100, requestTimeoutMs: 10_000 });
  transports.push(made);
  return made;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "loglab-transport-"));
  server = await serve({ storage: new NodeFsStorage(dir), port: 0, config: { "num.partitions": String(CHECKED_PARTITIONS), "group.initial.rebalance.delay.ms": "0" } });
});

afterAll(async () => {
  for (const t of transports) t.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

kafkaTransportChecks({ name: "loglab serve", bootstrap: () => server.bootstrap, timeoutMs: TIMEOUT_MS, pollLimitMs: 20_000, crashRunsAtOnce: 7 });

describe("the wire transport's failures", () => {
  it("an unreachable bootstrap server fails with a retriable NetworkError naming it", async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0));
      });
    });
    const error = await transport(`127.0.0.1:${port}`).metadata(["t"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).retriable).toBe(true);
    expect((error as NetworkError).message).toContain(`127.0.0.1:${port}`);
  }, TIMEOUT_MS);

  it("a broker that closes the connection mid-request fails it with a retriable NetworkError", async () => {
    const closing = createServer((socket) => socket.once("data", () => socket.destroy()));
    await new Promise<void>((resolve) => closing.listen(0, "127.0.0.1", resolve));
    const address = closing.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    const error = await transport(`127.0.0.1:${port}`).metadata(["t"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).message).toBe(`broker 127.0.0.1:${port}: connection closed`);
    await new Promise<void>((resolve) => closing.close(() => resolve()));
  }, TIMEOUT_MS);

  it("a request the broker never answers times out, and the connection is closed and redialled", async () => {
    const held: import("node:net").Socket[] = [];
    const silent = createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const address = silent.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    const quiet = kafkaTransport({ bootstrap: `127.0.0.1:${port}`, requestTimeoutMs: 300 });
    transports.push(quiet);
    const error = await quiet.metadata(["t"]).catch((e: unknown) => e);
    expect((error as Error).name).toBe("RequestTimedOutError");
    await quiet.metadata(["t"]).catch(() => undefined);
    expect(held.length).toBe(2);
    for (const socket of held) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  }, TIMEOUT_MS);
});
