#!/usr/bin/env node
// `npm run example`: the talk's three consumer loops, and the exactly-once
// transactional loop, each crashed after every step in turn, with how often
// each record ended up processed. With --bootstrap HOST:PORT the same loops run
// against a Kafka cluster (or `loglab serve`) over Kafka's wire protocol, on the
// talk's topic and group, in real time instead of the simulator's.

import { parseArgs } from "node:util";
import { kafkaTransport } from "../src/wire/node-client.ts";
import { clusterCrashLab, clusterExactlyOnceLab, type ClusterLabOptions } from "./cluster-lab.ts";
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

const { values } = parseArgs({ options: { bootstrap: { type: "string" } }, strict: true });
if (values.bootstrap === undefined) {
  for (const [name, loop, config] of loops) await table(name, (crashAt) => crashLab(loop, config, crashAt));
  await table("exactly-once (transactions, read_committed)", (crashAt) => exactlyOnceLab(crashAt));
} else {
  const bootstrap = values.bootstrap;
  const cluster: ClusterLabOptions = { connect: () => kafkaTransport({ bootstrap, clientId: "loglab-example", requestTimeoutMs: 15_000, fetchMaxWaitMs: 100 }) };
  console.log(`against ${bootstrap}: topic test, partition 0, group myConsumerGroup`);
  try {
    for (const [name, loop, config] of loops) await table(name, (crashAt) => clusterCrashLab(loop, config, crashAt, cluster));
    await table("exactly-once (transactions, read_committed)", (crashAt) => clusterExactlyOnceLab(crashAt, cluster));
  } catch (error) {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
