// Lesson: find a counterexample. fast-check searches fault schedules for a
// run that breaks "no value lost or duplicated" under a chosen producer
// configuration, in a Web Worker; the shrunk schedule goes into the URL and
// replays step by step on the sequence diagram, so a link shows the same.

import { useEffect, useRef, useState } from "preact/hooks";
import { TwoGeneralsRun } from "../components/two-generals-run.tsx";
import {
  CONFIG_NAMES, type ConfigName, isConfigName, labOptions, SCHEDULE_LOSS_PERCENT_MAX, SCHEDULE_MESSAGES_MAX, type Schedule,
  SEARCH_CONFIGS, SEARCH_RUNS_DEFAULT, SEARCH_RUNS_MAX, type SearchMessage, type SearchOutcome, type SearchProgress, type SearchRequest,
} from "../engine/counterexample-config.ts";
import { MESSAGES_MAX } from "../engine/two-generals-lab.ts";
import { numberParam, route, setParams } from "../route.ts";
import { SEED_MAX, stepFromRoute } from "./two-generals.tsx";
import "./counterexample.css";

type Search =
  | { readonly state: "idle" }
  | { readonly state: "running"; readonly progress: SearchProgress }
  | { readonly state: "stopped"; readonly progress: SearchProgress }
  | { readonly state: "done"; readonly config: ConfigName; readonly outcome: SearchOutcome }
  | { readonly state: "failed"; readonly message: string };

function configFromRoute(): ConfigName {
  const name = route.value.params.get("config");
  return isConfigName(name) ? name : "retries";
}

/** The schedule the URL names, or null when there is none to replay yet. */
function scheduleFromRoute(): Schedule | null {
  if (!route.value.params.has("seed")) return null;
  return {
    seed: numberParam("seed", 0, 0, SEED_MAX),
    messages: numberParam("messages", 1, 1, MESSAGES_MAX),
    requestLossPercent: numberParam("requestLoss", 0, 0, 100),
    answerLossPercent: numberParam("answerLoss", 0, 0, 100),
  };
}

const describeSchedule = (s: Schedule) =>
  `seed ${s.seed}, ${s.messages} value${s.messages === 1 ? "" : "s"}, ${s.requestLossPercent}% of requests and ${s.answerLossPercent}% of acknowledgements lost`;

export function CounterexampleLesson() {
  const config = configFromRoute();
  const numRuns = numberParam("runs", SEARCH_RUNS_DEFAULT, 1, SEARCH_RUNS_MAX);
  const schedule = scheduleFromRoute();
  const [search, setSearch] = useState<Search>({ state: "idle" });
  const worker = useRef<Worker | null>(null);
  const stopWorker = () => {
    worker.current?.terminate();
    worker.current = null;
  };
  useEffect(() => stopWorker, []);

  const start = () => {
    stopWorker();
    const started: SearchProgress = { runs: 0, numRuns, shrinkTries: 0, shrinks: 0, smallest: null };
    setSearch({ state: "running", progress: started });
    const searcher = new Worker(new URL("../workers/search.worker.ts", import.meta.url), { type: "module" });
    worker.current = searcher;
    searcher.addEventListener("message", (event: MessageEvent<SearchMessage>) => {
      const message = event.data;
      if (message.type === "progress") {
        setSearch({ state: "running", progress: message.progress });
        return;
      }
      stopWorker();
      if (message.type === "error") {
        setSearch({ state: "failed", message: message.message });
      } else {
        setSearch({ state: "done", config, outcome: message.outcome });
        const found = message.outcome.found ? message.outcome.counterexample : null;
        setParams(found === null
          ? { seed: null, messages: null, requestLoss: null, answerLoss: null, step: null }
          : { seed: found.seed, messages: found.messages, requestLoss: found.requestLossPercent, answerLoss: found.answerLossPercent, step: 1 });
      }
    });
    searcher.addEventListener("error", (event) => {
      stopWorker();
      setSearch({ state: "failed", message: event.message || "the search worker failed to start" });
    });
    const request: SearchRequest = { config, numRuns };
    searcher.postMessage(request);
  };
  const stop = () => {
    stopWorker();
    setSearch((s) => (s.state === "running" ? { state: "stopped", progress: s.progress } : s));
  };
  const running = search.state === "running";

  return (
    <>
      <p>
        A property says what must hold in every run: here, the checker's "no acknowledged value lost, no value written twice".
        Instead of trying seeds by hand, let <a href="https://fast-check.dev/">fast-check</a> draw fault schedules (a seed, up
        to {SCHEDULE_MESSAGES_MAX} values, up to {SCHEDULE_LOSS_PERCENT_MAX}% of requests and of acknowledgements lost), run
        the real producer and broker on each, and, when one breaks the property, <em>shrink</em> it: try smaller seeds, fewer
        values and lower loss rates until nothing smaller still fails. What is left is the shortest story of the bug.
      </p>
      <form class="controls" aria-label="Search settings" onSubmit={(e) => { e.preventDefault(); if (!running) start(); }}>
        <fieldset class="configs">
          <legend>Producer configuration</legend>
          {CONFIG_NAMES.map((name) => (
            <label key={name}>
              <input type="radio" name="config" value={name} checked={name === config} disabled={running}
                onChange={() => { setSearch({ state: "idle" }); setParams({ config: name, step: schedule === null ? null : 1 }); }} />
              {SEARCH_CONFIGS[name].label}
            </label>
          ))}
        </fieldset>
        <label>Schedules to try <input type="number" min={1} max={SEARCH_RUNS_MAX} value={numRuns} disabled={running}
          onInput={(e) => e.currentTarget.validity.valid && e.currentTarget.value !== "" && setParams({ runs: Number(e.currentTarget.value) })} /></label>
        <button type="submit" disabled={running}>Search</button>
        <button type="button" class="secondary" disabled={!running} onClick={stop}>Stop</button>
      </form>
      <p class="hint">{SEARCH_CONFIGS[config].label}: {SEARCH_CONFIGS[config].expectation}.</p>
      <SearchStatus search={search} numRuns={numRuns} />
      {schedule === null ? (
        <p class="hint">Search, and the counterexample it finds replays here; its schedule and step go into the URL, so the link shows the same replay.</p>
      ) : (
        <section aria-labelledby="replay-title">
          <h2 id="replay-title">Replay: {SEARCH_CONFIGS[config].label}</h2>
          <p data-testid="replay-schedule">
            Schedule: {describeSchedule(schedule)}. Step through it with Next, or ← → on the diagram.
            {config === "retries" ? " Then switch the configuration to idempotence: the same schedule, the same losses, no duplicate." : ""}
          </p>
          <TwoGeneralsRun options={labOptions(config, schedule)} step={stepFromRoute()} onStep={(step) => setParams({ step })} />
        </section>
      )}
    </>
  );
}

