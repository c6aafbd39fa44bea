// Same seed, same trace, on every runtime: the CRC-32C of seed 42's
// two-generals trace and history, pinned here, must come out the same in
// Node, Chromium and Deno. If the scenario itself changes on purpose, print
// the new digests and pin them again; if only a runtime disagrees, something
// nondeterministic has crept in.

import { expect, it } from "vitest";
import { crc32c } from "../../src/index.ts";
import { runTwoGenerals } from "../../sim/scenarios/two-generals.ts";

const PINNED = [
  { idempotent: false, digest: 237316457, events: 90 },
  { idempotent: true, digest: 3252414209, events: 96 },
];

it("two-generals with seed 42 gives the pinned trace in this runtime", async () => {
  for (const { idempotent, digest, events } of PINNED) {
    const run = await runTwoGenerals(42, idempotent);
    const text = run.world.traceText() + "\n" + JSON.stringify(run.history.entries);
    expect({ idempotent, digest: crc32c(new TextEncoder().encode(text)), events: run.world.trace.length }).toEqual({ idempotent, digest, events });
  }
});
