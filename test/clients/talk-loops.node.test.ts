// The talk's three consumer loops on librdkafka (confluent-kafka-python 1.7.0,
// librdkafka 2.0.2) against `loglab serve`: each loop runs in a process that
// is killed with SIGKILL after a seeded random delay, then started again, until
// the input is consumed. "Processing" appends the record to a history file
// (flushed and fsynced), so the history says what was processed, and how often.
//
// librdkafka commits stored offsets only from its auto-commit timer (here
// every 100 ms) and on close. So "store, then process" (the talk's
// at-most-once loop) stores an offset that a SIGKILL before the next timer
// tick never commits: the record processed after the store is processed again
// after the restart. Only a synchronous commit before processing makes the
// loop at-most-once.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SeededRandom } from "../../src/index.ts";
import { here, produceLines, PYTHON, type Running, sleepMs, start, startServe } from "./harness.ts";

const SCRIPT = here("./talk_loops.py");
const RECORDS = 120;
const TIMEOUT_MS = 60_000;

type Loop = "basic" | "store-first" | "process-first" | "commit-first";

let server: Awaited<ReturnType<typeof startServe>>;
let histories: string;

beforeAll(async () => {
  server = await startServe();
  histories = mkdtempSync(join(tmpdir(), "loglab-histories-"));
});

afterAll(async () => {
  await server?.close();
  if (histories) rmSync(histories, { recursive: true, force: true });
});

/** Fills partition 0 of a fresh topic with RECORDS records, "record-0" … */
async function freshTopic(name: string): Promise<string> {
  await produceLines(server.bootstrap, name, Array.from({ length: RECORDS }, (_, i) => `record-${i}`));
  return name;
}

/** How often each offset was processed, from a history file ("OFFSET VALUE" lines). */
function processedCounts(history: string): number[] {
  const counts = new Array<number>(RECORDS).fill(0);
  let text = "";
  try {
    text = readFileSync(history, "utf8");
  } catch {
    return counts;
  }
  for (const line of text.split("\n")) {
    const match = /^(\d+) record-(\d+)$/.exec(line);
    if (match === null) continue;
    expect(match[1], "each offset holds the record of the same number").toBe(match[2]);
    counts[Number(match[1])]!++;
  }
  return counts;
}

function loopProcess(loop: Loop, topic: string, history: string, processMs: number, extra: readonly string[] = []): Running {
  return start(PYTHON, [SCRIPT, server.bootstrap, topic, `${topic}-group`, loop, history, String(RECORDS - 1), String(processMs), ...extra]);
}

async function failed(running: Running): Promise<Error> {
  const { code, signal, stderr } = await running.exited;
  return new Error(`the loop exited with ${code ?? signal}, stdout ${JSON.stringify(running.lines)}:\n${stderr}`);
}

interface CrashRuns {
  /** How often each offset was processed over all runs. */
  readonly counts: number[];
  readonly runs: number;
  readonly kills: number;
}

/**
 * Runs `loop` until it has consumed the topic, killing each run with SIGKILL
 * a seeded random 0..maxDelayMs after its first poll returned a record.
 */
async function crashUntilDone(loop: Loop, seed: number, processMs: number, maxDelayMs: number): Promise<CrashRuns> {
  const topic = await freshTopic(`${loop}-${seed}`);
  const history = join(histories, `${topic}.history`);
  const random = new SeededRandom(seed);
  let kills = 0;
  for (let runs = 1; runs <= 200; runs++) {
    const running = loopProcess(loop, topic, history, processMs);
    const first = await running.line(/^(polled \d+|idle)$/);
    if (first === null) throw await failed(running);
    if (first === "idle") return { counts: processedCounts(history), runs, kills };
    await Promise.race([sleepMs(random.nextInt(maxDelayMs + 1)), running.exited]);
    running.child.kill("SIGKILL");
    const { code, signal } = await running.exited;
    if (running.lines.includes("done")) return { counts: processedCounts(history), runs, kills };
    if (signal !== "SIGKILL" || code !== null) throw await failed(running);
    kills++;
  }
  throw new Error(`${loop} did not get through ${RECORDS} records in 200 runs`);
}

