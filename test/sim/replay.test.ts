// Every scenario replays byte for byte: run twice with one seed, its runs —
// traces, histories, verdicts — serialise to the same text, in every runtime.

import { expect, it } from "vitest";
import { SCENARIOS } from "../../sim/scenarios/index.ts";

it("every scenario run twice with one seed gives the same traces, histories and verdicts, byte for byte", async () => {
  let eventsCompared = 0;
  for (const [name, scenario] of Object.entries(SCENARIOS)) {
    const first = JSON.stringify(await scenario.run(7));
    const second = JSON.stringify(await scenario.run(7));
    expect(second, name).toBe(first);
    for (const run of await scenario.run(7)) eventsCompared += run.trace.length + run.history.length;
  }
  // The comparison covered real traces, not empty ones.
  expect(eventsCompared).toBeGreaterThan(5000);
});
