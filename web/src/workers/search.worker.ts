// The counterexample search off the page's thread: takes one SearchRequest,
// posts progress as fast-check tries schedules, then the outcome. The page
// stops a search by terminating the worker.

import type { SearchMessage, SearchRequest } from "../engine/counterexample-config.ts";

/** The part of a dedicated worker's global scope used here (the project's lib is DOM, not WebWorker). */
interface WorkerScope {
  postMessage(message: SearchMessage): void;
  addEventListener(type: "message", listener: (event: MessageEvent<SearchRequest>) => void): void;
}

const scope = self as unknown as WorkerScope;
/** Progress is posted at most this often, so a fast search does not flood the page with renders. */
const PROGRESS_INTERVAL_MS = 50;

// Listen before loading the engine: its wasm core loads with a top-level
// await, and a request that arrives while a module worker is still
// evaluating, with no listener yet, is dropped.
scope.addEventListener("message", (event) => {
  let postedAtMs = -Infinity;
  import("../engine/counterexample-search.ts")
    .then(({ searchCounterexample }) => searchCounterexample(event.data, (progress) => {
      const nowMs = performance.now();
      if (nowMs - postedAtMs < PROGRESS_INTERVAL_MS) return;
      postedAtMs = nowMs;
      scope.postMessage({ type: "progress", progress });
    }))
    .then((outcome) => scope.postMessage({ type: "done", outcome }))
    // Also what loading or posting threw: the page must hear of every way a search ends.
    .catch((error: unknown) => scope.postMessage({ type: "error", message: error instanceof Error ? error.message : String(error) }));
});
