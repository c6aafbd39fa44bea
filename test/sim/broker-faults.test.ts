// simulate()'s broker faults: a broker that crashes (power loss or a halt)
// at a virtual time or at a process's step and restarts, and fsyncs that
// fail, taking the log offline until the broker restarts. User programs see
// what real clients see: lost requests while it is down, storage errors
// while its log is offline, and the writes it had not synced gone after a
// power loss.

import { describe, expect, it } from "vitest";
import { LoglabError } from "../../src/index.ts";
import {
  type BrokerFaults, noDuplicates, noLostWrites, noUnsentWrites, type Program, simulate, type SimulateOptions,
} from "../../sim/index.ts";

const ORDERS = 12;

/** Sends order-0 … order-11 one at a time (acks=all), reaching step "sent" after each, acknowledged or not. */
const writer = (idempotent = false): Program => async ({ producer, step }) => {
  const orders = producer({
    acks: "all", "linger.ms": 0, "enable.idempotence": idempotent, "request.timeout.ms": 500, "retry.backoff.ms": 50, "delivery.timeout.ms": 10_000,
  });
  for (let i = 0; i < ORDERS; i++) {
    try {
      await orders.send({ topic: "orders", messages: [{ value: `order-${i}`, partition: 0 }] });
    } catch (error) {
      if (!(error instanceof LoglabError)) throw error;
    }
    await step("sent");
  }
};

const options = (broker: BrokerFaults, config: Record<string, string> = {}, idempotent = false): SimulateOptions => ({
  seed: 5, broker: { config }, topics: [{ name: "orders", partitions: 1 }], processes: { writer: writer(idempotent) }, runForMs: 30_000,
  faults: { broker }, checks: { "no lost writes": noLostWrites, "no duplicates": noDuplicates, "no unsent writes": noUnsentWrites },
});

const acknowledged = (history: readonly { op: string; type: string }[]) => history.filter((e) => e.op === "send" && e.type === "ok").length;

describe("simulate()'s broker crashes", () => {
  it("a power loss at a step loses acknowledged unsynced writes by default, and none with flush.messages=1", async () => {
    let seedsWithLoss = 0;
    for (let seed = 1; seed <= 6; seed++) {
      const crash: BrokerFaults = { crashes: [{ process: "writer", step: "sent", occurrence: 6 }] };
      const unsynced = await simulate({ ...options(crash), seed });
      const synced = await simulate({ ...options(crash, { "flush.messages": "1" }), seed });
      for (const result of [unsynced, synced]) {
        expect(result.trace.filter((e) => e.kind === "crash" && e.from === "broker").map((e) => e.detail)).toEqual(["power lost (writer#1 reached sent (6th time))"]);
        expect(result.trace.filter((e) => e.kind === "restart" && e.from === "broker")).toHaveLength(1);
      }
      expect(synced.checks["no lost writes"]!.valid, `seed ${seed}`).toBe(true);
      if (unsynced.checks["no lost writes"]!.valid === false) seedsWithLoss++;
    }
    expect(seedsWithLoss).toBeGreaterThan(3);
  });

  it("a halt without power loss keeps what the OS had, so nothing acknowledged is lost", async () => {
    const result = await simulate(options({ crashes: [{ process: "writer", step: "sent", occurrence: 6, powerLoss: false }] }));
    expect(result.trace.some((e) => e.kind === "crash" && e.from === "broker" && /^halted/.test(e.detail ?? ""))).toBe(true);
    expect(result.trace.some((e) => e.kind === "disk")).toBe(false);
    expect(result.checks["no lost writes"]!.valid).toBe(true);
  });

  it("while the broker is down at a virtual time, requests are lost; after the restart the retries go through", async () => {
    const result = await simulate(options({ crashes: [{ atMs: 30, restartAfterMs: 700, powerLoss: false }] }, {}, true));
    const crash = result.trace.find((e) => e.kind === "crash" && e.from === "broker")!;
    const restart = result.trace.find((e) => e.kind === "restart" && e.from === "broker")!;
    expect(crash.atMs).toBe(30);
    expect(restart.atMs).toBe(730);
    const lost = result.trace.filter((e) => e.kind === "lost" && /the broker is down/.test(e.detail ?? ""));
    expect(lost.length).toBeGreaterThan(0);
    expect(lost.every((e) => e.atMs >= 30 && e.atMs < 730)).toBe(true);
    expect(acknowledged(result.history)).toBe(ORDERS);
    expect(result.verdict.valid).toBe(true);
  });

  it("replays a seed byte for byte with broker faults", async () => {
    const faults: BrokerFaults = { crashes: [{ atMs: 40, restartAfterMs: 100 }], fsync: { probability: 0.3, restartAfterMs: 50 } };
    const [a, b] = [await simulate(options(faults, { "flush.messages": "1" })), await simulate(options(faults, { "flush.messages": "1" }))];
    expect(a.trace.some((e) => e.kind === "restart" && e.from === "broker")).toBe(true);
    expect(a.trace.some((e) => e.kind === "fsync failed")).toBe(true);
    expect(b.traceText()).toBe(a.traceText());
    expect(JSON.stringify(b.history)).toBe(JSON.stringify(a.history));
  });
});

