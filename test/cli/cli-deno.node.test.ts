// The same CLI under Deno (on Deno's own file API), sharing a data folder with
// the Node CLI: each reads what the other wrote.

import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const deno = join(root, "node_modules", ".bin", "deno");

function run(runtime: "node" | "deno", args: string[], input = "") {
  const [command, prefix] = runtime === "node"
    ? [process.execPath, [join(root, "dist", "src", "cli", "main.js")]]
    : [deno, ["run", "--allow-all", "--config", join(root, "deno.json"), join(root, "src", "cli", "main.ts")]];
  const result = spawnSync(command, [...prefix, ...args], {
    input,
    encoding: "utf8",
    env: { ...process.env, DENO_DIR: join(root, ".cache", "deno"), DENO_NO_UPDATE_CHECK: "1" },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

it("Deno's CLI and Node's read each other's logs", () => {
  const dir = mkdtempSync(join(tmpdir(), "loglab-deno-cli-"));
  expect(run("deno", ["produce", "shared", "--data-dir", dir, "--key-separator", ":"], "a:from deno\nb:also deno")).toMatchObject({ status: 0 });
  expect(run("node", ["produce", "shared", "--data-dir", dir, "--key-separator", ":"], "c:from node")).toMatchObject({ status: 0 });
  const fromDeno = run("deno", ["consume", "shared", "--data-dir", dir, "--from-beginning", "--format", "json"]);
  expect(fromDeno.status).toBe(0);
  expect(fromDeno.stdout.trim().split("\n").map((line) => JSON.parse(line)).map((r) => [r.offset, r.key, r.value])).toEqual([
    [0, "a", "from deno"], [1, "b", "also deno"], [2, "c", "from node"],
  ]);
  expect(run("node", ["consume", "shared", "--data-dir", dir, "--from-beginning"]).stdout).toBe("from deno\nalso deno\nfrom node\n");
});

it("standard input keeps lines that arrive before the reader starts, in Node and in Deno", () => {
  const script = (module: string) =>
    `import { splitLines, stdinChunks } from ${JSON.stringify(module)};
     const lines = splitLines(stdinChunks());
     await new Promise((resolve) => setTimeout(resolve, 300));
     const out = [];
     for await (const line of lines) out.push(new TextDecoder().decode(line.bytes));
     console.log(JSON.stringify(out));`;
  const env = { ...process.env, DENO_DIR: join(root, ".cache", "deno"), DENO_NO_UPDATE_CHECK: "1" };
  const node = spawnSync(process.execPath, ["--input-type=module", "-e", script(join(root, "dist", "src", "cli", "input.js"))], { input: "a\nb\nc\n", encoding: "utf8" });
  expect(node.stdout.trim()).toBe('["a","b","c"]');
  const denoRun = spawnSync(deno, ["eval", "--config", join(root, "deno.json"), script(join(root, "src", "cli", "input.ts"))], { input: "a\nb\nc\n", encoding: "utf8", env });
  expect(denoRun.stdout.trim()).toBe('["a","b","c"]');
});
