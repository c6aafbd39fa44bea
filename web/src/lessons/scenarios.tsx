// Lesson: the simulator's scenarios. Pick one and a seed (both in the URL),
// run it in a worker with the code `loglab sim` runs, and read each
// configuration's verdict and timeline; or open a trace file that
// `loglab sim NAME --trace FILE` wrote and read it the same way, or one of a
// user's program (`loglab sim --program`) or of real clients (`loglab serve
// --trace`), shown as a sequence diagram.

import { useEffect, useRef, useState } from "preact/hooks";
import { SCENARIOS, timeline } from "../../../sim/index.ts";
import { ErrorMessage } from "../components/error-message.tsx";
import { SequenceDiagram } from "../components/sequence-diagram.tsx";
import { type RunResult, type ScenarioMessage, type ScenarioRequest } from "../engine/scenario-runs.ts";
import { type OpenedTrace, openTraceFile } from "../engine/trace-files.ts";
import { booleanParam, numberParam, route, setParams } from "../route.ts";

const SEED_MAX = 1_000_000;
/** The diagram of an opened program or wire trace shows at most this many events. */
const DIAGRAM_EVENTS_MAX = 1000;
type Runs = { readonly source: string; readonly runs: readonly RunResult[]; readonly single?: Exclude<OpenedTrace, { kind: "scenario" }> };

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
  /** Stops the scenario running in the worker: a file opened meanwhile is not replaced by its result. */
  const stopRun = useRef<() => void>(() => {});

  useEffect(() => {
    setShown(null);
    setError(null);
    setRunning(true);
    const run = runInWorker({ scenario, seed });
    run.result.then(
      ({ runs, elapsedMs }) => setShown({ source: `${scenario}, seed ${seed} (ran here in ${Math.round(elapsedMs)} ms)`, runs }),
      setError,
    ).finally(() => setRunning(false));
    stopRun.current = run.stop;
    return run.stop;
  }, [scenario, seed]);

  const openFile = async (file: File | undefined) => {
    if (file === undefined) return;
    stopRun.current();
    setRunning(false);
    setError(null);
    try {
      const opened = openTraceFile(await file.text());
      const source = `the trace file ${file.name}`;
      setShown(opened.kind === "scenario" ? { source, runs: opened.runs } : { source, runs: [], single: opened });
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
        <span>
          Or open a trace written by <code>loglab sim NAME --trace FILE</code>, <code>loglab sim --program FILE --trace FILE</code>{" "}
          or <code>loglab serve --trace FILE</code>
        </span>
        <input type="file" accept="application/json,.json,.jsonl" onChange={(e) => void openFile(e.currentTarget.files?.[0])} />
      </label>
      <ErrorMessage error={error} />
      <p aria-live="polite" data-testid="scenario-status">{running ? "Running…" : shown === null ? "" : `Showing ${shown.source}.`}</p>
      {shown?.runs.map((run, i) => <RunView key={`${shown.source}-${i}`} run={run} everything={everything} />)}
      {shown?.single === undefined ? null : <TraceView key={shown.source} opened={shown.single} everything={everything} />}
    </>
  );
}

/** A program's run or a wire trace: what it was, then its sequence diagram and timeline. */
function TraceView({ opened, everything }: { opened: Exclude<OpenedTrace, { kind: "scenario" }>; everything: boolean }) {
  const trace = opened.trace.slice(0, DIAGRAM_EVENTS_MAX);
  const [step, setStep] = useState(trace.length);
  const title = opened.kind === "wire" ? `Wire trace of ${opened.bootstrap}` : `Program ${opened.program}`;
  const about = opened.kind === "wire"
    ? `${opened.requests} request(s), ${opened.faults} injected fault(s)`
    : `seed ${opened.seed}, ${opened.checks.length === 0 ? "its own checks" : `checks ${opened.checks.join(", ")}`}: ` +
      (opened.valid === true ? "held" : opened.valid === false ? "BROKEN" : "nothing to judge");
  const lines = timeline(opened.trace, everything ? "all" : "faults", everything ? 400 : 60);
  return (
    <section class="panel run" aria-label={title} data-trace={opened.kind}>
      <h2>{title}</h2>
      <p data-testid="trace-summary" class={opened.kind === "program" && opened.valid === false ? "bad" : ""}><strong>{about}</strong></p>
      {opened.kind === "program" && opened.explanation.length > 0
        ? <ul class="why">{opened.explanation.slice(0, 20).map((line) => <li key={line}>{line}</li>)}</ul>
        : null}
      {opened.trace.length > trace.length ? <p class="hint">The diagram shows the first {trace.length} of {opened.trace.length} events.</p> : null}
      <SequenceDiagram trace={trace} labels={opened.kind === "wire" ? opened.labels : new Map()} step={step} onStep={setStep} />
      <details>
        <summary>Timeline ({opened.trace.length} events)</summary>
        <pre class="code timeline" tabIndex={0} aria-label={`Timeline of ${title}`}>{lines.join("\n")}</pre>
      </details>
    </section>
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
