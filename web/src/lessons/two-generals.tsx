// Lesson: the two generals. A producer and a broker over a lossy link, with
// loss rates, retries and idempotence in the URL; every message of the run on
// a sequence diagram, the log it left, and the checker's verdict in words.

import { TwoGeneralsRun } from "../components/two-generals-run.tsx";
import { MESSAGES_MAX, REQUEST_TIMEOUT_MS, type TwoGeneralsOptions } from "../engine/two-generals-lab.ts";
import { booleanParam, numberParam, route, setParams } from "../route.ts";

/** A link lossy enough that a handful of values shows a duplicate with the default seed. */
const DEFAULTS = { seed: 3, messages: 8, requestLoss: 10, answerLoss: 30, retries: true, idempotent: false } as const;
export const SEED_MAX = 2 ** 31 - 1;

/** The run the URL describes; loss rates are percentages there. */
export function optionsFromRoute(): TwoGeneralsOptions {
  return {
    seed: numberParam("seed", DEFAULTS.seed, 0, SEED_MAX),
    messages: numberParam("messages", DEFAULTS.messages, 1, MESSAGES_MAX),
    loseRequest: numberParam("requestLoss", DEFAULTS.requestLoss, 0, 100) / 100,
    loseAnswer: numberParam("answerLoss", DEFAULTS.answerLoss, 0, 100) / 100,
    retries: booleanParam("retries", DEFAULTS.retries),
    idempotent: booleanParam("idempotent", DEFAULTS.idempotent),
  };
}

export function stepFromRoute(): number | null {
  return route.value.params.has("step") ? numberParam("step", 0, 0) : null;
}

/** Changing the run starts its replay over (the whole run, no step). */
const change = (updates: Record<string, number | boolean>) => setParams({ ...updates, step: null });

export function TwoGeneralsLesson() {
  const options = optionsFromRoute();
  return (
    <>
      <p>
        Two generals must attack together, and can only talk through messengers who may be caught. The first sends "attack at
        dawn"; the second sends back "agreed". Did the answer arrive? Without it the first cannot tell whether the message was
        lost or only the answer was, and no number of further messengers settles it. A producer is the first general: when the
        broker's acknowledgement does not come within request.timeout.ms ({REQUEST_TIMEOUT_MS} ms here) it cannot know
        whether the record was written, and has to choose between retrying (maybe writing it twice) and giving up (maybe
        losing it).
      </p>
      <form class="controls" aria-label="Run settings" onSubmit={(e) => e.preventDefault()}>
        <label>Seed <input type="number" min={0} max={SEED_MAX} value={options.seed} size={6}
          onInput={(e) => e.currentTarget.validity.valid && e.currentTarget.value !== "" && change({ seed: Number(e.currentTarget.value) })} /></label>
        <button type="button" class="secondary" onClick={() => change({ seed: (options.seed + 1) % SEED_MAX })}>Next seed</button>
        <label>Values to send <input type="number" min={1} max={MESSAGES_MAX} value={options.messages}
          onInput={(e) => e.currentTarget.validity.valid && e.currentTarget.value !== "" && change({ messages: Number(e.currentTarget.value) })} /></label>
        <LossSlider name="requestLoss" label="Requests lost" value={options.loseRequest} />
        <LossSlider name="answerLoss" label="Acknowledgements lost" value={options.loseAnswer} />
        <label><input type="checkbox" checked={options.retries} onChange={(e) => change({ retries: e.currentTarget.checked })} />
          Retry (Kafka's default retries=2147483647, within delivery.timeout.ms)</label>
        <label><input type="checkbox" checked={options.idempotent} onChange={(e) => change({ idempotent: e.currentTarget.checked })} />
          Idempotent producer (enable.idempotence)</label>
      </form>
      <TwoGeneralsRun options={options} step={stepFromRoute()} onStep={(step) => setParams({ step })} />
      <h2>How the idempotent producer lets the broker tell</h2>
      <p>
        The two generals' problem has no solution: the producer still cannot know. Idempotence moves the decision to the one
        who can. The producer asks the broker once for a <em>producer id</em>, and numbers its batches per partition with a
        <em> sequence</em>; a retry resends the same bytes, same sequence. The broker remembers the last sequences it wrote for
        each producer id, so when a batch arrives whose (producerId, sequence) it has already written, it answers with the
        original offset instead of appending it again ("ack: already at …" in the diagram). Retrying becomes safe, and the
        producer may retry until delivery.timeout.ms without duplicates. It is why Kafka turns idempotence on by default, and why
        it requires acks=all and retries &gt; 0.
      </p>
    </>
  );
}

function LossSlider({ name, label, value }: { name: string; label: string; value: number }) {
  const percent = Math.round(value * 100);
  return (
    <label>
      {label}
      <input type="range" min={0} max={100} step={5} value={percent} onInput={(e) => change({ [name]: Number(e.currentTarget.value) })} />
      <output>{percent}%</output>
    </label>
  );
}
