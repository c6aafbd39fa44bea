// `npm run sim -- NAME --seed N [--trace FILE]`: runs a scenario, prints each
// run's verdict and what the checker found, and exits non-zero if a
// configuration broke a guarantee it promises.

import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { SCENARIOS } from "./scenarios/index.ts";

function usage(problem: string): never {
  console.error(`${problem}\n\nUsage: npm run sim -- NAME --seed N [--trace FILE]\nScenarios:\n` +
    Object.entries(SCENARIOS).map(([name, s]) => `  ${name.padEnd(16)} ${s.teaches}`).join("\n"));
  process.exit(2);
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { seed: { type: "string", default: "1" }, trace: { type: "string" } } });
const [name] = positionals;
if (name === undefined) usage("which scenario?");
const scenario = SCENARIOS[name];
if (scenario === undefined) usage(`unknown scenario "${name}"`);
if (!/^\d+$/.test(values.seed!)) usage(`--seed must be a non-negative integer, got "${values.seed}"`);
const seed = Number(values.seed);

const runs = await scenario.run(seed);
let broken = false;
for (const run of runs) {
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
  console.log(`a promised guarantee was broken; replay with: npm run sim -- ${name} --seed ${seed}`);
  process.exit(1);
}
