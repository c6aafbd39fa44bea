// `loglab consume` streams: it prints records as it reads them, reads no
// faster than its reader takes them, and when the reader goes away
// (`consume … | head -1`) stops reading and exits quietly, in Node and Deno.

import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { encodeBatch } from "../../src/format/index.ts";
import { LogManager } from "../../src/log/index.ts";
import { systemClock } from "../../src/runtime/index.ts";
import { NodeFsStorage } from "../../src/storage/node-fs.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const cli = join(root, "dist", "src", "cli", "main.js");
const deno = join(root, "node_modules", ".bin", "deno");
const denoEnv = { ...process.env, DENO_DIR: join(root, ".cache", "deno"), DENO_NO_UPDATE_CHECK: "1" };
/** Several fetches' worth of records (a fetch is 1 MiB, some 58,000 of these), so stopping early is visible. */
const RECORDS = 300_000;

const command = {
  node: [process.execPath, cli],
  deno: [deno, "run", "--allow-all", "--config", join(root, "deno.json"), join(root, "src", "cli", "main.ts")],
} as const;

/** Runs `loglab ARGS | head -1` in a shell; returns loglab's exit status and stderr, and what head printed. */
function consumeIntoHead(runtime: keyof typeof command, args: string[]) {
  const quoted = [...command[runtime], ...args].map((part) => `'${part}'`).join(" ");
  const errFile = join(mkdtempSync(join(tmpdir(), "loglab-head-")), "stderr");
  const script = `${quoted} 2>'${errFile}' | head -1; status=\${PIPESTATUS[0]}; cat '${errFile}' >&2; exit $status`;
  const result = spawnSync("bash", ["-c", script], { encoding: "utf8", env: denoEnv });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

let dir = "";
beforeAll(() => {
  if (!existsSync(cli)) throw new Error("dist/src/cli/main.js is missing: run `npm run build` first");
  dir = mkdtempSync(join(tmpdir(), "loglab-stream-"));
  const lines = Array.from({ length: RECORDS }, (_, i) => `rec-${String(i + 1).padStart(6, "0")}`).join("\n");
  const produced = spawnSync(process.execPath, [cli, "produce", "big", "--data-dir", dir], { input: lines, encoding: "utf8" });
  expect(produced.status).toBe(0);
}, 120_000);

describe.each(["node", "deno"] as const)("consume under %s", (runtime) => {
  it("stops reading once its reader goes away (| head -1) and exits 0 without an error", () => {
    const { status, stdout, stderr } = consumeIntoHead(runtime, ["consume", "big", "--data-dir", dir, "--from-beginning"]);
    expect(stdout).toBe("rec-000001\n");
    expect(stderr).not.toMatch(/EPIPE|BrokenPipe|error|\n\s+at /i);
    expect(status).toBe(0);
    // It printed (into the closed pipe) only what it had read before it noticed: not the whole topic.
    const processed = Number(/Processed a total of (\d+) messages/.exec(stderr)?.[1]);
    expect(processed).toBeGreaterThan(0);
    expect(processed).toBeLessThan(RECORDS);
  }, 60_000);
});

/** A data dir holding topic "big": `batches` batches of 500 records of 100 bytes (50 KB each). */
async function bigTopic(batches: number): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), "loglab-stream-big-"));
  const manager = await LogManager.open({ storage: new NodeFsStorage(dataDir), clock: systemClock });
  await manager.createTopic("big", 1);
  const value = new Uint8Array(100).fill(0x61);
  const batch = encodeBatch({ baseTimestamp: Date.now(), records: Array.from({ length: 500 }, () => ({ value })) });
  for (let i = 0; i < batches; i++) await manager.log("big", 0).append(batch);
  await manager.close();
  return dataDir;
}

/** GNU time, which reports a program's peak RSS (Deno has no hook to report its own as it exits). */
const GNU_TIME = "/usr/bin/time";

/**
 * Runs the CLI with stdout into a pipe this test drains, one chunk per turn
 * of its event loop (a slow reader); resolves with the bytes read and the
 * CLI's peak RSS.
 */
function consumeIntoPipe(runtime: keyof typeof command, args: string[]): Promise<{ status: number | null; stdoutBytes: number; maxRssBytes: number }> {
  let child;
  let peak = "";
  let peakFile = "";
  if (runtime === "node") {
    // The CLI runs as the main module of a process that reports its peak RSS on descriptor 3 as it exits.
    const reportPeak = "process.on('exit', () => require('node:fs').writeSync(3, String(process.resourceUsage().maxRSS * 1024))); import(process.argv[1]);";
    child = spawn(process.execPath, ["-e", reportPeak, cli, ...args], { stdio: ["ignore", "pipe", "ignore", "pipe"] });
    (child.stdio[3] as NodeJS.ReadableStream).on("data", (chunk: Buffer) => (peak += chunk.toString()));
  } else {
    if (!existsSync(GNU_TIME)) throw new Error(`${GNU_TIME} (GNU time) is missing: it measures the Deno CLI's peak RSS`);
    peakFile = join(mkdtempSync(join(tmpdir(), "loglab-rss-")), "peak");
    child = spawn(GNU_TIME, ["-f", "%M", "-o", peakFile, ...command.deno, ...args], { stdio: ["ignore", "pipe", "ignore"], env: denoEnv });
  }
  let stdoutBytes = 0;
  const stdout = child.stdout!;
  stdout.on("data", (chunk: Buffer) => {
    stdoutBytes += chunk.length;
    stdout.pause();
    setImmediate(() => stdout.resume());
  });
  return new Promise((resolve) => child.on("close", (status) => {
    // GNU time reports kilobytes.
    const maxRssBytes = runtime === "node" ? Number(peak) : Number(readFileSync(peakFile, "utf8").trim()) * 1024;
    resolve({ status, stdoutBytes, maxRssBytes });
  }));
}

describe.each(["node", "deno"] as const)("consume backpressure under %s", (runtime) => {
  it("keeps its memory far below the topic's size when printing 100 MB into a slow pipe", async () => {
    const dataDir = await bigTopic(2_000);
    const { status, stdoutBytes, maxRssBytes } = await consumeIntoPipe(runtime, ["consume", "big", "--data-dir", dataDir, "--from-beginning"]);
    expect(status).toBe(0);
    expect(stdoutBytes).toBe(1_000_000 * 101);
    // Printing without waiting for the pipe held the whole output in memory: some 400 MB.
    expect(maxRssBytes).toBeGreaterThan(0);
    expect(maxRssBytes).toBeLessThan(300 * 2 ** 20);
  }, 120_000);
});
