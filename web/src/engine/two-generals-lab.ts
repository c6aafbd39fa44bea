// The two generals for the lesson: the real Producer and Broker over the
// simulator's lossy link, returning the trace, the history, the checker's
// verdict, the final log, and what each produce request carried and what the
// broker did with it (for the sequence diagram's labels). Pure and seeded:
// same options, same trace. The run itself is the simulator's
// (sendOverLossyLink); this adds request loss, the retries switch and notes.

import { decodeBatches, type ProducerConfig } from "../../../src/index.ts";
import {
  type HistoryEntry, sendOverLossyLink, type TraceEvent, TWO_GENERALS_PRODUCER, TWO_GENERALS_TOPIC as TOPIC, type Verdict, World,
} from "../../../sim/index.ts";

export interface TwoGeneralsOptions {
  readonly seed: number;
  /** How many values the producer sends, one at a time: payment-0, payment-1, … */
  readonly messages: number;
  /** Probability (0 to 1) that a produce request is lost on the way to the broker. */
  readonly loseRequest: number;
  /** Probability (0 to 1) that the broker's answer to a produce request is lost on the way back. */
  readonly loseAnswer: number;
  /** Retry unanswered requests (Kafka's default, retries=2147483647, bounded by delivery.timeout.ms), or not at all (retries=0). */
  readonly retries: boolean;
  readonly idempotent: boolean;
}

/** What one produce request carried, and what the broker did with it when it arrived. */
export interface ProduceNote {
  readonly values: readonly string[];
  /** 1 for the first try of a batch, 2 for its first retry, … */
  readonly attempt: number;
  /** The idempotent producer's id and the batch's first sequence number; -1 without idempotence. */
  readonly producerId: number;
  readonly baseSequence: number;
  /** What became of the request: lost on the way, answered, or answered with the answer lost on the way back. */
  readonly fate: "request lost" | "answer lost" | "answered" | "unanswered";
  /** Absent when the request never reached the broker. */
  readonly broker?: { readonly appended: boolean; readonly offset: number };
}

export interface TwoGeneralsLabRun {
  readonly options: TwoGeneralsOptions;
  readonly trace: readonly TraceEvent[];
  /** The trace one event a line: what "same options, same run" compares. */
  readonly traceText: string;
  readonly history: readonly HistoryEntry[];
  readonly verdict: Verdict;
  /** The values in the log, in offset order (the value at index i is at offset i). */
  readonly log: readonly string[];
  /** Per produce request id ("produce#3"), in the order they were sent. */
  readonly produces: ReadonlyMap<string, ProduceNote>;
}

export { TOPIC };
export const MESSAGES_MAX = 30;
export const REQUEST_TIMEOUT_MS = TWO_GENERALS_PRODUCER["request.timeout.ms"]!;
/** Short, so that a very lossy link gives up after about nine tries instead of filling the diagram. */
export const DELIVERY_TIMEOUT_MS = 1_000;
const LINK_DELAY_MS: readonly [number, number] = [1, 20];

export const valueName = (index: number) => `payment-${index}`;

/** The producer's settings for these options; throws InvalidConfigError for idempotence without retries, as Kafka does. */
export function producerConfig(options: Pick<TwoGeneralsOptions, "retries" | "idempotent">): ProducerConfig {
  return {
    ...TWO_GENERALS_PRODUCER,
    "enable.idempotence": options.idempotent,
    ...(options.retries ? {} : { retries: 0 }),
    "delivery.timeout.ms": DELIVERY_TIMEOUT_MS,
  };
}

/**
 * A world that also notes the log's end offset when a produce request reaches
 * the broker and when its answer leaves: the difference says whether the
 * broker wrote the batch or recognised it as a retry. The link traces the
 * request's arrival just before the broker handles it, and the answer's fate
 * just after; one request is in flight at a time, so nothing interleaves.
 */
class ObservedWorld extends World {
  readonly arrivedAt = new Map<string, number>();
  readonly answeredAt = new Map<string, number>();
  logEndOffset: () => number = () => 0;

  override record(event: Omit<TraceEvent, "atMs">): void {
    super.record(event);
    const id = event.detail?.split(" ")[0] ?? "";
    if (!id.startsWith("produce#")) return;
    if (event.kind === "receive" && event.to === "broker") this.arrivedAt.set(id, this.logEndOffset());
    else if (event.from === "broker" && !this.answeredAt.has(id)) this.answeredAt.set(id, this.logEndOffset());
  }
}

export async function runTwoGeneralsLab(options: TwoGeneralsOptions): Promise<TwoGeneralsLabRun> {
  const config = producerConfig(options);
  const world = new ObservedWorld(options.seed);
  const sent: { id: string; bytes: Uint8Array }[] = [];
  const { history, values, verdict } = await sendOverLossyLink({
    world,
    idempotent: options.idempotent,
    messages: options.messages,
    faults: { loseRequest: options.loseRequest, loseAnswer: options.loseAnswer, only: ["produce"], delayMs: LINK_DELAY_MS },
    producer: config,
    observe: (broker, link) => {
      const log = broker.logs.log(TOPIC, 0);
      world.logEndOffset = () => log.logEndOffset;
      return {
        ...link,
        // The link names each request as it sends it (its "send" event, written before the first await).
        produce(request) {
          const traced = world.trace.length;
          const answer = link.produce(request);
          sent.push({ id: world.trace[traced]!.detail!, bytes: request.partitions[0]!.records });
          return answer;
        },
      };
    },
  });
  return {
    options,
    trace: world.trace,
    traceText: world.traceText(),
    history: history.entries,
    verdict,
    log: values,
    produces: noteProduces(sent, world),
  };
}

function noteProduces(sent: readonly { id: string; bytes: Uint8Array }[], world: ObservedWorld): Map<string, ProduceNote> {
  const notes = new Map<string, ProduceNote>();
  const attempts = new Map<string, number>();
  const firstOffset = new Map<string, number>();
  const decoder = new TextDecoder();
  const lost = new Set(world.trace.filter((e) => e.kind === "lost").map((e) => e.detail!.replace(/ \(partitioned\)$/, "")));
  const answered = new Set(world.trace.filter((e) => e.kind === "receive" && e.from === "broker").map((e) => e.detail!));
  for (const { id, bytes } of sent) {
    const [batch] = decodeBatches(bytes);
    const values = batch!.records.map((r) => decoder.decode(r.value!));
    // A retry resends the same batch: the same values, under the same sequence when idempotent.
    const key = values.join("\n");
    const attempt = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, attempt);
    const before = world.arrivedAt.get(id);
    const after = world.answeredAt.get(id);
    let broker: ProduceNote["broker"];
    if (before !== undefined && after !== undefined) {
      const appended = after > before;
      if (appended && !firstOffset.has(key)) firstOffset.set(key, before);
      broker = { appended, offset: appended ? before : firstOffset.get(key) ?? -1 };
    }
    const fate = lost.has(id) ? "request lost" : lost.has(`${id} answer`) ? "answer lost" : answered.has(`${id} answer`) ? "answered" : "unanswered";
    notes.set(id, {
      values, attempt, fate, producerId: batch!.producerId, baseSequence: batch!.baseSequence, ...(broker === undefined ? {} : { broker }),
    });
  }
  return notes;
}
