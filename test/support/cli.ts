// The `loglab` command as tests run it: the built package's bin under Node,
// the sources under Deno (through the `deno` npm package's binary), with
// Deno's caches kept inside the checkout.

import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export type CliRuntime = "node" | "deno";

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
/** The installed command (package.json bin). */
export const nodeCli = join(repoRoot, "dist", "src", "cli", "main.js");
export const denoBinary = join(repoRoot, "node_modules", ".bin", "deno");
export const cliEnv: NodeJS.ProcessEnv = { ...process.env, DENO_DIR: join(repoRoot, ".cache", "deno"), DENO_NO_UPDATE_CHECK: "1" };
/** More than any test prints (spawnSync's default of 1 MiB would cut a consume short). */
export const CLI_OUTPUT_BYTES_MAX = 256 * 1024 * 1024;

/** The program and arguments that run `loglab ARGS` in `runtime`. */
export function cliCommand(runtime: CliRuntime, args: readonly string[]): [string, string[]] {
  if (runtime === "node") {
    if (!existsSync(nodeCli)) throw new Error("dist/src/cli/main.js is missing: run `npm run build` first");
    return [process.execPath, [nodeCli, ...args]];
  }
  return [denoBinary, ["run", "--allow-all", "--config", join(repoRoot, "deno.json"), join(repoRoot, "src", "cli", "main.ts"), ...args]];
}

export interface CliRunOptions {
  readonly input?: string | Uint8Array;
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
}

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `loglab ARGS` to the end and returns its exit status and output. */
export function runCli(runtime: CliRuntime, args: readonly string[], options: CliRunOptions = {}): CliResult {
  const [program, argv] = cliCommand(runtime, args);
  const result = spawnSync(program, argv, {
    input: options.input ?? "",
    encoding: "utf8",
    env: { ...cliEnv, ...options.env },
    cwd: options.cwd ?? repoRoot,
    maxBuffer: CLI_OUTPUT_BYTES_MAX,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A `loglab` process left running, its stdin open, its output collected. */
export function startCli(runtime: CliRuntime, args: readonly string[]) {
  const [program, argv] = cliCommand(runtime, args);
  const child = spawn(program, argv, { env: cliEnv, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk) => (stdout += chunk));
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  const exit = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  return { child, exit, output: () => ({ stdout, stderr }) };
}

/** Waits until `done()` holds; not a timing assertion, only how long a slow machine may take. */
export async function until(done: () => boolean, what: string, waitMs = 60_000): Promise<void> {
  const deadline = Date.now() + waitMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
