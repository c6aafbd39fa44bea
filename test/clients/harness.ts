// What the real-client tests share: a `loglab serve` on a free port over a
// temporary data dir, Debian's python (which has confluent-kafka and
// kafka-python), kcat to produce, and a runner that starts a client program
// and hands the test its output lines and its exit (the test may SIGKILL it).

import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NodeFsStorage } from "../../src/storage/node-fs.ts";
import { serve, type WireServer } from "../../src/wire/node-server.ts";

/** Debian's python 3, the one with confluent-kafka 1.7.0 (librdkafka 2.0.2) and kafka-python 2.0.2. */
export const PYTHON = "/usr/bin/python3";

export const here = (file: string): string => new URL(file, import.meta.url).pathname;

/** A `loglab serve` over a fresh data dir; stop() stops serving, close() also removes the dir. */
export async function startServe(config: Record<string, string> = {}): Promise<WireServer & { dir: string; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), "loglab-clients-"));
  const server = await serve({
    storage: new NodeFsStorage(dir), port: 0, log: () => {},
    config: { "num.partitions": "1", "group.initial.rebalance.delay.ms": "0", ...config },
  });
  return {
    bootstrap: server.bootstrap,
    port: server.port,
    dir,
    stop: () => server.close(),
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Fails loudly when the program is not installed (execFile's ENOENT names no package). */
function present(file: string): void {
  if (file === PYTHON && !existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: these tests need Debian's python 3 with confluent-kafka and kafka-python`);
}

/** Runs a program to its end; it must exit 0. */
export function run(file: string, args: readonly string[], input = "", timeoutMs = 30_000): Promise<string> {
  present(file);
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args.join(" ")} failed: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
    child.stdin!.end(input);
  });
}

/** Produces `values` into partition 0 of `topic`, one record per line, with kcat. */
export async function produceLines(bootstrap: string, topic: string, values: readonly string[]): Promise<void> {
  await run("kcat", ["-b", bootstrap, "-P", "-t", topic, "-p", "0", "-X", "acks=all"], values.map((v) => `${v}\n`).join(""));
}

/** A started program whose stdout lines can be awaited. */
export interface Running {
  readonly child: ChildProcess;
  readonly lines: string[];
  /** Resolves with the first stdout line matching `pattern`, or null if the program exits first. */
  line(pattern: RegExp): Promise<string | null>;
  /** The exit: the code, or the signal that ended it, and stderr. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

export function start(file: string, args: readonly string[]): Running {
  present(file);
  const child = spawn(file, args, { stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  let partial = "";
  let stderr = "";
  const waiters: (() => void)[] = [];
  let done = false;
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    const parts = (partial + chunk).split("\n");
    partial = parts.pop()!;
    lines.push(...parts);
    for (const wake of waiters.splice(0)) wake();
  });
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => { stderr += chunk; });
  child.on("error", (error) => { stderr += `${error.message}\n`; });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
    // "close" comes after the exit and after the pipes drained: the lines are final.
    child.on("close", (code, signal) => {
      done = true;
      for (const wake of waiters.splice(0)) wake();
      resolve({ code, signal, stderr });
    });
  });
  return {
    child, lines, exited,
    async line(pattern) {
      for (;;) {
        const found = lines.find((l) => pattern.test(l));
        if (found !== undefined) return found;
        if (done) return null;
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
  };
}

export const sleepMs = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
