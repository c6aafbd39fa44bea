// A simulated network link between a client and the broker. Every request
// and answer travels with a random delay and may be lost (a lost request
// never reaches the broker; a lost answer is carried out and then dropped on
// the way back: the two generals), duplicated, held back long enough for
// later messages to overtake it (reorder), or cut off by a network partition
// between given virtual times. It is a BrokerTransport, so the real clients
// run over it unchanged.

import { BROKER_REQUESTS, type BrokerTransport, mapTransport, type RequestTarget, sleep } from "../src/index.ts";
import type { World } from "./world.ts";

/** A span of virtual time (ms since the simulation epoch, as in the trace) when a link is cut. */
export interface PartitionWindow {
  readonly startMs: number;
  readonly endMs: number;
}

/** The faults of one client's link to the broker; every key is optional. */
export interface LinkFaults {
  /** Probability that a request is lost on the way to the broker. */
  readonly loseRequest?: number;
  /** Probability that an answer is lost on the way back. */
  readonly loseAnswer?: number;
  /** Probability that a request arrives twice. */
  readonly duplicateRequest?: number;
  /** One-way delay bounds in virtual ms. */
  readonly delayMs?: readonly [number, number];
  /** Probability that a message (request or answer) is held back by an extra delay, so later ones overtake it. */
  readonly reorder?: number;
  /** Bounds of that extra delay in virtual ms. */
  readonly reorderDelayMs?: readonly [number, number];
  /** While a window is open, every request and answer on the link is lost; it heals at endMs. */
  readonly partitions?: readonly PartitionWindow[];
  /** Only these request types suffer the faults (all when absent). */
  readonly only?: readonly (keyof BrokerTransport)[];
  /**
   * From this virtual time on (ms since the run began) the random faults
   * (loss, duplication, reordering) stop: the network heals, so the run can
   * finish its work — safety is judged under faults, completeness after them.
   */
  readonly healAtMs?: number;
}

/** The request types a link carries (and a schedule's `only` may name). */
export const LINK_METHODS: readonly (keyof BrokerTransport)[] = BROKER_REQUESTS;

/** Held-back messages wait this long on top of their delay unless the faults say otherwise. */
const REORDER_DELAY_MS_DEFAULT: readonly [number, number] = [50, 250];

/** Whether a window of `partitions` is open at trace time `atMs`. */
export function isCut(partitions: readonly PartitionWindow[], atMs: number): boolean {
  return partitions.some((p) => atMs >= p.startMs && atMs < p.endMs);
}

/** Writes each window's start and end into the trace when virtual time reaches it. */
function tracePartitions(world: World, client: string, partitions: readonly PartitionWindow[]): void {
  const elapsed = world.elapsedMs;
  for (const { startMs, endMs } of partitions) {
    if (startMs >= elapsed) world.scheduler.setTimer(startMs - elapsed, () => world.record({ kind: "partitioned", from: client, to: "broker", detail: `until ${endMs} ms` }));
    if (endMs >= elapsed) world.scheduler.setTimer(endMs - elapsed, () => world.record({ kind: "healed", from: client, to: "broker" }));
  }
}

/**
 * Creates the client side of a link from `client` to a broker: a Broker (or
 * a transport to one), or a function returning the current one (a restarted
 * broker takes the old one's place).
 */
export function simulatedLink(world: World, target: RequestTarget | (() => RequestTarget), client: string, faults: LinkFaults = {}): BrokerTransport {
  const currentBroker = typeof target === "function" ? target : () => target;
  const [minDelay, maxDelay] = faults.delayMs ?? [1, 5];
  const [minHeld, maxHeld] = faults.reorderDelayMs ?? REORDER_DELAY_MS_DEFAULT;
  const partitions = faults.partitions ?? [];
  tracePartitions(world, client, partitions);
  const cut = () => isCut(partitions, world.elapsedMs);
  // Draws nothing when reorder is 0, so runs without it keep their random sequence.
  const delay = (faulty: boolean, id: string) => {
    const ms = world.between(minDelay, maxDelay);
    if (!faulty || !world.chance(faults.reorder ?? 0)) return ms;
    const held = world.between(minHeld, maxHeld);
    world.record({ kind: "held back", detail: `${id} by ${held} ms` });
    return ms + held;
  };
  const never = () => new Promise<never>(() => {});
  let sequence = 0;
  return mapTransport(currentBroker, (method, call) => {
    const affected = faults.only === undefined || faults.only.includes(method);
    return async (...args) => {
      const faulty = affected && world.elapsedMs < (faults.healAtMs ?? Infinity);
      const id = `${method}#${++sequence}`;
      world.record({ kind: "send", from: client, to: "broker", detail: id });
      // A partition drops what is sent into it and what would arrive while it lasts.
      const sentIntoCut = cut();
      await sleep(world.scheduler, delay(faulty, id));
      if (sentIntoCut || cut()) {
        world.record({ kind: "lost", from: client, to: "broker", detail: `${id} (partitioned)` });
        return never();
      }
      if (faulty && world.chance(faults.loseRequest ?? 0)) {
        world.record({ kind: "lost", from: client, to: "broker", detail: id });
        return never();
      }
      if (faulty && world.chance(faults.duplicateRequest ?? 0)) {
        world.record({ kind: "duplicated", from: client, to: "broker", detail: id });
        void call(...args).catch(() => undefined);
      }
      world.record({ kind: "receive", from: client, to: "broker", detail: id });
      const answer = await call(...args);
      const answeredIntoCut = cut();
      await sleep(world.scheduler, delay(faulty, `${id} answer`));
      if (answeredIntoCut || cut()) {
        world.record({ kind: "lost", from: "broker", to: client, detail: `${id} answer (partitioned)` });
        return never();
      }
      if (faulty && world.chance(faults.loseAnswer ?? 0)) {
        world.record({ kind: "lost", from: "broker", to: client, detail: `${id} answer` });
        return never();
      }
      world.record({ kind: "receive", from: "broker", to: client, detail: `${id} answer` });
      return answer;
    };
  });
}
