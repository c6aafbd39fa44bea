// mapTransport: one wrapper function sees every request a BrokerTransport
// carries, passes arguments and answers through, and may look its target up
// at each call (a restarted broker taking the old one's place).

import { describe, expect, it } from "vitest";
import { Broker, BROKER_REQUESTS, type BrokerTransport, InProcessTransport, MemoryStorage, SeededRandom, systemScheduler } from "../../src/index.ts";
import { type BrokerRequest, mapTransport } from "../../src/client/map-transport.ts";

/** A target that answers every request with its own name and the arguments it got. */
const echo = Object.fromEntries(BROKER_REQUESTS.map((name) => [name, (...args: unknown[]) => Promise.resolve({ name, args })])) as unknown as BrokerTransport;

describe("mapTransport", () => {
  it("wraps every request of BROKER_REQUESTS, and each call goes through its wrapper once", async () => {
    const wrapped: BrokerRequest[] = [];
    const calls = new Map<BrokerRequest, number>();
    const counting = mapTransport(echo, (name, call) => {
      wrapped.push(name);
      return (...args) => {
        calls.set(name, (calls.get(name) ?? 0) + 1);
        return call(...args);
      };
    });
    expect(wrapped).toEqual([...BROKER_REQUESTS]);
    for (const name of BROKER_REQUESTS) {
      const answer = await (counting[name] as (...args: unknown[]) => Promise<unknown>)(name, 1);
      expect(answer).toEqual({ name, args: [name, 1] });
    }
    expect(Object.fromEntries(calls)).toEqual(Object.fromEntries(BROKER_REQUESTS.map((name) => [name, 1])));
  });

  it("lets a wrapper change answers and rejections", async () => {
    const refusing = mapTransport(echo, (name, call) => (...args) => name === "fetch" ? Promise.reject(new Error("refused")) : call(...args).then(() => "changed"));
    await expect(refusing.fetch({ partitions: [] })).rejects.toThrow("refused");
    await expect(refusing.metadata([])).resolves.toBe("changed");
  });

  it("looks the target up at each call when given a function, and carries a real broker's answers", async () => {
    const open = () => Broker.open({ storage: new MemoryStorage(), scheduler: systemScheduler, random: new SeededRandom(1) });
    let broker = await open();
    await broker.logs.createTopic("events", 1);
    const transport = mapTransport(() => new InProcessTransport(broker), (_name, call) => call);
    expect((await transport.metadata(["events"])).topics[0]!.partitions).toBe(1);
    await broker.close();
    broker = await open();
    await broker.logs.createTopic("events", 3);
    expect((await transport.metadata(["events"])).topics[0]!.partitions).toBe(3);
    await broker.close();
  });
});
