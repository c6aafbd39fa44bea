// A simulated process: its timers run on the world's clock until it dies.
// A crash is abrupt: pending timers never fire (no heartbeat, no
// auto-commit, no leave-group), and its links, severed, carry nothing more
// either way.

import { type BrokerTransport, mapTransport, type Scheduler, type Timer } from "../src/index.ts";
import type { World } from "./world.ts";

/**
 * A transport that can die: after crash(), calls never arrive and answers
 * never come back. It wraps any BrokerTransport (the simulator's links too).
 */
export function crashable(inner: BrokerTransport): BrokerTransport & { crash(): void } {
  let dead = false;
  const never = new Promise<never>(() => {});
  const severed = mapTransport(inner, (_name, call) => (...args) => {
    if (dead) return never;
    return call(...args).then((answer) => (dead ? never : answer));
  });
  return Object.assign(severed, { crash: () => { dead = true; } });
}

export class SimulatedProcess {
  readonly scheduler: Scheduler;
  #alive = true;
  readonly #timers = new Set<Timer>();
  readonly #links: (() => void)[] = [];

  constructor(private readonly world: World, readonly name: string) {
    this.scheduler = {
      nowMs: () => world.nowMs,
      setTimer: (delayMs, callback) => {
        const timer = world.scheduler.setTimer(delayMs, () => {
          this.#timers.delete(timer);
          if (this.#alive) callback();
        });
        this.#timers.add(timer);
        return { cancel: () => { timer.cancel(); this.#timers.delete(timer); } };
      },
    };
  }

  get alive(): boolean {
    return this.#alive;
  }

  /** The process's end of `transport`: it dies with the process. */
  connect(transport: BrokerTransport): BrokerTransport {
    const link = crashable(transport);
    this.#links.push(() => link.crash());
    return link;
  }

  /** Kills the process where it stands; `detail` says how in the trace (by default, what it dropped). */
  crash(detail = `${this.#timers.size} timer(s) dropped, no leave-group`): void {
    if (!this.#alive) return;
    this.#alive = false;
    this.world.record({ kind: "crash", from: this.name, detail });
    for (const timer of this.#timers) timer.cancel();
    this.#timers.clear();
    for (const sever of this.#links) sever();
  }
}
