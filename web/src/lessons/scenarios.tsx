// Lesson: the simulator's scenarios. Pick one and a seed (both in the URL),
// run it in a worker with the code `loglab sim` runs, and read each
// configuration's verdict and timeline; or open a trace file that
// `loglab sim NAME --trace FILE` wrote and read it the same way.

import { useEffect, useState } from "preact/hooks";
import { SCENARIOS, timeline } from "../../../sim/index.ts";
import { ErrorMessage } from "../components/error-message.tsx";
import { parseTraceFile, type RunResult, type ScenarioMessage, type ScenarioRequest } from "../engine/scenario-runs.ts";
import { booleanParam, numberParam, route, setParams } from "../route.ts";

const SEED_MAX = 1_000_000;
type Runs = { readonly source: string; readonly runs: readonly RunResult[] };

function runInWorker(request: ScenarioRequest): { result: Promise<{ runs: readonly RunResult[]; elapsedMs: number }>; stop(): void } {
  const worker = new Worker(new URL("../workers/scenario.worker.ts", import.meta.url), { type: "module" });
  const result = new Promise<{ runs: readonly RunResult[]; elapsedMs: number }>((resolve, reject) => {
    worker.addEventListener("message", (event: MessageEvent<ScenarioMessage>) => {
      worker.terminate();
      if (event.data.type === "done") resolve(event.data);
      else reject(new Error(event.data.message));
    });
    worker.addEventListener("error", (event) => {
      worker.terminate();
      reject(new Error(event.message || "the scenario's worker failed to start"));
    });
  });
  worker.postMessage(request);
  return { result, stop: () => worker.terminate() };
}

export function ScenariosLesson() {
  const names = Object.keys(SCENARIOS);
  const requested = route.value.params.get("scenario") ?? "";
  const scenario = names.includes(requested) ? requested : "two-generals";
  const seed = numberParam("seed", 1, 0, SEED_MAX);
  const everything = booleanParam("all", false);
  const [shown, setShown] = useState<Runs | null>(null);
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    setShown(null);
    setError(null);
    setRunning(true);
    const run = runInWorker({ scenario, seed });
    run.result.then(
      ({ runs, elapsedMs }) => setShown({ source: `${scenario}, seed ${seed} (ran here in ${Math.round(elapsedMs)} ms)`, runs }),
      setError,
    ).finally(() => setRunning(false));
    return run.stop;
  }, [scenario, seed]);

  const openFile = async (file: File | undefined) => {
    if (file === undefined) return;
    setError(null);
    try {
      setShown({ source: `the trace file ${file.name}`, runs: parseTraceFile(await file.text()) });
    } catch (problem) {
      setError(new Error(`${file.name}: ${(problem as Error).message}`));
    }
  };

  return (
    <>
      <p>
        The simulator runs the real producer, broker and consumer code on virtual time, with one seed deciding every delay,
        loss and crash, so a run replays exactly. Each scenario runs one or more configurations and checks what each promises.
        The same run in a terminal: <code>npm run sim -- {scenario} --seed {seed}</code>.
      </p>
      <div class="controls">
        <label>
          Scenario{" "}
          <select value={scenario} onChange={(e) => setParams({ scenario: e.currentTarget.value })}>
            {names.map((name) => <option key={name} value={name}>{name}</option>)}
          </select>
        </label>
        <label>Seed <input type="number" min={0} max={SEED_MAX} value={seed} onChange={(e) => setParams({ seed: e.currentTarget.value })} /></label>
        <button type="button" class="secondary" onClick={() => setParams({ seed: (seed + 1) % (SEED_MAX + 1) })}>Next seed</button>
        <label><input type="checkbox" checked={everything} onChange={(e) => setParams({ all: e.currentTarget.checked ? 1 : null })} /> every message in the timeline</label>
      </div>
      <p class="hint">{SCENARIOS[scenario]!.teaches}.</p>
      <label class="wide">
        Or open a trace written by <code>loglab sim NAME --trace FILE</code>
        <input type="file" accept="application/json,.json" onChange={(e) => void openFile(e.currentTarget.files?.[0])} />
      </label>
      <ErrorMessage error={error} />
      <p aria-live="polite" data-testid="scenario-status">{running ? "Running…" : shown === null ? "" : `Showing ${shown.source}.`}</p>
      {shown?.runs.map((run, i) => <RunView key={`${shown.source}-${i}`} run={run} everything={everything} />)}
    </>
  );
}

function RunView({ run, everything }: { run: RunResult; everything: boolean }) {
  const broken = run.promised && run.violations.length > 0;
  const verdict = !run.promised
    ? `${run.violations.length} violation(s): this configuration promises nothing here`
    : broken ? `guarantee broken: ${run.violations.length} violation(s)` : "guarantee held";
  const lines = timeline(run.trace, everything ? "all" : "faults", everything ? 400 : 60);
  return (
    <section class="panel run" aria-label={run.label} data-run={run.label}>
      <h2>{run.label}</h2>
      <p class={broken ? "bad" : run.promised ? "ok" : ""} data-testid="verdict"><strong>{verdict}</strong></p>
      {run.violations.length === 0 ? null : <ul class="why">{run.violations.slice(0, 20).map((v) => <li key={v}>{v}</li>)}</ul>}
      {run.notes.length === 0 ? null : (
        <details>
          <summary>Allowed by this configuration ({run.notes.length})</summary>
          <ul class="why">{run.notes.slice(0, 50).map((n) => <li key={n}>{n}</li>)}</ul>
        </details>
      )}
      {run.trace.length === 0 ? null : (
        <details open={run.violations.length > 0}>
          <summary>Timeline ({run.trace.length} events)</summary>
          <pre class="code timeline" tabIndex={0} aria-label={`Timeline of ${run.label}`}>{lines.join("\n")}</pre>
        </details>
      )}
    </section>
  );
}
