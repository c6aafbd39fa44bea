// Reads the three kinds of trace file the scenario viewer opens: a scenario's runs (`loglab sim NAME --trace`), a
// user's program run (`loglab sim --program FILE --trace`) and a wire trace (`loglab serve --trace`), the last turned
// into the simulator's trace events so the same sequence diagram and timeline show a real client's conversation.

import type { TraceEvent } from "../../../sim/index.ts";
import { parseTraceFile, type RunResult } from "./scenario-runs.ts";

export type OpenedTrace =
  | { readonly kind: "scenario"; readonly runs: readonly RunResult[] }
  | { readonly kind: "program"; readonly program: string; readonly checks: readonly string[]; readonly valid: boolean | "unknown"; readonly explanation: readonly string[]; readonly seed: number; readonly trace: readonly TraceEvent[] }
  | {
    readonly kind: "wire"; readonly bootstrap: string; readonly requests: number; readonly faults: number; readonly trace: readonly TraceEvent[];
    /** What each Produce carried and what its answer said, by the arrow's id; `retry` when it resends a batch (same producer and sequence). */
    readonly labels: ReadonlyMap<string, { readonly text: string; readonly retry?: boolean }>;
  };

const WIRE_FORMAT = "loglab-wire-trace";
const EXPECTED = "expected a JSON array of runs, as `loglab sim NAME --trace FILE` writes, a program's run " +
  "(`loglab sim --program FILE --trace FILE`) or a wire trace (`loglab serve --trace FILE`)";

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Reads any of the three; throws with what is wrong. */
export function openTraceFile(text: string): OpenedTrace {
  const firstLine = text.slice(0, text.indexOf("\n") === -1 ? text.length : text.indexOf("\n"));
  let header: unknown = null;
  try {
    header = JSON.parse(firstLine);
  } catch {
    // Not JSON Lines: a whole JSON document below.
  }
  if (isObject(header) && header.format === WIRE_FORMAT) return wireTrace(text);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(`not JSON: ${(error as Error).message}`);
  }
  if (Array.isArray(data)) return { kind: "scenario", runs: parseTraceFile(text) };
  if (isObject(data) && typeof data.program === "string" && Array.isArray(data.trace)) return programTrace(data);
  throw new Error(EXPECTED);
}

function programTrace(data: Record<string, unknown>): OpenedTrace {
  const verdict = isObject(data.verdict) ? data.verdict : {};
  const replay = isObject(data.replay) ? data.replay : {};
  (data.trace as unknown[]).forEach((event, i) => {
    if (!isObject(event) || typeof event.atMs !== "number" || typeof event.kind !== "string") throw new Error(`trace event ${i} has no atMs or kind`);
  });
  return {
    kind: "program",
    program: data.program as string,
    checks: Array.isArray(data.checks) ? data.checks.map(String) : [],
    valid: verdict.valid === true || verdict.valid === false ? verdict.valid : "unknown",
    explanation: Array.isArray(verdict.explanation) ? verdict.explanation.map(String) : [],
    seed: typeof replay.seed === "number" ? replay.seed : 0,
    trace: data.trace as TraceEvent[],
  };
}

