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

// test/kafka/ runs Apache Kafka's tools and broker: it needs Java 17+ and Maven
// (which fetches Kafka's jars). Without them it is left out with one line
// saying why, unless LOGLAB_REQUIRE_KAFKA=1 (set by CI) makes that a failure.
function kafkaMissing() {
  const java = spawnSync("java", ["-version"], { encoding: "utf8" });
  if (java.error !== undefined || java.status !== 0) return "no java on the PATH";
  const major = Number(/version "(\d+)/.exec(java.stderr)?.[1] ?? 0);
  if (major < 17) return `java ${major} is older than 17`;
  const mvn = spawnSync(process.platform === "win32" ? "mvn.cmd" : "mvn", ["-v"], { encoding: "utf8" });
  if (mvn.error !== undefined || mvn.status !== 0) return "no mvn on the PATH";
  return null;
}
const kafkaAbsent = kafkaMissing();
if (kafkaAbsent === null) {
  if (run("kafka:fetch", npm, ["run", "kafka:fetch", "--silent"])) suites.push(["kafka", process.execPath, [vitest, "run", "--project", "kafka"]]);
  else allGreen = false;
} else if (process.env.LOGLAB_REQUIRE_KAFKA === "1") {
  console.log(`\n== kafka: test/kafka/ cannot run (${kafkaAbsent}) and LOGLAB_REQUIRE_KAFKA=1 requires it`);
  allGreen = false;
} else {
  console.log(`\n== kafka: skipped test/kafka/ (${kafkaAbsent}; needs Java 17+ and Maven)`);
}
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
