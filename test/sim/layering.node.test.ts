// DESIGN.md's layers as a table: every import in src/, sim/, web/ and bench/
// points down the table (or stays in its folder) and reaches another folder only through its face.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * DESIGN.md's layers, lowest first: a module imports from its own folder or
 * from a row above it in this list, never from a row below (DESIGN.md draws
 * the same order top down). `src` is the package entry, src/index.ts, which
 * gathers the faces below it. Rows marked `planned` have no folder yet.
 */
const LAYERS: readonly { readonly folder: string; readonly planned?: true }[] = [
  { folder: "src/runtime" },
  { folder: "src/format" },
  { folder: "src/storage" },
  { folder: "src/partitioner" },
  { folder: "src/log" },
  { folder: "src/broker" },
  { folder: "src/cluster", planned: true },
  { folder: "src/client" },
  { folder: "src/wire" },
  { folder: "src" },
  { folder: "src/examples" },
  { folder: "src/cli" },
  { folder: "sim" },
  { folder: "web" },
  { folder: "bench" },
  { folder: "test" },
];

/**
 * Imports that point up the table on purpose: the `loglab` bin in src/cli is
 * a shell above the simulator and runs `loglab sim` (nothing else in src/ may import sim/).
 */
const UPWARD_ALLOWED: readonly (readonly [from: string, to: string])[] = [["src/cli", "sim"]];

/**
 * A folder's face is its index.ts (src's is src/index.ts). Besides the face,
 * a module that needs one runtime is an entry point of its own, so that the
 * environment-free face loads unchanged in the browser, Deno and Node: the
 * storage adapters (package.json's `loglab/storage/…` entry points), the wire
 * server's and client's socket shells (`loglab/wire/node-server`, `loglab/wire/deno-server`, `loglab/wire/node-client`,
 * `loglab/wire/deno-client`) and the
 * simulator's command line (it reads and writes files; `loglab sim` runs it).
 */
const ENTRY_POINTS: readonly string[] = [
  "src/storage/node-fs.ts",
  "src/storage/deno-fs.ts",
  "src/storage/indexeddb.ts",
  "src/storage/opfs.ts",
  "src/wire/node-server.ts",
  "src/wire/deno-server.ts",
  "src/wire/node-client.ts",
  "src/wire/deno-client.ts",
  "sim/command.ts",
];

/** The folders whose imports are checked (test/ reaches into modules to test them). */
const CHECKED = ["src", "sim", "web", "bench"];
const SKIPPED_FOLDERS = new Set(["node_modules", "dist"]);

const root = fileURLToPath(new URL("../..", import.meta.url));
const posix = (path: string) => path.split(sep).join("/");

function sourceFiles(folder: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(join(root, folder), { withFileTypes: true })) {
    const path = `${folder}/${entry.name}`;
    if (entry.isDirectory() && !SKIPPED_FOLDERS.has(entry.name)) found.push(...sourceFiles(path));
    else if (entry.isFile() && /\.(ts|tsx|mts|js|mjs)$/.test(entry.name)) found.push(path);
  }
  return found;
}

interface Import {
  readonly file: string;
  readonly line: number;
  readonly specifier: string;
}

