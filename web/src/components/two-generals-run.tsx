// One two-generals run on the page, shared by the two-generals and
// counterexample lessons: runs the lab for the given options, then shows the
// checker's verdict in words, the sequence diagram up to a step, and the log.

import { InvalidConfigError } from "../../../src/index.ts";
import { runTwoGeneralsLab, type TwoGeneralsLabRun, type TwoGeneralsOptions, valueName } from "../engine/two-generals-lab.ts";
import { tellRun } from "../engine/two-generals-story.ts";
import { ErrorMessage } from "./error-message.tsx";
import { type ArrowLabel, SequenceDiagram } from "./sequence-diagram.tsx";
import { useAsync } from "./use-async.ts";
import "./two-generals-run.css";

/** The diagram's labels: what each produce request carried, and what the broker answered. */
export function labelsOf(run: TwoGeneralsLabRun): Map<string, ArrowLabel> {
  const labels = new Map<string, ArrowLabel>();
  for (const [id, note] of run.produces) {
    const sequence = note.producerId < 0 ? "" : ` · seq ${note.baseSequence}`;
    labels.set(id, { text: `${note.values.join(", ")}${sequence}${note.attempt > 1 ? ` · try ${note.attempt}` : ""}`, retry: note.attempt > 1 });
    const broker = note.broker;
    labels.set(`${id} answer`, {
      text: broker === undefined ? "ack" : broker.appended ? `ack: offset ${broker.offset}` : `ack: already at ${broker.offset}`,
    });
  }
  const producerId = [...run.produces.values()].find((note) => note.producerId >= 0)?.producerId;
  for (const event of run.trace) {
    const id = event.detail ?? "";
    if (event.kind !== "send") continue;
    if (id.startsWith("metadata#")) {
      labels.set(id, { text: "metadata?" });
      labels.set(`${id} answer`, { text: "metadata: 1 partition" });
    } else if (id.startsWith("initProducerId#")) {
      labels.set(id, { text: "InitProducerId" });
      labels.set(`${id} answer`, { text: producerId === undefined ? "producer id" : `producerId ${producerId}` });
    }
  }
  return labels;
}

export function TwoGeneralsRun({ options, step, onStep }: {
  options: TwoGeneralsOptions;
  /** The step to show, or null for the whole run. */
  step: number | null;
  onStep: (step: number) => void;
}) {
  const { value: run, error } = useAsync(() => runTwoGeneralsLab(options), [JSON.stringify(options)]);
  if (error !== undefined) {
    return (
      <section aria-live="polite">
        <ErrorMessage error={error} />
        {error instanceof InvalidConfigError ? (
          <p>
            The producer refuses this configuration, as Kafka's does: idempotence exists to make retries safe, so a producer
            that promises it must be allowed to retry (retries &gt; 0) and must wait for every replica (acks=all). Turn
            retries on, or idempotence off.
          </p>
        ) : null}
      </section>
    );
  }
  if (run === undefined) return <p aria-live="polite">Running…</p>;
  const current = run.options === options || JSON.stringify(run.options) === JSON.stringify(options);
  return (
    <div class={`two-generals-run${current ? "" : " stale"}`}>
      <Verdict run={run} />
      <div class="run-panels">
        <section class="panel diagram-panel" aria-labelledby="diagram-title">
          <h2 id="diagram-title">Every message, lost or delivered</h2>
          <SequenceDiagram trace={run.trace} labels={labelsOf(run)} step={step ?? run.trace.length} onStep={onStep} />
        </section>
        <section class="panel" aria-labelledby="log-title">
          <h2 id="log-title">The log afterwards</h2>
          <LogView run={run} />
        </section>
      </div>
    </div>
  );
}

function Verdict({ run }: { run: TwoGeneralsLabRun }) {
  const story = tellRun(run);
  return (
    <section class={`verdict ${story.valid ? "holds" : "broken"}`} aria-live="polite" data-testid="verdict">
      <p class="headline"><strong>{story.valid ? "✓ " : "✗ "}{story.headline}</strong></p>
      {story.sentences.length === 0 ? null : <ul>{story.sentences.map((s) => <li key={s}>{s}</li>)}</ul>}
    </section>
  );
}

function LogView({ run }: { run: TwoGeneralsLabRun }) {
  const copies = new Map<string, number>();
  for (const value of run.log) copies.set(value, (copies.get(value) ?? 0) + 1);
  const outcomes = new Map(run.history.filter((e) => e.type !== "invoke").map((e) => [e.value, e.type]));
  const heard = { ok: "acknowledged", info: "unknown", fail: "failed", invoke: "" } as const;
  return (
    <>
      {run.log.length === 0 ? <p>The log is empty.</p> : (
        <ol class="tally" aria-label="Records in offset order" data-testid="log-tally">
          {run.log.map((value, offset) => {
            const copy = run.log.slice(0, offset + 1).filter((v) => v === value).length;
            return (
              <li key={offset} class={copies.get(value)! > 1 ? "duplicated" : ""}>
                <span class="mono">{offset}</span> {value}{copy > 1 ? ` (copy ${copy})` : copies.get(value)! > 1 ? " (first copy)" : ""}
              </li>
            );
          })}
        </ol>
      )}
      <table class="sends">
        <caption>What the producer was told, and how many copies the log holds</caption>
        <thead><tr><th scope="col">value</th><th scope="col">producer heard</th><th scope="col">requests</th><th scope="col">copies</th></tr></thead>
        <tbody>
          {Array.from({ length: run.options.messages }, (_, i) => valueName(i)).map((value) => {
            const count = copies.get(value) ?? 0;
            const outcome = outcomes.get(value) ?? "invoke";
            const requests = [...run.produces.values()].filter((note) => note.values.includes(value)).length;
            return (
              <tr key={value} class={count > 1 ? "duplicated" : outcome === "ok" ? "" : "unknown"}>
                <td>{value}</td>
                <td>{heard[outcome]}</td>
                <td>{requests}</td>
                <td>{count}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </>
  );
}
