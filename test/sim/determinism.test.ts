// Same seed, same trace, on every runtime: the CRC-32C of seed 42's
// two-generals trace and history, and of the broker-fault scenarios' (a
// power loss; a failed fsync and the restart), pinned here, must come out
// the same in Node, Chromium and Deno. If a scenario itself changes on
// purpose, print the new digests and pin them again; if only a runtime
// disagrees, something nondeterministic has crept in.

import { expect, it } from "vitest";
import { crc32c } from "../../src/index.ts";
import type { RunResult } from "../../sim/index.ts";
import { runCrashUnsyncedTail } from "../../sim/scenarios/crash-unsynced-tail.ts";
import { runFsyncFailure } from "../../sim/scenarios/fsync-failure.ts";
import { runTwoGenerals } from "../../sim/scenarios/two-generals.ts";

const PINNED = [
  { idempotent: false, digest: 1701050824, events: 92 },
  { idempotent: true, digest: 2714370245, events: 98 },
];

const digest = (trace: readonly unknown[], history: readonly unknown[]) =>
  crc32c(new TextEncoder().encode(trace.map((e) => JSON.stringify(e)).join("\n") + "\n" + JSON.stringify(history)));

it("two-generals with seed 42 gives the pinned trace in this runtime", async () => {
  for (const { idempotent, digest: pinned, events } of PINNED) {
    const run = await runTwoGenerals(42, idempotent);
    const text = run.result.traceText() + "\n" + JSON.stringify(run.result.history);
    expect({ idempotent, digest: crc32c(new TextEncoder().encode(text)), events: run.result.trace.length }).toEqual({ idempotent, digest: pinned, events });
  }
});

const BROKER_FAULTS: readonly { name: string; run: () => Promise<RunResult>; digest: number; events: number }[] = [
  { name: "crash-unsynced-tail, Kafka's default", run: () => runCrashUnsyncedTail(42, false), digest: 1605768735, events: 69 },
  { name: "fsync-failure, power lost", run: () => runFsyncFailure(42, true, { broker: { powerLoss: true } }), digest: 2251251376, events: 88 },
];

it("the broker-fault scenarios with seed 42 give the pinned traces in this runtime", async () => {
  for (const { name, run, digest: pinned, events } of BROKER_FAULTS) {
    const result = await run();
    // The faults happened: the pin covers a broker that crashed and came back.
    expect(result.trace.some((e) => e.kind === "crash" && e.from === "broker"), name).toBe(true);
    expect(result.trace.some((e) => e.kind === "restart" && e.from === "broker"), name).toBe(true);
    expect({ name, digest: digest(result.trace, result.history), events: result.trace.length }).toEqual({ name, digest: pinned, events });
  }
});
