// Resource benchmarks: time and peak memory of the operations that must stay
// bounded however big a data dir grows (creating, opening and listing many
// partitions, each holding some records; consuming a large topic into a pipe). Each runs in a child
// process of its own (bench/resources-child.ts), so its peak RSS is its own.

import { spawn } from "node:child_process";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Report } from "./harness.ts";

/** The goals the figures are held to (time in seconds, peak RSS in MiB). */
const GOALS = {
  createPartitions: { seconds: 30, rssMiB: 1024 },
  listPartitions: { seconds: 1, rssMiB: 200 },
} as const;
const CREATE_PARTITIONS = 10_000;
const LIST_TOPICS = 2_000;
const OPEN_PARTITIONS = 1_000;
/** About 100 MB of records: 1,000,000 records of 100 bytes. */
const CONSUME_RECORDS = 1_000_000;

const childScript = fileURLToPath(new URL("./resources-child.js", import.meta.url));

export interface ChildFigures {
  readonly seconds: number;
  readonly maxRssBytes: number;
  /** Bytes the child printed on standard output (read from a pipe and dropped). */
  readonly stdoutBytes: number;
}

/** Runs one case of resources-child in a fresh process; its stdout goes into a pipe that is read and dropped. */
export function runChild(args: readonly string[]): Promise<ChildFigures> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [childScript, ...args], { stdio: ["ignore", "pipe", "pipe", "pipe"] });
    let stdoutBytes = 0;
    let stderr = "";
    let figures = "";
    child.stdout!.on("data", (chunk: Buffer) => (stdoutBytes += chunk.length));
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    (child.stdio[3] as NodeJS.ReadableStream).on("data", (chunk: Buffer) => (figures += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`${args.join(" ")} exited ${code}: ${stderr.trim()}`));
      const { seconds, maxRssBytes } = JSON.parse(figures) as { seconds: number; maxRssBytes: number };
      resolve({ seconds, maxRssBytes, stdoutBytes });
    });
  });
}

function addFigures(report: Report, bench: string, figures: ChildFigures, goal?: { seconds: number; rssMiB: number }): void {
  report.add(bench, "time", figures.seconds, goal === undefined ? "s" : `s (goal < ${goal.seconds})`);
  report.add(bench, "peak-rss", figures.maxRssBytes / 2 ** 20, goal === undefined ? "MiB" : `MiB (goal < ${goal.rssMiB})`);
}

export async function benchResources(report: Report): Promise<void> {
  const dir = fs.mkdtempSync(join(tmpdir(), "loglab-bench-resources-"));
  try {
    const created = join(dir, "created");
    addFigures(report, `create-${CREATE_PARTITIONS}-partitions`, await runChild(["create", created, String(CREATE_PARTITIONS)]), GOALS.createPartitions);
    fs.rmSync(created, { recursive: true, force: true });

    const manyTopics = join(dir, "topics");
    await runChild(["setup-topics", manyTopics, String(LIST_TOPICS)]);
    addFigures(report, `list-${LIST_TOPICS}-topics`, await runChild(["cli", "topics", "--list", "--data-dir", manyTopics]));
    fs.rmSync(manyTopics, { recursive: true, force: true });

    const partitions = join(dir, "partitions");
    await runChild(["setup-partitions", partitions, String(OPEN_PARTITIONS)]);
    addFigures(report, `list-${OPEN_PARTITIONS}-partitions`, await runChild(["cli", "topics", "--list", "--data-dir", partitions]), GOALS.listPartitions);
    addFigures(report, `open-${OPEN_PARTITIONS}-partitions`, await runChild(["open", partitions]));
    fs.rmSync(partitions, { recursive: true, force: true });

    const big = join(dir, "big");
    await runChild(["setup-records", big, String(CONSUME_RECORDS)]);
    const consumed = await runChild(["cli", "consume", "big", "--from-beginning", "--data-dir", big]);
    addFigures(report, `consume-${Math.round(consumed.stdoutBytes / 1e6)}MB-into-a-pipe`, consumed);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
