// `loglab produce|consume --bootstrap` against `loglab serve` over TCP (the built CLI, dist/src/cli/main.js, and the
// sources under Deno): lines in and back out, kcat reading what the CLI produced, and one clear line for --data-dir with --bootstrap, for neither,
// for a malformed address and for a bootstrap server nothing listens on.

import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NodeFsStorage } from "../../src/storage/node-fs.ts";
import { serve, type WireServer } from "../../src/wire/node-server.ts";
import { startCli } from "../support/cli.ts";

const TIMEOUT_MS = 60_000;
let server: WireServer;
let dir: string;

/** Runs the built CLI without blocking this process, which serves the broker it talks to. */
async function cli(args: readonly string[], input = "", runtime: "node" | "deno" = "node"): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const run = startCli(runtime, args);
  run.child.stdin!.end(input);
  const status = await run.exit;
  return { status, ...run.output() };
}

function kcat(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("kcat", ["-b", server.bootstrap, ...args], { timeout: 30_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`kcat failed: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "loglab-bootstrap-"));
  server = await serve({ storage: new NodeFsStorage(dir), port: 0, config: { "num.partitions": "2" } });
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("loglab produce and consume --bootstrap with loglab serve", () => {
  it("produces keyed lines and tombstones that consume --bootstrap and kcat read back", async () => {
    const produced = await cli(["produce", "lines", "--bootstrap", server.bootstrap, "--key-separator", ":", "--null-marker", "NULL"], "a:one\nb:two\nc:three\na:NULL\n");
    expect(produced.stderr).toBe("");
    expect(produced.status).toBe(0);
    const consumed = await cli(["consume", "lines", "--bootstrap", server.bootstrap, "--from-beginning", "--format", "json"]);
    expect(consumed.status).toBe(0);
    expect(consumed.stderr).toBe("Processed a total of 4 messages\n");
    const records = consumed.stdout.trim().split("\n").map((line) => JSON.parse(line) as { key: string; value: string | null; partition: number });
    expect(records.map((r) => `${r.key}=${r.value}`).sort()).toEqual(["a=null", "a=one", "b=two", "c=three"]);
    const printed = await kcat(["-C", "-t", "lines", "-e", "-o", "beginning", "-f", "%k=%s\n", "-Z"]);
    // kcat -Z prints a null value as NULL: the tombstone arrived as one.
    expect(printed.trim().split("\n").sort()).toEqual(["a=NULL", "a=one", "b=two", "c=three"]);
    // Without --from-beginning, consume starts at the end: nothing new.
    expect((await cli(["consume", "lines", "--bootstrap", server.bootstrap])).stdout).toBe("");
    const limited = await cli(["consume", "lines", "--bootstrap", server.bootstrap, "--partition", "0", "--offset", "0", "--max-messages", "1"]);
    expect(limited.stdout.trim().split("\n")).toHaveLength(1);
  }, TIMEOUT_MS);

  it("under Deno (Deno.connect), produces lines that consume --bootstrap under Node reads back", async () => {
    const produced = await cli(["produce", "from-deno", "--bootstrap", server.bootstrap, "--key-separator", ":"], "d:deno\ne:also deno\n", "deno");
    expect(produced.stderr).toBe("");
    expect(produced.status).toBe(0);
    const consumed = await cli(["consume", "from-deno", "--bootstrap", server.bootstrap, "--from-beginning"]);
    expect(consumed.stdout.trim().split("\n").sort()).toEqual(["also deno", "deno"]);
  }, TIMEOUT_MS);

  it("refuses --data-dir with --bootstrap, neither, a malformed address and data-dir-only flags, with one line and exit 2", async () => {
    const both = await cli(["produce", "t", "--data-dir", dir, "--bootstrap", server.bootstrap]);
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/^usage error: produce takes --data-dir DIR or --bootstrap HOST:PORT, not both .*\n$/);
    const neither = await cli(["consume", "t"]);
    expect(neither.status).toBe(2);
    expect(neither.stderr).toMatch(/^usage error: consume needs --data-dir DIR or --bootstrap HOST:PORT\[,HOST:PORT\] .*\n$/);
    const malformed = await cli(["consume", "t", "--bootstrap", "localhost"]);
    expect(malformed.status).toBe(2);
    expect(malformed.stderr).toMatch(/^usage error: --bootstrap "localhost" is not host:port .*\n$/);
    const partitions = await cli(["produce", "t", "--bootstrap", server.bootstrap, "--partitions", "3"]);
    expect(partitions.status).toBe(2);
    expect(partitions.stderr).toMatch(/^usage error: produce --partitions works with --data-dir only, not --bootstrap .*\n$/);
  }, TIMEOUT_MS);

  it("an unreachable bootstrap server is one line on stderr and exit 1, no stack trace", async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0));
      });
    });
    for (const command of ["produce", "consume"]) {
      const failed = await cli([command, "t", "--bootstrap", `127.0.0.1:${port}`], "x\n");
      expect(failed.status).toBe(1);
      expect(failed.stderr.split("\n").filter((line) => line !== "" && !line.startsWith("Processed a total"))).toEqual([
        `error: broker 127.0.0.1:${port}: cannot connect: connect ECONNREFUSED 127.0.0.1:${port}`,
      ]);
    }
  }, TIMEOUT_MS);
});