function SearchStatus({ search, numRuns }: { search: Search; numRuns: number }) {
  const progress = search.state === "running" || search.state === "stopped" ? search.progress : null;
  return (
    <section class="search-status" aria-labelledby="search-title">
      <h2 id="search-title" class="visually-hidden">Search</h2>
      {progress === null ? null : (
        <label class="search-progress">
          {progress.smallest === null ? `Schedules tried: ${progress.runs} of ${numRuns}` : `Shrinking: ${progress.shrinkTries} smaller schedules tried, ${progress.shrinks} still failed`}
          <progress max={progress.smallest === null ? numRuns : undefined} value={progress.smallest === null ? progress.runs : undefined} />
        </label>
      )}
      <div aria-live="polite" data-testid="search-result">
        {search.state === "running" ? (progress?.smallest == null ? <p>Searching…</p> : <p>Found a failing schedule; shrinking it. Smallest so far: {describeSchedule(progress.smallest)}.</p>) : null}
        {search.state === "stopped" ? <p>Stopped after {search.progress.runs} schedules{search.progress.smallest === null ? ", none failing." : `; the smallest failing one so far: ${describeSchedule(search.progress.smallest)}.`}</p> : null}
        {search.state === "failed" ? <p class="problem" role="alert">The search failed: {search.message}</p> : null}
        {search.state === "done" ? <Outcome config={search.config} outcome={search.outcome} /> : null}
      </div>
    </section>
  );
}

function Outcome({ config, outcome }: { config: ConfigName; outcome: SearchOutcome }) {
  if (!outcome.found) {
    return (
      <p class="ok">
        <strong>No counterexample in {outcome.runs} runs</strong> with {SEARCH_CONFIGS[config].label}. That is the guarantee
        holding on every schedule tried, not a proof: a search samples schedules, it cannot try them all. (fast-check seed {outcome.fcSeed}.)
      </p>
    );
  }
  return (
    <p class="bad">
      <strong>Counterexample found</strong> after {outcome.runs} run{outcome.runs === 1 ? "" : "s"}, shrunk {outcome.shrinks} time
      {outcome.shrinks === 1 ? "" : "s"} to: {describeSchedule(outcome.counterexample)}. It breaks the property: {outcome.explanation.join("; ")}.
      {" "}(fast-check seed {outcome.fcSeed}, path {outcome.path}.)
    </p>
  );
}
