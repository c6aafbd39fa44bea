// The Deno shell of `serve()` (Deno.listen) against kcat: metadata, keyed produce and consume back, and garbage
// from a raw socket closing only that connection.

import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consistentPartition } from "../../src/index.ts";
import { DenoFsStorage } from "../../src/storage/deno-fs.ts";
import { serve, type WireServer } from "../../src/wire/deno-server.ts";

declare const Deno: {
  connect(options: { hostname: string; port: number }): Promise<{
    write(bytes: Uint8Array): Promise<number>;
    read(buffer: Uint8Array): Promise<number | null>;
    close(): void;
  }>;
};

const TIMEOUT_MS = 60_000;
let server: WireServer;
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

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "loglab-serve-deno-"));
  server = await serve({ storage: new DenoFsStorage(dir), port: 0, config: { "num.partitions": "3" }, log: (line) => logLines.push(line) });
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("serve() on Deno.listen", () => {
  it("serves kcat: metadata, keyed produce into consistent_random's partitions, consume from the beginning", async () => {
    const keys = Array.from({ length: 12 }, (_, i) => `k${i}`);
    await kcat(["-P", "-K:", "-t", "deno", "-p", "-1"], keys.map((key) => `${key}:v-${key}\n`).join(""));
    expect(await kcat(["-L"])).toContain(`topic "deno" with 3 partitions`);
    const rows = (await kcat(["-C", "-t", "deno", "-e", "-o", "beginning", "-f", "%k:%s:%p\n"])).trim().split("\n").map((line) => line.split(":"));
    expect(rows.map(([key, value]) => `${key}:${value}`).sort()).toEqual(keys.map((key) => `${key}:v-${key}`).sort());
    for (const [key, , partition] of rows) expect(Number(partition)).toBe(consistentPartition(new TextEncoder().encode(key!), 3));
  }, TIMEOUT_MS);

  it("closes a connection that sends garbage, and goes on serving", async () => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    await conn.write(new Uint8Array([0, 0, 0, 8, 0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef]));
    let ended: number | null | "error" = 0;
    try {
      ended = await conn.read(new Uint8Array(16));
    } catch {
      ended = "error";
    }
    conn.close();
    expect(ended === null || ended === "error").toBe(true);
    expect(logLines.some((line) => /closed: (malformed request|API key)/.test(line))).toBe(true);
    expect(await kcat(["-L"])).toContain(`broker 0 at ${server.bootstrap}`);
  }, TIMEOUT_MS);
});
