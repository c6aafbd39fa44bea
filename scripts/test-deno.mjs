// Runs the environment-free test suite under Deno, using the Deno binary that
// the `deno` npm package installs and the node_modules npm already built.
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const denoDir = join(root, ".cache", "deno");
mkdirSync(denoDir, { recursive: true });
const result = spawnSync(
  join(root, "node_modules", ".bin", "deno"),
  ["run", "--allow-all", "--config", "deno.json", "node_modules/vitest/vitest.mjs", "run", ...process.argv.slice(2)],
  { cwd: root, stdio: "inherit", env: { ...process.env, DENO_DIR: denoDir, DENO_NO_UPDATE_CHECK: "1" } },
);
process.exit(result.status ?? 1);
