// A sequence diagram of a simulator trace: a lifeline per party, one row per
// trace event (time flows down), an arrow per request and answer, lost ones
// ending in a ✕ halfway, retries marked. It replays up to a step with
// Previous/Next (buttons, a slider, or ← → on the diagram), and lists every
// event as text for screen readers and for copying.

import { useEffect, useId, useRef } from "preact/hooks";
import type { TraceEvent } from "../../../sim/index.ts";
import { type Arrow, arrowsOf, lifelinesOf, messageId } from "./sequence-model.ts";
import "./sequence-diagram.css";

/** What the page knows about a message beyond the trace: what it carried, whether it is a retry. */
export interface ArrowLabel {
  readonly text: string;
  readonly retry?: boolean;
}

const ROW_PX = 30;
const HEAD_PX = 44;
const FOOT_PX = 16;
/** Lifelines between these horizontal positions (percent of the width): room for times on the left. */
const FIRST_LIFELINE_PCT = 24;
const LAST_LIFELINE_PCT = 86;

const rowY = (row: number) => HEAD_PX + row * ROW_PX + ROW_PX / 2;

function lifelineX(index: number, count: number): number {
  return count < 2 ? 50 : FIRST_LIFELINE_PCT + (index * (LAST_LIFELINE_PCT - FIRST_LIFELINE_PCT)) / (count - 1);
}

/** One event in words: what the list shows and the live region announces. */
export function describeEvent(event: TraceEvent, labels: ReadonlyMap<string, ArrowLabel>): string {
  const id = messageId(event);
  const label = labels.get(id);
  const carried = label === undefined ? "" : ` (${label.retry === true ? "retry: " : ""}${label.text})`;
  const between = `${event.from ?? "?"} → ${event.to ?? "?"}`;
  switch (event.kind) {
    case "send": return `${event.from} sends ${id}${carried}`;
    case "receive": return `${event.to} receives ${id}${carried}`;
    case "lost": return `${id}${carried} is lost on the way ${between}${event.detail?.endsWith("(partitioned)") ? " (network partition)" : ""}`;
    case "duplicated": return `${id}${carried} arrives twice at ${event.to}`;
    default: return `${event.kind}${event.detail === undefined ? "" : ` ${event.detail}`}`;
  }
}

function summary(arrows: readonly Arrow[], lifelines: readonly string[], labels: ReadonlyMap<string, ArrowLabel>, step: number, total: number): string {
  const shown = arrows.filter((a) => a.startRow < step);
  const lost = shown.filter((a) => a.fate === "lost" && a.endRow < step).length;
  const retries = shown.filter((a) => labels.get(a.id)?.retry === true).length;
  return `Sequence diagram between ${lifelines.join(" and ")}: ${shown.length} messages up to step ${step} of ${total}, ` +
    `${lost} lost, ${retries} retries. The event list below has every step as text.`;
}

