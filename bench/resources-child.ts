// One case of bench/resources.ts, in a process of its own so that its peak RSS
// is its own. Writes {"seconds", "maxRssBytes"} as JSON to file descriptor 3.
//   create DIR N          a topic of N partitions in a new data dir (as `loglab topics --create`)
//   setup-topics DIR N    N one-partition topics (setting up, not measured)
//   setup-records DIR N   topic "big" of N 100-byte records (setting up, not measured)
//   setup-partitions DIR N  topic "p" of N partitions of 50 KB each, so every segment has index entries
//   open DIR              opens every log of a data dir and closes it
//   cli ARGS...           the loglab command line, in this process

import * as fs from "node:fs";
import { main } from "../src/cli/index.ts";
import { encodeBatch } from "../src/format/index.ts";
import { LogManager } from "../src/log/index.ts";
import { systemClock } from "../src/runtime/index.ts";
import { NodeFsStorage } from "../src/storage/node-fs.ts";

const RECORD_BYTES = 100;
const RECORDS_PER_BATCH = 500;

const openManager = (dir: string) => LogManager.open({ storage: new NodeFsStorage(dir), clock: systemClock });

async function createTopics(dir: string, topics: number, partitions: number): Promise<void> {
  const manager = await openManager(dir);
  for (let i = 0; i < topics; i++) await manager.createTopic(topics === 1 ? "big" : `topic-${i}`, partitions);
  await manager.close();
}

async function fillTopic(dir: string, records: number): Promise<void> {
  const manager = await openManager(dir);
  await manager.createTopic("big", 1);
  const log = manager.log("big", 0);
  const value = new Uint8Array(RECORD_BYTES).fill(0x61);
  for (let written = 0; written < records; written += RECORDS_PER_BATCH) {
    const count = Math.min(RECORDS_PER_BATCH, records - written);
    await log.append(encodeBatch({ baseTimestamp: Date.now(), records: Array.from({ length: count }, () => ({ value })) }));
  }
  await manager.close();
}

async function fillPartitions(dir: string, partitions: number): Promise<void> {
  const manager = await openManager(dir);
  await manager.createTopic("p", partitions);
  const value = new Uint8Array(RECORD_BYTES).fill(0x62);
  const batch = encodeBatch({ baseTimestamp: Date.now(), records: Array.from({ length: 50 }, () => ({ value })) });
  for (let partition = 0; partition < partitions; partition++) {
    for (let i = 0; i < 10; i++) await manager.log("p", partition).append(batch);
  }
  await manager.close();
}

async function runCase([name, ...args]: string[]): Promise<void> {
  const [dir = "", count = "0"] = args;
  switch (name) {
    case "create":
      return createTopics(dir, 1, Number(count));
    case "setup-topics":
      return createTopics(dir, Number(count), 1);
    case "setup-records":
      return fillTopic(dir, Number(count));
    case "setup-partitions":
      return fillPartitions(dir, Number(count));
    case "open":
      return (await openManager(dir)).close();
    case "cli": {
      const exitCode = await main(args);
      if (exitCode !== 0) throw new Error(`loglab ${args.join(" ")} exited ${exitCode}`);
      return;
    }
    default:
      throw new Error(`unknown case ${name}`);
  }
}

const start = performance.now();
await runCase(process.argv.slice(2));
const seconds = (performance.now() - start) / 1000;
// Standard output may still be draining into its pipe; the figures go to their own descriptor.
fs.writeSync(3, JSON.stringify({ seconds, maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
