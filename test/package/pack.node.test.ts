// The package as a user gets it: `npm pack`, the tarball installed into a
// fresh project with nothing from the network, and every entry point of
// package.json `exports` used where it is meant to run — a log kept on
// NodeFsStorage in Node, on DenoFsStorage in Deno, on IndexedDB in a page
// that Vite bundles and Chromium runs — and `deno publish --dry-run` for JSR.
// Needs `npm run build` first (the tarball packs dist/).

import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright";
import { build, preview } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const deno = join(root, "node_modules", ".bin", "deno");
const denoEnv = { ...process.env, DENO_DIR: join(root, ".cache", "deno"), DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" };
/** Packing, installing, bundling and a browser: slow on a shared machine, never a hang. */
const STEP_TIMEOUT_MS = 240_000;

/** What the README promises a user can import: the log, its storage adapters, the wire server's shells, and the simulator as a library. */
const ENTRY_POINTS = [
  ".", "./storage/node-fs", "./storage/deno-fs", "./storage/indexeddb", "./storage/opfs", "./wire/node-server", "./wire/deno-server",
  "./wire/node-client", "./wire/deno-client", "./sim",
];
/** The records every environment appends, and reads back after closing and reopening its log. */
const RECORDS = [[0, "a", "one"], [1, "b", "two"]];

function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, { cwd, env, encoding: "utf8", timeout: STEP_TIMEOUT_MS });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`);
  return result;
}

/** One program per environment: open a log, create a topic, append, close, reopen, read back. */
function logProgram(imports: string, openStorage: string, report: string): string {
  return `${imports}
