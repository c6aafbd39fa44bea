// What `serve()` promises in both socket shells (node-server.ts on node:net, deno-server.ts on Deno.listen), against
// kcat (librdkafka 2.0.2) and raw sockets: the advertised address and auto-created topics, keyed idempotent produce
// into the partitions librdkafka's consistent_random picks, a gzip batch, the fetch long poll, a kcat consumer group,
// DescribeGroups naming a member's host as Kafka writes it, garbage and an over-size request closing only their own
// connection, and no answer to a Produce with acks=0. Each runtime's file hands its shell to serveSuite() and adds
// what only that runtime runs; kcat and the servers here serve serve-faults-check.ts too.

import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createConnection, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { consistentPartition, encodeBatch, type Storage } from "../../src/index.ts";
import {
  apiKeys, decodeResponseFrame, type DescribeGroupsResponse, encodeRequestFrame, type FaultSpec, type JoinGroupResponse, type ProduceResponse, readFrame,
} from "../../src/wire/index.ts";
import type { FaultableWireServer, ServeOptions } from "../../src/wire/server.ts";

/** One socket shell of serve(), with the storage its runtime uses. */
export interface ShellUnderTest {
  /** "node" or "deno": names the temporary data dirs. */
  readonly runtime: string;
  readonly serve: (options: ServeOptions) => Promise<FaultableWireServer>;
  readonly storage: (dir: string) => Storage;
}

/** A running server, and what it logged and traced (each trace line parsed; none unless traced). */
export interface Served {
  readonly server: FaultableWireServer;
  readonly log: string[];
  readonly trace: Record<string, unknown>[];
}

export const TIMEOUT_MS = 60_000;
const PARTITIONS = 4;
const REQUEST_BYTES_MAX = 1024 * 1024;
const utf8 = new TextEncoder();

/** Starts a server on a fresh data dir, recording its trace if `traced`; `close` stops it and removes the dir. */
async function startServed(
  shell: ShellUnderTest, config: Readonly<Record<string, string>>, traced: boolean, faults?: FaultSpec,
): Promise<Served & { close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), `loglab-serve-${shell.runtime}-`));
  const log: string[] = [];
  const trace: Record<string, unknown>[] = [];
  const server = await shell.serve({
    storage: shell.storage(dir), port: 0, config, log: (line) => log.push(line),
    ...(traced ? { trace: (line: string) => void trace.push(JSON.parse(line) as Record<string, unknown>) } : {}),
    ...(faults === undefined ? {} : { faults }),
  });
  return {
    server, log, trace,
    close: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One server for the whole file (started before its tests, closed after them); the function returns it. */
export function servedForFile(shell: ShellUnderTest, config: Readonly<Record<string, string>>): () => Served {
  let served: (Served & { close(): Promise<void> }) | undefined;
  beforeAll(async () => {
    served = await startServed(shell, config, false);
  });
  afterAll(async () => {
    await served?.close();
  });
  return () => served!;
}

/** A traced server per test, with `faults` from the start if given; each is closed after its test. */
export function servedPerTest(shell: ShellUnderTest, config: Readonly<Record<string, string>>): (faults?: FaultSpec) => Promise<Served> {
  const closes: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closes.splice(0)) await close();
  });
  return async (faults) => {
    const served = await startServed(shell, config, true, faults);
    closes.push(served.close);
    return served;
  };
}

