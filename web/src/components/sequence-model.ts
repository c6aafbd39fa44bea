// Turns a simulator trace into the arrows of a sequence diagram: one per
// request and one per answer, matched by the link's message id ("produce#3",
// "produce#3 answer"), each spanning the rows (trace events) it travelled.

import type { TraceEvent } from "../../../sim/index.ts";

export type ArrowFate = "delivered" | "lost" | "in flight";

export interface Arrow {
  /** The link's id: "produce#3" for a request, "produce#3 answer" for its answer. */
  readonly id: string;
  readonly from: string;
  readonly to: string;
  /** The trace event it leaves at, and the one it arrives or is lost at (the trace's length when neither happened). */
  readonly startRow: number;
  readonly endRow: number;
  readonly fate: ArrowFate;
  /** The second copy of a request the link duplicated. */
  readonly duplicate: boolean;
}

/** The id a trace event is about, without the link's "(partitioned)" or "by N ms" remarks. */
export function messageId(event: TraceEvent): string {
  return (event.detail ?? "").replace(/ \(partitioned\)$/, "").replace(/ by \d+ ms$/, "");
}

const answerOf = (id: string) => `${id} answer`;

export function arrowsOf(trace: readonly TraceEvent[]): Arrow[] {
  const arrows: Arrow[] = [];
  const open = new Map<string, { from: string; to: string; startRow: number; duplicate: boolean }>();
  const close = (id: string, row: number, fate: ArrowFate) => {
    const pending = open.get(id);
    if (pending === undefined) return;
    open.delete(id);
    arrows.push({ id, ...pending, endRow: row, fate });
  };
  trace.forEach((event, row) => {
    const id = messageId(event);
    const isAnswer = id.endsWith(" answer");
    switch (event.kind) {
      case "send":
        open.set(id, { from: event.from ?? "?", to: event.to ?? "?", startRow: row, duplicate: false });
        break;
      case "duplicated": {
        // The copy left with the original and arrives now; the original arrives with its own "receive".
        const original = open.get(id);
        if (original !== undefined) arrows.push({ id, ...original, endRow: row, fate: "delivered", duplicate: true });
        break;
      }
      case "receive":
        close(id, row, "delivered");
        // The broker answers as soon as it has handled the request; the answer's fate comes later.
        if (!isAnswer) open.set(answerOf(id), { from: event.to ?? "?", to: event.from ?? "?", startRow: row, duplicate: false });
        break;
      case "lost":
        close(id, row, "lost");
        break;
      default:
        break;
    }
  });
  for (const id of [...open.keys()]) close(id, trace.length, "in flight");
  return arrows.sort((a, b) => a.startRow - b.startRow || a.endRow - b.endRow);
}

/** The lifelines, in order of first appearance: the client that speaks first on the left. */
export function lifelinesOf(trace: readonly TraceEvent[]): string[] {
  const names: string[] = [];
  for (const event of trace) {
    for (const name of [event.from, event.to]) if (name !== undefined && !names.includes(name)) names.push(name);
  }
  return names;
}
