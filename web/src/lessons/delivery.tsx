// Lesson 4, the delivery lab: the consumer loops side by side. Step
// through each (the line that ran is highlighted), crash it at any step, and
// a new consumer of the same group takes over; the tally counts what was
// lost and what was processed twice, and says why. Every panel's step and
// crash point live in the URL.

import { ErrorMessage } from "../components/error-message.tsx";
import { useAsync } from "../components/use-async.ts";
import { type CrashLabResult, DELIVERY_LOOPS, type DeliveryLoop, explain, RECORDS, tally } from "../engine/delivery-lab.ts";
import { booleanParam, numberParam, setParams } from "../route.ts";

export function DeliveryLesson() {
  return (
    <>
      <p>
        Each loop below reads the same {RECORDS} records from partition 0 with the talk's consumer group, over a simulated broker.
        Step through a loop, and press <strong>Crash here</strong> at any point: the process dies on the spot (nothing it sends
        arrives any more), a new consumer of the same group takes over from the group's committed offset, and the tally shows how
        often each record was processed across both.
      </p>
      <p>
        The talk's at-most-once loop calls <code>offsetStore()</code> before processing. Storing an offset is not committing
        it: librdkafka commits stored offsets from its auto-commit timer (every 100 ms here) and on close. So the loop is
        at-most-once only if the stored offset is committed before the next record is processed; the panel{" "}
        <em>At most once</em> commits it, the panel <em>At most once, as the talk wrote it</em> leaves it to the timer, and
        a crash before the next tick makes the new consumer process again what was processed since the last commit. (A crash
        in the middle of processing, just after a tick, loses the record instead.)
      </p>
      <div class="panels delivery">
        {DELIVERY_LOOPS.map((loop) => <LoopPanel key={loop.id} loop={loop} />)}
      </div>
    </>
  );
}

function stepLabel(step: { name: string; offset: number | null }): string {
  return step.offset === null ? step.name : `${step.name} record ${step.offset}`;
}

function LoopPanel({ loop }: { loop: DeliveryLoop }) {
  const { value: full, error } = useAsync(() => loop.run(null), [loop]);
  const steps = full?.steps ?? [];
  const at = numberParam(`${loop.id}.at`, 0, 0, steps.length || Infinity);
  const crashed = booleanParam(`${loop.id}.crash`, false) && at > 0;
  const { value: afterCrash } = useAsync(async () => (crashed ? loop.run(at) : null), [loop, crashed, at]);
  const current = at === 0 ? null : steps[at - 1];
  const finished = full !== undefined && at >= steps.length;
  const outcome: CrashLabResult | null | undefined = crashed ? afterCrash : finished ? full : null;

  return (
    <section class="panel" aria-labelledby={`${loop.id}-title`} data-loop={loop.id}>
      <h2 id={`${loop.id}-title`}>{loop.title}</h2>
      <p class="hint">{loop.promise}</p>
      <pre class="code" tabIndex={0} aria-label={`${loop.title} code`}>
        {loop.code.map((line, i) => (
          <span key={i} class={`line${current !== undefined && current !== null && line.step === current.name ? (crashed ? " crashed" : " active") : ""}`}>{line.text === "" ? " " : line.text}</span>
        ))}
      </pre>
      <p aria-live="polite" data-testid={`${loop.id}-status`}>
        {full === undefined ? "Running the loop once to learn its steps…"
          : at === 0 ? `Ready: ${steps.length} steps in a run without a crash.`
          : crashed ? `Crashed after step ${at} (${stepLabel(current!)}), restarted.`
          : `Step ${at} of ${steps.length}: ${stepLabel(current!)}.`}
      </p>
      <div class="controls">
        <button type="button" class="secondary" disabled={full === undefined || crashed || finished}
          onClick={() => setParams({ [`${loop.id}.at`]: at + 1 })}>Next step</button>
        <button type="button" class="secondary" disabled={full === undefined || crashed || finished}
          onClick={() => setParams({ [`${loop.id}.at`]: steps.length })}>Run to the end</button>
        <button type="button" disabled={crashed || at === 0 || finished}
          onClick={() => setParams({ [`${loop.id}.crash`]: 1 })}>Crash here</button>
        <button type="button" class="secondary" disabled={at === 0}
          onClick={() => setParams({ [`${loop.id}.at`]: null, [`${loop.id}.crash`]: null })}>Start over</button>
      </div>
      {outcome === undefined ? <p>Running…</p> : outcome === null ? null : <Outcome loop={loop} result={outcome} crashed={crashed} />}
      <ErrorMessage error={error} />
    </section>
  );
}

function Outcome({ loop, result, crashed }: { loop: DeliveryLoop; result: CrashLabResult; crashed: boolean }) {
  const { lost, duplicated } = tally(result.processed);
  return (
    <div class="outcome" aria-live="polite">
      <ul class="tally" aria-label="How often each record was processed">
        {result.processed.map((count, offset) => (
          <li key={offset} class={count === 0 ? "lost" : count > 1 ? "duplicated" : ""}>
            record {offset}: {count === 0 ? "lost" : count === 1 ? "once" : `${count}×`}
          </li>
        ))}
      </ul>
      <p data-testid={`${loop.id}-tally`}>
        <strong class={lost.length > 0 ? "bad" : ""}>{lost.length} lost</strong>,{" "}
        <strong class={duplicated.length > 0 ? "bad" : ""}>{duplicated.length} duplicated</strong>
        {crashed ? null : " (no crash)"}
      </p>
      {crashed ? <ul class="why">{explain(loop, result).map((line) => <li key={line}>{line}</li>)}</ul> : null}
    </div>
  );
}