/** Runs kcat against `bootstrap`; it must exit 0 unless `mayFail`. */
export function kcat(bootstrap: string, args: readonly string[], input = "", mayFail = false): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile("kcat", ["-b", bootstrap, ...args], { timeout: 30_000 }, (error, stdout, stderr) => {
      if (error && !(mayFail && typeof error.code === "number")) reject(new Error(`kcat ${args.join(" ")} failed: ${error.message}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
    child.stdin!.end(input);
  });
}

/** A raw client: writes frames, collects response frames. */
export class RawClient {
  readonly frames: Uint8Array[] = [];
  readonly closed: Promise<void>;
  #buffer = new Uint8Array(0);
  #waiters: (() => void)[] = [];
  readonly socket: Socket;

  constructor(port: number) {
    this.socket = createConnection({ host: "127.0.0.1", port });
    this.socket.on("data", (chunk: Buffer) => {
      const all = new Uint8Array(this.#buffer.length + chunk.length);
      all.set(this.#buffer);
      all.set(chunk, this.#buffer.length);
      let at = 0;
      for (let found = readFrame(all, at); found !== null; found = readFrame(all, at)) {
        this.frames.push(found.frame.slice());
        at = found.next;
      }
      this.#buffer = all.slice(at);
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) => this.socket.on("close", () => resolve()));
    this.socket.on("error", () => {});
  }

  async next(): Promise<Uint8Array> {
    while (this.frames.length === 0) await new Promise<void>((resolve) => this.#waiters.push(resolve));
    return this.frames.shift()!;
  }
}

const correlationOf = (frame: Uint8Array): number => new DataView(frame.buffer, frame.byteOffset).getInt32(0);

const apiVersionsFrame = (correlationId: number): Uint8Array =>
  encodeRequestFrame({ apiKey: apiKeys.ApiVersions, apiVersion: 3, correlationId, clientId: "raw" }, {
    clientSoftwareName: "raw", clientSoftwareVersion: "1",
  });

/** Registers the tests both shells pass, on one server for the file; returns it for the runtime's own tests. */
export function serveSuite(shell: ShellUnderTest): () => Served {
  const served = servedForFile(shell, {
    "num.partitions": String(PARTITIONS), "group.initial.rebalance.delay.ms": "0", "socket.request.max.bytes": String(REQUEST_BYTES_MAX),
  });
  const bootstrap = (): string => served().server.bootstrap;
  const run = (args: readonly string[], input = "", mayFail = false) => kcat(bootstrap(), args, input, mayFail);

  describe("loglab serve with kcat", () => {
    const keys = Array.from({ length: 40 }, (_, i) => `key-${i}`);

    it("lists the broker at its advertised address and a topic it auto-creates", async () => {
      await run(["-L", "-t", "listed"]);
      const { stdout } = await run(["-L"]);
      expect(stdout).toContain(`broker 0 at ${bootstrap()}`);
      expect(stdout).toContain(`topic "listed" with ${PARTITIONS} partitions`);
    }, TIMEOUT_MS);

    it("takes keyed idempotent produce into the partitions librdkafka's consistent_random picks, and gives it back", async () => {
      const input = keys.map((key, i) => `${key}:value-${i}\n`).join("");
      await run(["-P", "-K:", "-t", "keyed", "-p", "-1", "-X", "enable.idempotence=true"], input);
      expect((await run(["-L"])).stdout).toContain(`topic "keyed" with ${PARTITIONS} partitions`);
      const { stdout } = await run(["-C", "-t", "keyed", "-e", "-o", "beginning", "-f", "%k:%s:%p:%o\n"]);
      const rows = stdout.trim().split("\n").map((line) => line.split(":"));
      expect(rows.map(([key, value]) => `${key}:${value}`).sort()).toEqual(keys.map((key, i) => `${key}:value-${i}`).sort());
      for (const [key, , partition] of rows) expect(Number(partition)).toBe(consistentPartition(utf8.encode(key!), PARTITIONS));
      // Several partitions are used, and each partition's offsets run 0, 1, 2, … in produce order.
      expect(new Set(rows.map((row) => row[2])).size).toBeGreaterThan(1);
      for (let p = 0; p < PARTITIONS; p++) {
        const inPartition = rows.filter((row) => Number(row[2]) === p);
        expect(inPartition.map((row) => Number(row[3]))).toEqual(inPartition.map((_, i) => i));
        expect(inPartition.map((row) => keys.indexOf(row[0]!))).toEqual(inPartition.map((row) => keys.indexOf(row[0]!)).sort((a, b) => a - b));
      }
    }, TIMEOUT_MS);

    it("takes a gzip-compressed batch and gives its records back (test/wire/compression.node.test.ts has every codec)", async () => {
      const input = Array.from({ length: 100 }, (_, i) => `k:value-${i}\n`).join("");
      await run(["-P", "-K:", "-t", "zipped", "-p", "0", "-z", "gzip"], input);
      const { stdout } = await run(["-C", "-t", "zipped", "-e", "-o", "beginning", "-f", "%s\n"]);
      expect(stdout).toBe(Array.from({ length: 100 }, (_, i) => `value-${i}\n`).join(""));
    }, TIMEOUT_MS);

    it("wakes a waiting consumer when a record arrives (long poll)", async () => {
      await run(["-L", "-t", "polled"]);
      const consumed = run(["-C", "-t", "polled", "-p", "0", "-o", "beginning", "-c", "1", "-f", "%s\n"]);
      await new Promise((resolve) => setTimeout(resolve, 500));
      await run(["-P", "-t", "polled", "-p", "0"], "late\n");
      expect((await consumed).stdout).toBe("late\n");
    }, TIMEOUT_MS);
  });

  describe("loglab serve with kcat -G (a consumer group)", () => {
    it("consumes as a group member, commits, and a later member resumes after the commit", async () => {
      const group = ["-G", "kcat-group", "-e", "-f", "%k:%s\n", "-X", "auto.offset.reset=earliest", "-X", "enable.auto.commit=true"];
      await run(["-P", "-K:", "-t", "grouped", "-p", "-1"], "a:1\nb:2\nc:3\n");
      const first = await run([...group, "grouped"]);
      expect(first.stdout.trim().split("\n").sort()).toEqual(["a:1", "b:2", "c:3"]);
      expect(first.stderr).toMatch(/Group kcat-group rebalanced .*assigned/);
      await run(["-P", "-K:", "-t", "grouped", "-p", "-1"], "d:4\n");
      expect((await run([...group, "grouped"])).stdout).toBe("d:4\n");
    }, TIMEOUT_MS);
  });

  describe("loglab serve's group members", () => {
    it("DescribeGroups names a member's host as Kafka writes its connection's peer address", async () => {
      const client = new RawClient(served().server.port);
      client.socket.write(encodeRequestFrame({ apiKey: apiKeys.JoinGroup, apiVersion: 5, correlationId: 1, clientId: "raw-member" }, {
        groupId: "raw-hosts", sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: "", groupInstanceId: null, protocolType: "consumer",
        protocols: [{ name: "range", metadata: new Uint8Array(0) }],
      }));
      const joined = decodeResponseFrame(apiKeys.JoinGroup, 5, await client.next()).body as JoinGroupResponse;
      expect(joined.errorCode).toBe(0);
      client.socket.write(encodeRequestFrame({ apiKey: apiKeys.DescribeGroups, apiVersion: 5, correlationId: 2, clientId: "raw-member" }, {
        groups: ["raw-hosts"], includeAuthorizedOperations: false,
      }));
      const described = decodeResponseFrame(apiKeys.DescribeGroups, 5, await client.next()).body as DescribeGroupsResponse;
      expect(described.groups[0]!.members.map((m) => [m.memberId, m.clientId, m.clientHost])).toEqual([[joined.memberId, "raw-member", "/127.0.0.1"]]);
      client.socket.destroy();
      await client.closed;
    }, TIMEOUT_MS);
  });

  describe("loglab serve with raw sockets", () => {
    it("closes a connection that sends garbage while another keeps working", async () => {
      const { server, log } = served();
      const good = new RawClient(server.port);
      good.socket.write(apiVersionsFrame(1));
      expect(correlationOf(await good.next())).toBe(1);
      const bad = new RawClient(server.port);
      bad.socket.write(new Uint8Array([0, 0, 0, 8, 0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef]));
      await bad.closed;
      expect(bad.frames).toEqual([]);
      good.socket.write(apiVersionsFrame(2));
      expect(correlationOf(await good.next())).toBe(2);
      good.socket.destroy();
      expect(log.some((line) => /closed: (malformed request|API key)/.test(line))).toBe(true);
      expect((await run(["-L"])).stdout).toContain(`broker 0 at ${server.bootstrap}`);
    }, TIMEOUT_MS);

    it("closes a connection whose request is over socket.request.max.bytes, and logs why", async () => {
      const { server, log } = served();
      const client = new RawClient(server.port);
      const size = new Uint8Array(4);
      new DataView(size.buffer).setInt32(0, REQUEST_BYTES_MAX + 1);
      client.socket.write(size);
      await client.closed;
      expect(log.some((line) => line.includes(`${REQUEST_BYTES_MAX + 1} bytes is over the limit of ${REQUEST_BYTES_MAX}`))).toBe(true);
      const { stdout } = await run(["-L"]);
      expect(stdout).toContain(`broker 0 at ${server.bootstrap}`);
    }, TIMEOUT_MS);

    it("answers nothing to a Produce with acks=0 but stores it", async () => {
      await run(["-L", "-t", "quiet"]);
      const client = new RawClient(served().server.port);
      const produce = (correlationId: number, acks: number, value: string): Uint8Array => {
        const records = encodeBatch({ baseOffset: 0, records: [{ key: null, value: utf8.encode(value), timestamp: Date.now() }] });
        return encodeRequestFrame({ apiKey: apiKeys.Produce, apiVersion: 7, correlationId, clientId: "raw" }, {
          transactionalId: null, acks, timeoutMs: 1000, topicData: [{ name: "quiet", partitionData: [{ index: 0, records }] }],
        });
      };
      client.socket.write(produce(5, 0, "hush"));
      client.socket.write(produce(6, 1, "loud"));
      const frame = await client.next();
      expect(correlationOf(frame)).toBe(6);
      const { body } = decodeResponseFrame(apiKeys.Produce, 7, frame);
      // Appended after the unanswered one, which took offset 0.
      expect((body as ProduceResponse).responses[0]!.partitionResponses[0]).toMatchObject({ errorCode: 0, baseOffset: 1n });
      const { stdout } = await run(["-C", "-t", "quiet", "-p", "0", "-e", "-o", "beginning", "-f", "%s\n"]);
      expect(stdout).toBe("hush\nloud\n");
      client.socket.destroy();
      await client.closed;
      expect(client.frames).toEqual([]);
    }, TIMEOUT_MS);
  });

  return served;
}