const lost = (counts: readonly number[]) => counts.flatMap((c, offset) => (c === 0 ? [offset] : []));
const repeated = (counts: readonly number[]) => counts.flatMap((c, offset) => (c > 1 ? [offset] : []));

describe("the talk's loops on librdkafka, SIGKILLed at random and restarted", () => {
  it("at-least-once (process, then store_offsets): nothing lost over every crash, and crashes repeat records", async () => {
    const { counts, runs, kills } = await crashUntilDone("process-first", 11, 20, 400);
    expect(kills).toBeGreaterThanOrEqual(10);
    expect(runs).toBe(kills + 1);
    expect(lost(counts)).toEqual([]);
    expect(repeated(counts).length).toBeGreaterThan(0);
  }, TIMEOUT_MS);

  it("basic (auto-commit of what poll() handed out): the runs both lose and repeat records", async () => {
    const { counts, kills } = await crashUntilDone("basic", 12, 50, 500);
    expect(kills).toBeGreaterThanOrEqual(10);
    expect(lost(counts).length).toBeGreaterThan(0);
    expect(repeated(counts).length).toBeGreaterThan(0);
  }, TIMEOUT_MS);

  it("the talk's at-most-once (store_offsets, then process): the runs repeat records, and lose some too", async () => {
    const { counts, kills } = await crashUntilDone("store-first", 13, 50, 500);
    expect(kills).toBeGreaterThanOrEqual(10);
    expect(repeated(counts).length).toBeGreaterThan(0);
    expect(lost(counts).length).toBeGreaterThan(0);
  }, TIMEOUT_MS);

  it("commit, then process: never a repeat over every crash, and crashes lose records", async () => {
    const { counts, kills } = await crashUntilDone("commit-first", 14, 50, 500);
    expect(kills).toBeGreaterThanOrEqual(10);
    expect(repeated(counts)).toEqual([]);
    expect(lost(counts).length).toBeGreaterThan(0);
  }, TIMEOUT_MS);
});

describe("a crash right after processing one record", () => {
  /** Five runs that each process one record and kill themselves; what each polled, stored and saw committed. */
  async function crashAfterFirst(loop: Loop) {
    const topic = await freshTopic(`${loop}-first`);
    const history = join(histories, `${topic}.history`);
    const found: { polled: number; stored: number; committed: number }[] = [];
    for (let run = 0; run < 5; run++) {
      const running = loopProcess(loop, topic, history, 0, ["--crash-after-first"]);
      const { signal } = await running.exited;
      const polled = /^polled (\d+)$/.exec(running.lines[0] ?? "");
      const stored = /^stored (\d+) committed (-?\d+)$/.exec(running.lines[1] ?? "");
      if (signal !== "SIGKILL" || polled === null || stored === null) throw await failed(running);
      found.push({ polled: Number(polled[1]), stored: Number(stored[1]), committed: Number(stored[2]) });
    }
    return { found, counts: processedCounts(history) };
  }

  it("store_offsets, then process: the offset was stored but not committed, and the next run processes the record again", async () => {
    const { found, counts } = await crashAfterFirst("store-first");
    for (const run of found) expect(run.stored).toBe(run.polled + 1);
    // The broker still had the offset before the store (none: -1001, librdkafka's OFFSET_INVALID)...
    const uncommitted = found.filter((run) => run.committed < run.stored);
    expect(uncommitted.length).toBeGreaterThan(0);
    // ...and after the SIGKILL the next run started from it: the same record, processed again.
    const again = found.slice(1).filter((run, i) => run.polled === found[i]!.polled);
    expect(again.length).toBeGreaterThan(0);
    expect(repeated(counts).length).toBeGreaterThan(0);
  }, TIMEOUT_MS);

  it("commit, then process: the broker has the offset before processing, and no run repeats a record", async () => {
    const { found, counts } = await crashAfterFirst("commit-first");
    expect(found.map((run) => run.polled)).toEqual([0, 1, 2, 3, 4]);
    for (const run of found) expect(run.committed).toBe(run.stored);
    expect(counts.slice(0, 5)).toEqual([1, 1, 1, 1, 1]);
  }, TIMEOUT_MS);
});
