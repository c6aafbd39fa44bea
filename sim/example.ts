#!/usr/bin/env node
// `npm run example`: the talk's three consumer loops, and the exactly-once
// transactional loop, each crashed after every step in turn, with how often
// each record ended up processed.

import { crashLab, type ConsumerLoop, type CrashLabResult, exactlyOnceLab } from "./crash-lab.ts";
import { atLeastOnceLoop, atMostOnceLoop, BASIC_CONSUMER_CONFIG, basicConsumerLoop, MANUAL_STORE_CONFIG } from "../src/examples/index.ts";

const loops: [string, ConsumerLoop, typeof BASIC_CONSUMER_CONFIG][] = [
  ["basic consumer (auto-commit every 100 ms)", basicConsumerLoop, BASIC_CONSUMER_CONFIG],
  ["at-most-once (store, then process)", atMostOnceLoop, MANUAL_STORE_CONFIG],
  ["at-least-once (process, then store)", atLeastOnceLoop, MANUAL_STORE_CONFIG],
];

async function table(name: string, lab: (crashAt: number | null) => Promise<CrashLabResult>): Promise<void> {
  console.log(`\n${name}: 5 records; times each record was processed`);
  const { steps } = await lab(null);
  for (let crashAt = 1; crashAt <= steps.length; crashAt++) {
    const { processed } = await lab(crashAt);
    const step = steps[crashAt - 1]!;
    const where = `${step.name}${step.offset === null ? "" : ` #${step.offset}`}`.padEnd(16);
    const lost = processed.filter((n) => n === 0).length;
    const twice = processed.filter((n) => n > 1).length;
    console.log(`  crash after ${where} [${processed.join(" ")}]${lost ? `  ${lost} lost` : ""}${twice ? `  ${twice} twice` : ""}`);
  }
}

for (const [name, loop, config] of loops) await table(name, (crashAt) => crashLab(loop, config, crashAt));
await table("exactly-once (transactions, read_committed)", (crashAt) => exactlyOnceLab(crashAt));