export function SequenceDiagram({ trace, labels, step, onStep }: {
  trace: readonly TraceEvent[];
  labels: ReadonlyMap<string, ArrowLabel>;
  /** How many events to show: 0 to trace.length. */
  step: number;
  onStep: (step: number) => void;
}) {
  const uid = useId();
  const scroller = useRef<HTMLDivElement>(null);
  const total = trace.length;
  const shown = Math.max(0, Math.min(step, total));
  const arrows = arrowsOf(trace);
  const lifelines = lifelinesOf(trace).slice(0, 4);
  const x = (name: string) => lifelineX(Math.max(0, lifelines.indexOf(name)), lifelines.length);
  const height = HEAD_PX + total * ROW_PX + FOOT_PX;
  const go = (next: number) => onStep(Math.max(0, Math.min(total, next)));
  const current = shown === 0 ? undefined : trace[shown - 1];

  // Keep the current step in view inside the diagram's own scroll box (never scrolling the page).
  useEffect(() => {
    const box = scroller.current;
    if (box === null || shown === 0) return;
    const y = rowY(shown - 1);
    if (y < box.scrollTop + HEAD_PX || y > box.scrollTop + box.clientHeight - ROW_PX) box.scrollTop = Math.max(0, y - box.clientHeight / 2);
  }, [shown, total]);

  const onKey = (event: KeyboardEvent) => {
    const moves: Record<string, number> = { ArrowLeft: shown - 1, ArrowRight: shown + 1, Home: 0, End: total };
    const next = moves[event.key];
    if (next === undefined) return;
    event.preventDefault();
    go(next);
  };

  return (
    <div class="sequence">
      <div class="controls sequence-steps">
        <button type="button" class="secondary" onClick={() => go(shown - 1)} disabled={shown === 0}>◀ Previous</button>
        <button type="button" class="secondary" onClick={() => go(shown + 1)} disabled={shown === total}>Next ▶</button>
        <label>
          Step
          <input type="range" min={0} max={total} value={shown} onInput={(e) => go(Number(e.currentTarget.value))} />
        </label>
        <button type="button" class="secondary" onClick={() => go(total)} disabled={shown === total}>Show all</button>
      </div>
      <ul class="sequence-legend" aria-hidden="true">
        <li><span class="swatch" />request</li>
        <li><span class="swatch answer" />answer (acknowledgement)</li>
        <li><span class="swatch retry" />↻ retry</li>
        <li><span class="swatch lost" />lost on the way ✕</li>
      </ul>
      <p class="sequence-now" aria-live="polite" data-testid="sequence-now">
        Step <strong>{shown}</strong> of {total}
        {current === undefined ? ": nothing sent yet." : <>, at {current.atMs} ms: {describeEvent(current, labels)}.</>}
      </p>
      <div class="sequence-scroll" ref={scroller} tabIndex={0} onKeyDown={onKey} role="group"
        aria-label="Sequence diagram, scrollable: ← and → step through it, Home and End jump">
        <svg role="img" aria-label={summary(arrows, lifelines, labels, shown, total)} width="100%" height={height} class="sequence-svg">
          <defs>
            {(["request", "answer", "retry"] as const).map((kind) => (
              <marker key={kind} id={`${uid}-${kind}`} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                <path d="M0,0 L10,5 L0,10 z" class={`head ${kind}`} />
              </marker>
            ))}
          </defs>
          {current === undefined ? null : <rect class="now-row" x="0" y={rowY(shown - 1) - ROW_PX / 2} width="100%" height={ROW_PX} />}
          {trace.map((event, row) => row >= shown ? null : (
            <text key={row} class="time" x="4" y={rowY(row) + 4}>{event.atMs} ms</text>
          ))}
          {lifelines.map((name) => (
            <g key={name} class="lifeline">
              <line x1={`${x(name)}%`} x2={`${x(name)}%`} y1={HEAD_PX - 8} y2={height - 4} />
              <rect x={`${x(name) - 11}%`} y="6" width="22%" height="26" rx="5" />
              <text x={`${x(name)}%`} y="24" text-anchor="middle">{name}</text>
            </g>
          ))}
          {arrows.filter((a) => a.startRow < shown).map((arrow) => (
            <ArrowView key={`${arrow.id}-${arrow.duplicate}`} arrow={arrow} label={labels.get(arrow.id)} shown={shown} x={x} marker={(kind) => `url(#${uid}-${kind})`} />
          ))}
        </svg>
      </div>
      <details class="sequence-events">
        <summary>Every event as text ({total})</summary>
        <ol data-testid="sequence-events" tabIndex={0} aria-label="Every event, in order">
          {trace.map((event, row) => (
            <li key={row} class={row >= shown ? "future" : ""} aria-current={row === shown - 1 ? "step" : undefined}>
              <span class="mono">{event.atMs} ms</span> {describeEvent(event, labels)}
            </li>
          ))}
        </ol>
      </details>
    </div>
  );
}

function ArrowView({ arrow, label, shown, x, marker }: {
  arrow: Arrow; label: ArrowLabel | undefined; shown: number; x: (name: string) => number; marker: (kind: string) => string;
}) {
  const x1 = x(arrow.from);
  const x2full = x(arrow.to);
  const y1 = rowY(arrow.startRow);
  const arrived = arrow.endRow < shown;
  const lost = arrived && arrow.fate === "lost";
  const isAnswer = arrow.id.endsWith(" answer");
  const kind = label?.retry === true ? "retry" : isAnswer ? "answer" : "request";
  // Not there yet at this step: dashed, part of the way (never past halfway, where a lost one would end).
  const travelled = arrived ? (lost ? 0.5 : 1) : Math.min(0.45, Math.max(0.1, (shown - 0.5 - arrow.startRow) / Math.max(1, arrow.endRow - arrow.startRow)));
  const x2 = x1 + (x2full - x1) * travelled;
  const y2 = arrived ? rowY(arrow.endRow) : y1 + (rowY(arrow.endRow) - y1) * travelled;
  const classes = ["arrow", kind, arrived ? arrow.fate : "in-flight", arrow.duplicate ? "duplicate" : ""].join(" ");
  const text = `${label?.retry === true ? "↻ " : ""}${label?.text ?? arrow.id}${arrow.duplicate ? " (copy)" : ""}`;
  const midX = (x1 + x2) / 2;
  return (
    <g class={classes}>
      <line x1={`${x1}%`} y1={y1} x2={`${x2}%`} y2={y2} marker-end={arrived && !lost ? marker(kind) : undefined} />
      {lost ? <text class="lost-mark" x={`${x2}%`} y={y2 + 6} text-anchor="middle">✕</text> : null}
      <text class="label" x={`${midX}%`} y={(y1 + y2) / 2 - 5} text-anchor="middle">{text}</text>
    </g>
  );
}
