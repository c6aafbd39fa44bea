// `npm run sim -- NAME --seed N [--trace FILE]`: runs a scenario (or "all"
// of them), prints each run's verdict and what the checker found, and exits
// non-zero if a configuration broke a guarantee it promises.

import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { type RunResult, SCENARIOS } from "./scenarios/index.ts";

function usage(problem: string): never {
  console.error(`${problem}\n\nUsage: npm run sim -- NAME|all --seed N [--trace FILE]\nScenarios:\n` +
    Object.entries(SCENARIOS).map(([name, s]) => `  ${name.padEnd(16)} ${s.teaches}`).join("\n"));
  process.exit(2);
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { seed: { type: "string", default: "1" }, trace: { type: "string" } } });
const [requested] = positionals;
if (requested === undefined) usage("which scenario?");
if (requested !== "all" && SCENARIOS[requested] === undefined) usage(`unknown scenario "${requested}"`);
if (!/^\d+$/.test(values.seed!)) usage(`--seed must be a non-negative integer, got "${values.seed}"`);
const seed = Number(values.seed);
const names = requested === "all" ? Object.keys(SCENARIOS) : [requested];

const runs: RunResult[] = [];
let broken = false;
for (const name of names) {
  const found = await SCENARIOS[name]!.run(seed);
  runs.push(...found);
  for (const run of found) report(name, run);
}

function report(name: string, run: RunResult): void {
  const holds = run.violations.length === 0 ? "no violation" : `${run.violations.length} violation(s)`;
  console.log(`${name} (seed ${seed}), ${run.label}: ${holds}${run.promised ? " — its guarantee promises none" : " — no guarantee promised"}`);
  for (const line of run.violations.slice(0, 10)) console.log(`  ${line}`);
  for (const line of run.notes.slice(0, 10)) console.log(`  (allowed) ${line}`);
  if (run.promised && run.violations.length > 0) broken = true;
}

if (values.trace !== undefined) {
  writeFileSync(values.trace, JSON.stringify(runs, null, 2));
  console.log(`trace written to ${values.trace}`);
}
if (broken) {
  console.log(`a promised guarantee was broken; replay with: npm run sim -- ${requested} --seed ${seed}`);
  process.exit(1);
}
