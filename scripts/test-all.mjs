// `npm test`: builds (the package and the web app), type-checks, then runs
// the suite in Node, in headless Chromium and in Deno, and the web app's
// end-to-end tests (Playwright driving the built app in Chromium); prints
// what ran in each, and closes with one line that sums them: "N passed, N failed".
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const results = join(root, ".cache", "test-results");
rmSync(results, { recursive: true, force: true });
mkdirSync(results, { recursive: true });

function run(label, command, args) {
  console.log(`\n== ${label}: ${[command, ...args].join(" ")}`);
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit" });
  return result.status === 0;
}

const npm = process.platform === "win32" ? "npm.cmd" : "npm";
if (
  !run("build", npm, ["run", "build", "--silent"]) || !run("build:web", npm, ["run", "build:web", "--silent"]) ||
  !run("typecheck", npm, ["run", "typecheck", "--silent"])
) {
  process.exit(1);
}

const vitest = "node_modules/vitest/vitest.mjs";
const suites = [
  ["node", process.execPath, [vitest, "run", "--project", "node"]],
  ["chromium", process.execPath, [vitest, "run", "--project", "chromium"]],
  ["deno", process.execPath, ["scripts/test-deno.mjs"]],
  ["web", process.execPath, [vitest, "run", "--project", "web"]],
];
let allGreen = true;
let passed = 0;
let failed = 0;
const summary = [];
for (const [label, command, args] of suites) {
  const output = join(results, `${label}.json`);
  allGreen = run(label, command, [...args, "--reporter=default", "--reporter=json", `--outputFile.json=${output}`]) && allGreen;
  let report;
  try {
    report = JSON.parse(readFileSync(output, "utf8"));
  } catch {
    console.log(`${label}: no results were written`);
    allGreen = false;
    continue;
  }
  // Skipped and todo tests count as failures: a check that did not run proves nothing.
  const notPassed = report.numFailedTests + report.numTodoTests + report.numPendingTests;
  summary.push(`  ${label}: ${report.numPassedTests} passed, ${notPassed} not passed (${report.testResults.length} files)`);
  passed += report.numPassedTests;
  failed += notPassed;
}

console.log("\n== summary");
for (const line of summary) console.log(line);
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(allGreen && failed === 0 && passed > 0 ? 0 : 1);