import { decodeBatches, LogManager, systemClock } from "loglab";
const text = (bytes) => (bytes === null ? null : new TextDecoder().decode(bytes));
const open = async () => LogManager.open({ storage: ${openStorage}, clock: systemClock });
let manager = await open();
await manager.createTopic("documents", 1);
await manager.log("documents", 0).appendRecords([{ key: "a", value: "one" }, { key: "b", value: "two" }]);
await manager.close();
manager = await open();
const records = [];
for (const batch of decodeBatches((await manager.log("documents", 0).read(0)).records)) {
  for (const record of batch.records) records.push([record.offset, text(record.key), text(record.value)]);
}
await manager.close();
${report}
`;
}

const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  exports: Record<string, { types: string; default: string }>; types: string; dependencies: Record<string, string>;
};

describe.sequential("the packed package", () => {
  let work = "";
  let app = "";

  beforeAll(() => {
    for (const target of Object.values(manifest.exports)) {
      if (!existsSync(join(root, target.default))) throw new Error(`${target.default} is missing: run \`npm run build\` first`);
    }
    work = mkdtempSync(join(tmpdir(), "loglab-pack-"));
    app = join(work, "app");
    mkdirSync(app);
    const tarball = run(npm, ["pack", "--silent", "--ignore-scripts", "--pack-destination", work], root).stdout.trim().split("\n").at(-1)!;
    // The dependencies come packed from this checkout's node_modules, so the install needs no registry.
    const dependencies = Object.keys(manifest.dependencies).map((name) =>
      run(npm, ["pack", "--silent", "--ignore-scripts", "--pack-destination", work, join(root, "node_modules", name)], root).stdout.trim().split("\n").at(-1)!);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "loglab-user", private: true, type: "module" }));
    run(npm, ["install", "--offline", "--ignore-scripts", "--no-audit", "--no-fund", ...[tarball, ...dependencies].map((file) => join(work, file))], app);
  }, STEP_TIMEOUT_MS);

  afterAll(() => {
    if (work !== "") rmSync(work, { recursive: true, force: true });
  });

  it("exports every promised entry point with its types, from files the build made", () => {
    expect(Object.keys(manifest.exports)).toEqual(ENTRY_POINTS);
    expect(manifest.types).toBe(manifest.exports["."]!.types);
    for (const [name, target] of Object.entries(manifest.exports)) {
      expect(Object.keys(target), name).toEqual(["types", "default"]);
      expect(target.types, name).toBe(target.default.replace(/\.js$/, ".d.ts"));
      expect(existsSync(join(root, target.types)), target.types).toBe(true);
      expect(existsSync(join(app, "node_modules", "loglab", target.default)), `${target.default} in the tarball`).toBe(true);
    }
  });

  it("deno.json exports the same entry points for JSR, from the sources", () => {
    const config = JSON.parse(readFileSync(join(root, "deno.json"), "utf8")) as { name: string; version: string; exports: Record<string, string> };
    expect(config.name).toMatch(/^@[a-z0-9-]+\/loglab$/);
    expect(config.version).toBe((JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }).version);
    expect(Object.keys(config.exports)).toEqual(ENTRY_POINTS);
    for (const name of ENTRY_POINTS) {
      expect(config.exports[name], name).toBe(manifest.exports[name]!.default.replace(/^\.\/dist\//, "./").replace(/\.js$/, ".ts"));
    }
  });

  it("keeps a log on NodeFsStorage in Node, and every entry point imports with its types", () => {
    writeFileSync(join(app, "node.mjs"), logProgram(
      `import { NodeFsStorage } from "loglab/storage/node-fs";
import { DenoFsStorage } from "loglab/storage/deno-fs";
import { IndexedDbStorage } from "loglab/storage/indexeddb";
import { OpfsStorage } from "loglab/storage/opfs";`,
      "new NodeFsStorage(process.argv[2])",
      "console.log(JSON.stringify({ records, adapters: [DenoFsStorage, IndexedDbStorage, OpfsStorage].map((adapter) => typeof adapter) }));",
    ));
    const data = join(work, "node-data");
    const output = JSON.parse(run(process.execPath, ["node.mjs", data], app).stdout) as unknown;
    expect(output).toEqual({ records: RECORDS, adapters: ["function", "function", "function"] });
    expect(existsSync(join(data, "documents-0", "00000000000000000000.log"))).toBe(true);

    // The simulator from the installed package: a program that writes, crashed at its second step and restarted, judged by a check.
    writeFileSync(join(app, "sim.mjs"), `import { noLostWrites, simulate } from "loglab/sim";
const result = await simulate({
  seed: 4, topics: [{ name: "t", partitions: 1 }], runForMs: 1000,
  processes: {
    writer: async ({ producer, step, incarnation }) => {
      const p = producer({ "linger.ms": 0 });
      await p.send({ topic: "t", messages: [{ value: "v" + incarnation }] });
      await step("sent");
      await step("sent");
      await p.close();
    },
  },
  faults: { crashes: [{ process: "writer", step: "sent", occurrence: 2 }], restartAfterMs: [10, 10] },
  checks: { noLostWrites },
});
console.log(JSON.stringify({ valid: result.verdict.valid, read: result.history.filter((e) => e.op === "read").map((e) => e.value) }));
`);
    expect(JSON.parse(run(process.execPath, ["sim.mjs"], app).stdout)).toEqual({ valid: true, read: ["v1", "v2"] });

    // A TypeScript user resolves every entry point's declarations (an untyped import fails under strict).
    writeFileSync(join(app, "typed.ts"), `import { LogManager, type Storage } from "loglab";
import { NodeFsStorage } from "loglab/storage/node-fs";
import { DenoFsStorage } from "loglab/storage/deno-fs";
import { IndexedDbStorage } from "loglab/storage/indexeddb";
import { OpfsStorage } from "loglab/storage/opfs";
import { atLeastOnce, simulate, type SimulationResult } from "loglab/sim";
export const simulated: Promise<SimulationResult> = simulate({ seed: 1, topics: [], processes: { idle: async () => {} }, runForMs: 10, checks: { done: atLeastOnce([]) } });
export const storages: Storage[] = [new NodeFsStorage("data"), new DenoFsStorage("data")];
export const later: Promise<Storage>[] = [IndexedDbStorage.open("loglab"), OpfsStorage.open()];
export const opened: Promise<LogManager> = LogManager.open({ storage: storages[0]!, clock: { nowMs: () => 0 } });
`);
    writeFileSync(join(app, "tsconfig.json"), JSON.stringify({
      compilerOptions: {
        strict: true, noEmit: true, skipLibCheck: true, module: "nodenext", moduleResolution: "nodenext", target: "es2022",
        lib: ["es2023", "dom"], types: [],
      },
      files: ["typed.ts"],
    }));
    run(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"], app);
  }, STEP_TIMEOUT_MS);

  it("keeps a log on DenoFsStorage in Deno, from the installed package", () => {
    writeFileSync(join(app, "deno.mjs"), logProgram(
      `import { DenoFsStorage } from "loglab/storage/deno-fs";`,
      "new DenoFsStorage(Deno.args[0])",
      "console.log(JSON.stringify({ records }));",
    ));
    const data = join(work, "deno-data");
    const output = JSON.parse(run(deno, ["run", "--allow-read", "--allow-write", "deno.mjs", data], app, denoEnv).stdout) as unknown;
    expect(output).toEqual({ records: RECORDS });
    expect(existsSync(join(data, "documents-0", "00000000000000000000.log"))).toBe(true);
  }, STEP_TIMEOUT_MS);

  it("keeps a log on IndexedDB in a page that Vite bundles from the package and Chromium runs", async () => {
    const page = join(app, "page");
    mkdirSync(page);
    writeFileSync(join(page, "index.html"), `<!doctype html><html lang="en"><title>loglab</title><script type="module" src="./main.js"></script></html>`);
    writeFileSync(join(page, "main.js"), logProgram(
      `import { IndexedDbStorage } from "loglab/storage/indexeddb";
import { OpfsStorage, syncAccessHandlesAvailable } from "loglab/storage/opfs";
window.addEventListener("error", (event) => { document.body.dataset.result = JSON.stringify({ error: event.message }); });`,
      `await IndexedDbStorage.open("documents")`,
      "document.body.dataset.result = JSON.stringify({ records, opfs: [typeof OpfsStorage, typeof syncAccessHandlesAvailable()] });",
    ));
    const outDir = join(page, "dist");
    await build({ root: page, configFile: false, logLevel: "error", build: { outDir, emptyOutDir: true, target: "es2022" } });
    expect(readFileSync(join(outDir, "index.html"), "utf8")).toMatch(/<script type="module"[^>]*src="\/assets\//);

    const server = await preview({ root: page, configFile: false, logLevel: "error", build: { outDir }, preview: { port: 0, host: "127.0.0.1", open: false } });
    const address = server.httpServer.address();
    if (address === null || typeof address === "string") throw new Error("the preview server has no port");
    const chromiumPath = process.env.CHROMIUM_PATH ?? (existsSync("/usr/bin/chromium") ? "/usr/bin/chromium" : undefined);
    const browser = await chromium.launch({
      ...(chromiumPath === undefined ? {} : { executablePath: chromiumPath }),
      args: ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    });
    try {
      const tab = await browser.newPage();
      const errors: string[] = [];
      tab.on("pageerror", (error) => errors.push(String(error)));
      await tab.goto(`http://127.0.0.1:${address.port}/`);
      await tab.waitForFunction(() => document.body.dataset.result !== undefined, undefined, { timeout: STEP_TIMEOUT_MS / 2 });
      const result = JSON.parse((await tab.evaluate(() => document.body.dataset.result))!) as unknown;
      expect(result).toEqual({ records: RECORDS, opfs: ["function", "boolean"] });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
      await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
    }
  }, STEP_TIMEOUT_MS);

  it("passes `deno publish --dry-run`: JSR's checks, slow types included", () => {
    // --allow-dirty: the check is of the files, committed or not.
    const result = run(deno, ["publish", "--dry-run", "--allow-dirty"], root, denoEnv);
    expect(`${result.stdout}${result.stderr}`).toMatch(/Dry run complete/);
    expect(`${result.stdout}${result.stderr}`).toMatch(/src\/format\/core-wasm\.generated\.ts/);
    // loglab/sim: the simulator's face and what it imports, the talk's examples among them.
    expect(`${result.stdout}${result.stderr}`).toMatch(/sim\/simulate\.ts/);
    expect(`${result.stdout}${result.stderr}`).toMatch(/src\/examples\/talk\.ts/);
  }, STEP_TIMEOUT_MS);
});
