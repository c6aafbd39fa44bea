// Runs one simulator scenario off the page's thread, with the same code
// `loglab sim NAME --seed N` runs, and posts its runs back.

import type { ScenarioMessage, ScenarioRequest } from "../engine/scenario-runs.ts";

/** The part of a dedicated worker's global scope used here (the project's lib is DOM, not WebWorker). */
interface WorkerScope {
  postMessage(message: ScenarioMessage): void;
  addEventListener(type: "message", listener: (event: MessageEvent<ScenarioRequest>) => void): void;
}

const scope = self as unknown as WorkerScope;

// Listen before loading the engine (its wasm core loads with a top-level
// await): a request arriving while the module still evaluates would be lost.
scope.addEventListener("message", (event) => {
  const startedMs = performance.now();
  import("../../../sim/index.ts")
    .then(({ SCENARIOS }) => {
      const scenario = SCENARIOS[event.data.scenario];
      if (scenario === undefined) throw new Error(`unknown scenario "${event.data.scenario}"`);
      return scenario.run(event.data.seed);
    })
    .then((runs) => scope.postMessage({ type: "done", runs, elapsedMs: performance.now() - startedMs }))
    .catch((error: unknown) => scope.postMessage({ type: "error", message: error instanceof Error ? error.message : String(error) }));
});
