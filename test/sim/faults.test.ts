// The simulated network's partitions and reordering, and the simulated
// disk's failed fsyncs, on small hand-driven runs.

import { describe, expect, it } from "vitest";
import { Broker, MemoryStorage, StorageError } from "../../src/index.ts";
import { SimulatedDisk } from "../../sim/disk.ts";
import { isCut, simulatedLink } from "../../sim/network.ts";
import { World } from "../../sim/world.ts";

async function linkTo(world: World, faults: Parameters<typeof simulatedLink>[3]) {
  const broker = await Broker.open({ storage: new MemoryStorage(), scheduler: world.scheduler, random: world.random });
  return simulatedLink(world, broker, "client", faults);
}

describe("network partitions", () => {
  it("a window is open from its start up to, not including, its end", () => {
    const windows = [{ startMs: 100, endMs: 200 }];
    expect([99, 100, 199, 200].map((t) => isCut(windows, t))).toEqual([false, true, true, false]);
  });

  it("lose every message while the link is cut, deliver again once it heals, and say so in the trace", async () => {
    const world = new World(1);
    const link = await linkTo(world, { delayMs: [1, 1], partitions: [{ startMs: 10, endMs: 50 }] });
    const answers: string[] = [];
    const ask = (label: string) => void link.metadata([]).then(() => answers.push(label));
    ask("before");
    await world.scheduler.advance(20);
    ask("during");
    await world.scheduler.advance(40);
    ask("after");
    await world.scheduler.advance(10);
    expect(answers).toEqual(["before", "after"]);
    const kinds = world.trace.filter((e) => ["partitioned", "healed", "lost"].includes(e.kind)).map((e) => `${e.atMs} ${e.kind}`);
    expect(kinds).toEqual(["10 partitioned", "21 lost", "50 healed"]);
  });
});

describe("reordering", () => {
  it("a held-back request is overtaken by one sent after it", async () => {
    const world = new World(3);
    const link = await linkTo(world, { delayMs: [1, 1], reorder: 0.5, reorderDelayMs: [100, 100] });
    const order: number[] = [];
    for (let i = 0; i < 8; i++) {
      void link.metadata([]).then(() => order.push(i));
      await world.scheduler.advance(5);
    }
    await world.scheduler.advance(1000);
    expect(order).toHaveLength(8);
    expect(order).not.toEqual([...order].sort((a, b) => a - b));
    expect(world.trace.some((e) => e.kind === "held back")).toBe(true);
  });
});

describe("the simulated disk", () => {
  it("fails the scheduled fsync with a StorageError and records it", async () => {
    const world = new World(1);
    const disk = new SimulatedDisk(world, { atSyncs: [2] });
    const file = await disk.open("t-0/00000000000000000000.log");
    await file.append(new Uint8Array(10));
    await file.sync();
    await file.append(new Uint8Array(5));
    await expect(file.sync()).rejects.toBeInstanceOf(StorageError);
    expect(world.trace.map((e) => e.kind)).toEqual(["fsync failed"]);
    // Index files do not match the default suffix and never fail.
    await (await disk.open("t-0/00000000000000000000.index")).sync();
  });

  it("loses at a power loss what an fsync failed on, and everything after it, though a later fsync succeeded", async () => {
    const world = new World(1);
    const disk = new SimulatedDisk(world, { atSyncs: [2] });
    const name = "t-0/00000000000000000000.log";
    const file = await disk.open(name);
    await file.append(Uint8Array.of(1, 1));
    await file.sync();
    await file.append(Uint8Array.of(2, 2));
    await file.sync().catch(() => undefined);
    await file.append(Uint8Array.of(3, 3));
    await file.sync();
    await disk.crash();
    const after = await disk.open(name);
    expect([...await after.read(0, 100)]).toEqual([1, 1]);
  });
});
