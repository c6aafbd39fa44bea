// A simulated network link between a client and the broker. Every request
// and answer travels with a random delay and may be lost (a lost request
// never reaches the broker; a lost answer is carried out and then dropped on
// the way back: the two generals) or duplicated, as the link's faults say.
// It is a BrokerTransport, so the real clients run over it unchanged.

import type { Broker, BrokerTransport } from "../src/index.ts";
import type { World } from "./world.ts";

export interface LinkFaults {
  /** Probability that a request is lost on the way to the broker. */
  readonly loseRequest?: number;
  /** Probability that an answer is lost on the way back. */
  readonly loseAnswer?: number;
  /** Probability that a request arrives twice. */
  readonly duplicateRequest?: number;
  /** One-way delay bounds in virtual ms. */
  readonly delayMs?: readonly [number, number];
  /** Only these request types suffer the faults (all when absent). */
  readonly only?: readonly (keyof BrokerTransport)[];
}

const METHODS: readonly (keyof BrokerTransport)[] = [
  "metadata", "initProducerId", "addPartitionsToTxn", "addOffsetsToTxn", "endTxn", "produce", "fetch", "listOffsets",
  "joinGroup", "syncGroup", "heartbeat", "leaveGroup", "offsetCommit", "offsetFetch",
];

/**
 * Creates the client side of a link from `client` to a broker: a Broker, or a
 * function returning the current one (a restarted broker takes the old one's place).
 */
export function simulatedLink(world: World, target: Broker | (() => Broker), client: string, faults: LinkFaults = {}): BrokerTransport {
  const currentBroker = typeof target === "function" ? target : () => target;
  const [minDelay, maxDelay] = faults.delayMs ?? [1, 5];
  const delay = () => world.between(minDelay, maxDelay);
  const wait = (ms: number) => new Promise<void>((resolve) => world.scheduler.setTimer(ms, resolve));
  let sequence = 0;
  const link = {} as Record<string, unknown>;
  for (const method of METHODS) {
    const faulty = faults.only === undefined || faults.only.includes(method);
    link[method] = async (...args: unknown[]) => {
      const id = `${method}#${++sequence}`;
      world.record({ kind: "send", from: client, to: "broker", detail: id });
      await wait(delay());
      if (faulty && world.chance(faults.loseRequest ?? 0)) {
        world.record({ kind: "lost", from: client, to: "broker", detail: id });
        return new Promise(() => {});
      }
      const broker = currentBroker();
      const handler = (broker as unknown as Record<string, (...a: unknown[]) => unknown>)[method]!;
      if (faulty && world.chance(faults.duplicateRequest ?? 0)) {
        world.record({ kind: "duplicated", from: client, to: "broker", detail: id });
        void Promise.resolve(handler.apply(broker, args)).catch(() => undefined);
      }
      world.record({ kind: "receive", from: client, to: "broker", detail: id });
      const answer = await handler.apply(broker, args);
      await wait(delay());
      if (faulty && world.chance(faults.loseAnswer ?? 0)) {
        world.record({ kind: "lost", from: "broker", to: client, detail: `${id} answer` });
        return new Promise(() => {});
      }
      world.record({ kind: "receive", from: "broker", to: client, detail: `${id} answer` });
      return answer;
    };
  }
  return link as unknown as BrokerTransport;
}