const IMPORT_PATTERNS = [
  /\b(?:import|export)\b[^;'"`]*?\bfrom\s*["']([^"']+)["']/g, // import … from "x", export … from "x"
  /\bimport\s*["']([^"']+)["']/g, // import "x"
  /\bimport\(\s*["']([^"']+)["']\s*\)/g, // import("x")
];

function importsOf(file: string): Import[] {
  const text = readFileSync(join(root, file), "utf8");
  const lineAt = (index: number) => text.slice(0, index).split("\n").length;
  return IMPORT_PATTERNS.flatMap((pattern) =>
    [...text.matchAll(pattern)].map((match) => ({ file, line: lineAt(match.index), specifier: match[1]! })));
}

/** The table's row of a repository path: the longest folder containing it (src's row holds only files directly in src/). */
function layerOf(path: string): number | undefined {
  let best: number | undefined;
  LAYERS.forEach(({ folder }, rank) => {
    if (path.startsWith(`${folder}/`) && (best === undefined || folder.length > LAYERS[best]!.folder.length)) best = rank;
  });
  if (best !== undefined && LAYERS[best]!.folder === "src" && dirname(path) !== "src") return undefined;
  return best;
}

/** What is wrong with one import, or null. */
function offence({ file, specifier }: Import): string | null {
  if (!specifier.startsWith(".")) return null; // a package
  const [path, query] = specifier.split("?");
  const target = posix(relative(root, resolve(root, dirname(file), path!)));
  const from = layerOf(file);
  const to = layerOf(target);
  if (from === undefined) return `${file} is in no row of the table`;
  if (to === undefined) return `imports ${target}, which is in no row of the table`;
  if (from === to) return null;
  const fromFolder = LAYERS[from]!.folder;
  const toFolder = LAYERS[to]!.folder;
  if (to > from && !UPWARD_ALLOWED.some(([a, b]) => a === fromFolder && b === toFolder)) {
    return `points up: ${fromFolder} is below ${toFolder}`;
  }
  // Vite's ?raw imports a module's text, not the module: only its direction counts.
  if (query === "raw") return null;
  const face = toFolder === "src" ? "src/index.ts" : `${toFolder}/index.ts`;
  if (target !== face && !ENTRY_POINTS.includes(target)) return `skips ${toFolder}'s face (${face})`;
  return null;
}

describe("layering", () => {
  const files = CHECKED.flatMap(sourceFiles);
  const imports = files.flatMap(importsOf);

  it("reads the imports of every module it checks", () => {
    expect(files.filter((file) => file.startsWith("src/")).length).toBeGreaterThan(50);
    expect(files.filter((file) => file.startsWith("sim/")).length).toBeGreaterThan(10);
    expect(files.filter((file) => file.startsWith("web/")).length).toBeGreaterThan(10);
    expect(imports.length).toBeGreaterThan(500);
  });

  it("every folder has its row, face and entry points", () => {
    const srcFolders = readdirSync(join(root, "src"), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => `src/${e.name}`);
    expect(srcFolders.filter((folder) => !LAYERS.some((layer) => layer.folder === folder))).toEqual([]);
    const exists = (path: string) => statSync(join(root, path), { throwIfNoEntry: false }) !== undefined;
    // The rows from web/ up are programs: nothing imports them, so they need no face.
    const web = LAYERS.findIndex((layer) => layer.folder === "web");
    const faces = LAYERS.slice(0, web).filter((layer) => !layer.planned).map(({ folder }) => `${folder}/index.ts`);
    expect([...faces, ...ENTRY_POINTS].filter((path) => !exists(path))).toEqual([]);
    expect(LAYERS.filter((layer) => layer.planned && exists(layer.folder)).map((layer) => layer.folder)).toEqual([]);
  });

  it("the storage adapters that are entry points are the package's `loglab/storage/…` entry points", () => {
    const { exports } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { exports: Record<string, { default: string }> };
    const packaged = Object.values(exports).map((entry) => entry.default.replace(/^\.\/dist\/(.*)\.js$/, "$1.ts"));
    expect(ENTRY_POINTS.filter((path) => path.startsWith("src/") && !packaged.includes(path))).toEqual([]);
  });

  it("every import points down the table and reaches another folder through its face", () => {
    const offenders = imports.flatMap((found) => {
      const problem = offence(found);
      return problem === null ? [] : [`${found.file}:${found.line} imports "${found.specifier}": ${problem}`];
    });
    expect(offenders, `imports that break DESIGN.md's layers:\n${offenders.join("\n")}`).toEqual([]);
  });

  it("no import() hides its target from this check", () => {
    // The one exception: `loglab sim --program FILE` loads a user's module, a file URL made from the path given, outside the tree.
    const userModule = /\bimport\(pathToFileURL\(resolve\(file\)\)\.href\)/g;
    const computed = files.filter((file) => /\bimport\(\s*[^"'\s)]/.test(readFileSync(join(root, file), "utf8").replace(file === "sim/command.ts" ? userModule : /(?!)/, "")));
    expect(computed).toEqual([]);
  });
});
