// Exactly once on librdkafka (confluent-kafka-python 1.7.0, librdkafka 2.0.2)
// against `loglab serve`: a consume–transform–produce loop that puts each
// batch's output records and its consumer offsets in one transaction, killed
// with SIGKILL after seeded random delays and started again until the input
// is consumed. A read_committed reader of the output sees every input record
// exactly once; a read_uncommitted one also sees what the killed processes
// wrote in transactions that were aborted.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SeededRandom } from "../../src/index.ts";
import { here, produceLines, PYTHON, run, sleepMs, start, startServe } from "./harness.ts";

const SCRIPT = here("./exactly_once.py");
const RECORDS = 60;
const INPUT = "eos-input";
const OUTPUT = "eos-output";
const GROUP = "eos-group";

let server: Awaited<ReturnType<typeof startServe>>;

beforeAll(async () => {
  server = await startServe();
});

afterAll(async () => {
  await server?.close();
});

/** How often each input record appears in the output, as an `isolation` reader sees it. */
async function outputCounts(isolation: "read_committed" | "read_uncommitted"): Promise<number[]> {
  const out = await run("kcat", ["-b", server.bootstrap, "-C", "-t", OUTPUT, "-p", "0", "-e", "-o", "beginning", "-X", `isolation.level=${isolation}`, "-f", "%s\n"]);
  const counts = new Array<number>(RECORDS).fill(0);
  for (const line of out.split("\n").filter(Boolean)) {
    const match = /^RECORD-(\d+)$/.exec(line);
    expect(match, line).not.toBeNull();
    counts[Number(match![1])]!++;
  }
  return counts;
}

describe("exactly once on librdkafka, SIGKILLed at random and restarted", () => {
  it("a read_committed reader sees every input once in the output, whatever the crashes", async () => {
    await produceLines(server.bootstrap, INPUT, Array.from({ length: RECORDS }, (_, i) => `record-${i}`));
    await run("kcat", ["-b", server.bootstrap, "-L", "-t", OUTPUT]);
    const random = new SeededRandom(21);
    let kills = 0;
    let finished = false;
    for (let runs = 1; runs <= 100 && !finished; runs++) {
      const running = start(PYTHON, [SCRIPT, server.bootstrap, INPUT, OUTPUT, GROUP, "eos-transformer", String(RECORDS - 1), "40"]);
      const first = await running.line(/^(polled \d+|idle)$/);
      if (first === null) {
        const { code, signal, stderr } = await running.exited;
        throw new Error(`the loop exited with ${code ?? signal}, stdout ${JSON.stringify(running.lines)}:\n${stderr}`);
      }
      if (first !== "idle") {
        await Promise.race([sleepMs(random.nextInt(1801)), running.exited]);
        running.child.kill("SIGKILL");
      }
      const { code, signal, stderr } = await running.exited;
      finished = running.lines.includes("done") || running.lines.includes("idle");
      if (!finished && signal !== "SIGKILL") throw new Error(`the loop exited with ${code ?? signal}:\n${stderr}`);
      if (!finished) kills++;
    }
    expect(finished).toBe(true);
    expect(kills).toBeGreaterThanOrEqual(5);
    expect(await outputCounts("read_committed")).toEqual(new Array(RECORDS).fill(1));
    // The kills did land inside transactions: their records are in the log, aborted.
    expect((await outputCounts("read_uncommitted")).some((count) => count > 1)).toBe(true);
  }, 90_000);
});