/** A wire trace's events as the simulator's: a request is a send and its arrival, a response the answer's arrival. */
function wireTrace(text: string): OpenedTrace {
  const lines = text.split("\n").filter((line) => line.trim() !== "");
  const header = JSON.parse(lines[0]!) as Record<string, unknown>;
  const trace: TraceEvent[] = [];
  const events = lines.slice(1).map((line, i) => {
    let event: unknown;
    try {
      event = JSON.parse(line);
    } catch (error) {
      throw new Error(`line ${i + 2} is not JSON: ${(error as Error).message}`);
    }
    if (!isObject(event) || typeof event.atMs !== "number" || typeof event.type !== "string" || typeof event.connection !== "number") {
      throw new Error(`line ${i + 2} is not a wire trace event (atMs, type, connection)`);
    }
    return event as Record<string, unknown> & { atMs: number; type: string; connection: number };
  });
  // One lifeline per client id (a client's connections share it), named by the first request of each connection.
  const clients = new Map<number, string>();
  for (const event of events) {
    if (event.type === "request" && !clients.has(event.connection)) {
      clients.set(event.connection, typeof event.clientId === "string" && event.clientId !== "" ? event.clientId : `client #${event.connection}`);
    }
  }
  const clientOf = (connection: number): string => clients.get(connection) ?? `client #${connection}`;
  let requests = 0;
  let faults = 0;
  const labels = new Map<string, { text: string; retry?: boolean }>();
  const batchesSeen = new Set<string>();
  events.forEach((event, i) => {
    const atMs = Math.round(event.atMs);
    const id = `${String(event.api)} v${String(event.version)} #${String(event.correlationId)} on ${event.connection}`;
    switch (event.type) {
      case "request": {
        requests++;
        const client = clientOf(event.connection);
        trace.push({ atMs, kind: "send", from: client, to: "broker", detail: id }, { atMs, kind: "receive", from: client, to: "broker", detail: id });
        if (event.api === "Produce") labels.set(id, produceLabel(event.body, batchesSeen));
        break;
      }
      case "response":
        trace.push({ atMs, kind: "receive", from: "broker", to: clientOf(event.connection), detail: `${id} answer` });
        if (event.api === "Produce") labels.set(`${id} answer`, { text: produceAnswerLabel(event.body) });
        break;
      case "fault": {
        faults++;
        const client = clientOf(event.connection);
        if (event.kind === "loseAnswer") trace.push({ atMs, kind: "lost", from: "broker", to: client, detail: `${id} answer` });
        trace.push({ atMs, kind: `fault ${String(event.kind)}`, from: "broker", to: client, detail: `${id}: ${String(event.detail)}` });
        break;
      }
      case "connect":
      case "disconnect":
        trace.push({ atMs, kind: event.type, from: clientOf(event.connection), detail: `${String(event.peer)}${event.reason === undefined ? "" : `: ${String(event.reason)}`}` });
        break;
      default:
        throw new Error(`line ${i + 2} has an unknown type ${JSON.stringify(event.type)}`);
    }
  });
  return { kind: "wire", bootstrap: String(header.bootstrap), requests, faults, trace, labels };
}

interface ProduceBody {
  readonly topicData?: readonly { readonly name?: string; readonly partitionData?: readonly { readonly index?: number; readonly records?: { readonly batches?: readonly BatchSummary[] } }[] }[];
  readonly responses?: readonly { readonly name?: string; readonly partitionResponses?: readonly { readonly index?: number; readonly errorCode?: number; readonly baseOffset?: string }[] }[];
}

interface BatchSummary {
  readonly count?: number;
  readonly producerId?: number;
  readonly baseSequence?: number;
}

/** "Produce orders/0: 1 record(s)", a retry when an idempotent producer's batch (producer id and sequence) came before. */
function produceLabel(body: unknown, seen: Set<string>): { text: string; retry?: boolean } {
  const parts: string[] = [];
  let retry = false;
  for (const topic of (body as ProduceBody).topicData ?? []) {
    for (const partition of topic.partitionData ?? []) {
      const batches = partition.records?.batches ?? [];
      parts.push(`${topic.name ?? "?"}/${partition.index ?? "?"}: ${batches.reduce((sum, batch) => sum + (batch.count ?? 0), 0)} record(s)`);
      for (const batch of batches) {
        if (batch.producerId === undefined || batch.producerId < 0) continue;
        const key = `${topic.name}/${partition.index}/${batch.producerId}/${batch.baseSequence}`;
        if (seen.has(key)) retry = true;
        seen.add(key);
      }
    }
  }
  return { text: `Produce ${parts.join(", ")}`, ...(retry ? { retry } : {}) };
}

/** "offset 1", or the error code, per partition. */
function produceAnswerLabel(body: unknown): string {
  const parts: string[] = [];
  for (const topic of (body as ProduceBody).responses ?? []) {
    for (const p of topic.partitionResponses ?? []) parts.push(p.errorCode === 0 ? `offset ${p.baseOffset}` : `error ${p.errorCode}`);
  }
  return parts.join(", ");
}