describe("simulate()'s fsync failures", () => {
  it("take the log offline, restart the broker after restartAfterMs, and lose no acknowledged write", async () => {
    for (const powerLoss of [false, true]) {
      const result = await simulate(options({ fsync: { atSyncs: [4], restartAfterMs: 300, powerLoss } }, { "flush.messages": "1" }, true));
      const failed = result.trace.find((e) => e.kind === "fsync failed")!;
      const halt = result.trace.find((e) => e.kind === "crash" && e.from === "broker")!;
      expect(halt.atMs - failed.atMs).toBe(300);
      expect(halt.detail).toBe(`${powerLoss ? "power lost" : "halted"} (log dir offline after a failed fsync)`);
      expect(result.trace.some((e) => e.kind === "restart" && e.from === "broker")).toBe(true);
      // After a power loss the bytes the failed fsync covered are gone; the producer's retry writes them again.
      expect(result.trace.some((e) => e.kind === "disk" && /after the failed fsync are gone/.test(e.detail ?? ""))).toBe(powerLoss);
      expect(result.verdict.valid, `power loss ${powerLoss}: ${result.verdict.explanation.join("; ")}`).toBe(true);
      expect(acknowledged(result.history)).toBe(ORDERS);
    }
  });
});

describe("broker faults are validated like the others", () => {
  const base = { seed: 1, topics: [{ name: "t", partitions: 1 }], processes: { p: async () => {} }, runForMs: 100 };
  const refusal = (broker: unknown) => simulate({ ...base, faults: { broker: broker as BrokerFaults } });

  it("names the key that is wrong", async () => {
    await expect(refusal([])).rejects.toThrow(/^faults\.broker must be an object, got \[\]$/);
    await expect(refusal({ disks: 1 })).rejects.toThrow(/^faults\.broker\.disks: unknown key \(valid keys: crashes, fsync\)$/);
    await expect(refusal({ crashes: {} })).rejects.toThrow(/^faults\.broker\.crashes must be a list/);
    await expect(refusal({ crashes: [{ atMs: -1 }] })).rejects.toThrow(/^faults\.broker\.crashes\[0\]: \{"atMs":-1\} is not \{ atMs >= 0 \} or \{ process, step, occurrence >= 1 \}/);
    await expect(refusal({ crashes: [{ atMs: 5, step: "x" }] })).rejects.toThrow(/^faults\.broker\.crashes\[0\]: .* is not/);
    await expect(refusal({ crashes: [{ process: "q", step: "s", occurrence: 1 }] })).rejects.toThrow(/^faults\.broker\.crashes\[0\]\.process: no process "q" \(processes: p\)$/);
    await expect(refusal({ crashes: [{ atMs: 5, restartAfterMs: 1.5 }] })).rejects.toThrow(/^faults\.broker\.crashes\[0\]\.restartAfterMs must be an integer ms >= 0, got 1\.5$/);
    await expect(refusal({ crashes: [{ atMs: 5, powerLoss: "yes" }] })).rejects.toThrow(/^faults\.broker\.crashes\[0\]\.powerLoss must be true or false, got "yes"$/);
    await expect(refusal({ fsync: { every: 3 } })).rejects.toThrow(/^faults\.broker\.fsync\.every: unknown key \(valid keys: probability, atSyncs, fileSuffix, restartAfterMs, powerLoss\)$/);
    await expect(refusal({ fsync: { probability: 2 } })).rejects.toThrow(/^faults\.broker\.fsync\.probability must be a number from 0 to 1, got 2$/);
    await expect(refusal({ fsync: { atSyncs: [0] } })).rejects.toThrow(/^faults\.broker\.fsync\.atSyncs must be a list of integers >= 1/);
    await expect(refusal({ fsync: { restartAfterMs: -5 } })).rejects.toThrow(/^faults\.broker\.fsync\.restartAfterMs must be an integer ms >= 0, got -5$/);
    await expect(refusal({ fsync: { atSyncs: [1] } })).resolves.toBeDefined();
  });
});
