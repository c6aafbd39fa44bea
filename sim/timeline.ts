// A run's trace as a timeline a person can read: one event a line, virtual
// time first, who to whom, what. By default only what shapes the outcome
// (faults, crashes, restarts, group changes) — sends and arrivals that went
// as planned are counted, not listed.

import type { TraceEvent } from "./world.ts";

/** Event kinds that are the ordinary traffic of a run. */
const ROUTINE = new Set(["send", "receive"]);

/** What a timeline lists: the events that shape the outcome (faults), or every event (all). */
export type TimelineDetail = "faults" | "all";

function formatEvent(event: TraceEvent): string {
  const who = event.from === undefined ? "" : event.to === undefined ? event.from : `${event.from} → ${event.to}`;
  return `${String(event.atMs).padStart(8)} ms  ${who.padEnd(24)} ${event.kind}${event.detail === undefined ? "" : ` ${event.detail}`}`;
}

/** The timeline's lines: every event, or only the non-routine ones, at most `linesMax` of them. */
export function timeline(trace: readonly TraceEvent[], detail: TimelineDetail = "faults", linesMax = 25): string[] {
  const shown = detail === "all" ? trace : trace.filter((event) => !ROUTINE.has(event.kind));
  const lines = shown.slice(0, linesMax).map(formatEvent);
  const routine = trace.length - shown.length;
  if (shown.length > linesMax) lines.push(`${" ".repeat(13)}… ${shown.length - linesMax} more`);
  if (routine > 0) lines.push(`${" ".repeat(13)}(${routine} routine sends and arrivals not shown)`);
  return lines;
}
