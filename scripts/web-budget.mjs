// `npm run build:web` ends here: measures what a first visit to the built app
// downloads (index.html and every script, stylesheet and module preload it
// names — the wasm core is inside the main script), compressed with gzip as
// static hosts serve it, and fails when it exceeds the budget.
// Chunks loaded later (Web Workers, lazily imported code) are listed apart.

import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

export const FIRST_LOAD_BUDGET_KIB = 300;

const dist = join(dirname(fileURLToPath(import.meta.url)), "..", "web", "dist");
const html = readFileSync(join(dist, "index.html"), "utf8");
const firstLoad = new Set(["index.html"]);
for (const [, url] of html.matchAll(/(?:src|href)="\.\/([^"]+)"/g)) firstLoad.add(url);

const gzipKib = (file) => gzipSync(readFileSync(join(dist, file)), { level: 9 }).length / 1024;
const all = readdirSync(dist, { recursive: true, withFileTypes: true })
  .filter((entry) => entry.isFile())
  .map((entry) => relative(dist, join(entry.parentPath, entry.name)));

let total = 0;
console.log("first load (gzip):");
for (const file of firstLoad) {
  const kib = gzipKib(file);
  total += kib;
  console.log(`  ${kib.toFixed(1).padStart(7)} KiB  ${file}`);
}
const later = all.filter((file) => !firstLoad.has(file));
if (later.length > 0) console.log("loaded later (gzip):");
for (const file of later) console.log(`  ${gzipKib(file).toFixed(1).padStart(7)} KiB  ${file}`);
console.log(`first load: ${total.toFixed(1)} KiB of a ${FIRST_LOAD_BUDGET_KIB} KiB budget`);
if (total > FIRST_LOAD_BUDGET_KIB) {
  console.error(`over budget by ${(total - FIRST_LOAD_BUDGET_KIB).toFixed(1)} KiB`);
  process.exit(1);
}
