// The simulator as a library: a user's programs under simulate(), the checks
// a user composes, determinism, and crash points with restarts.

import { describe, expect, it } from "vitest";
import {
  atLeastOnce, atMostOnce, exactlyOnce, type HistoryEntry, noDuplicates, noLostWrites, onePartitionOwner, partitionOrder, type Program,
  readCommitted, simulate, SimulateOptionsError,
} from "../../sim/index.ts";
import commitFirst from "./examples/commit-first.mjs";
import myLoop from "./examples/my-loop.mjs";

const inputs = myLoop.inputs.map((input) => input.value);

describe("simulate()", () => {
  it("replays a seed byte for byte, and another seed runs differently", async () => {
    const run = (seed: number) => simulate({ ...myLoop, seed, faults: { crashes: [{ process: "billing", probability: 0.2 }] } });
    const [a, b, c] = [await run(7), await run(7), await run(8)];
    expect(b.traceText()).toBe(a.traceText());
    expect(JSON.stringify(b.history)).toBe(JSON.stringify(a.history));
    expect(b.timeline()).toBe(a.timeline());
    expect(c.traceText()).not.toBe(a.traceText());
  });

  it("crashes a process at the step the faults name and restarts it as a new incarnation with the same group", async () => {
    const seen: { incarnation: number; groupId: string | null }[] = [];
    const program: Program = async ({ consumer, step, incarnation, signal, sleep }) => {
      const member = consumer({ "group.id": "billing", "auto.offset.reset": "earliest", "session.timeout.ms": 6000, "heartbeat.interval.ms": 1000 });
      seen.push({ incarnation, groupId: member.config.groupId });
      member.subscribe(["orders"]);
      while (!signal.aborted) {
        await member.poll(100);
        await step("polled");
        await sleep(100);
      }
      await member.close();
    };
    const result = await simulate({
      seed: 1, topics: [{ name: "orders", partitions: 1 }], processes: { billing: program }, runForMs: 15_000,
      faults: { crashes: [{ process: "billing", step: "polled", occurrence: 3 }], restartAfterMs: [500, 500] },
    });
    expect(seen).toEqual([{ incarnation: 1, groupId: "billing" }, { incarnation: 2, groupId: "billing" }]);
    const crash = result.history.findIndex((e) => e.op === "crash");
    expect(result.history[crash]).toMatchObject({ process: "billing#1", type: "info", value: "polled" });
    // The new incarnation joins the group and is handed the partition in a later generation.
    expect(result.history.slice(crash).some((e) => e.process === "billing#2" && e.op === "assign" && e.value === "orders-0")).toBe(true);
    expect(result.timeline()).toMatch(/billing#1 +crash point polled \(3rd time\)/);
    expect(result.timeline()).toMatch(/billing +restart in 500 ms, as billing#2/);
  });

  it("finds the at-least-once loop keeps its promise across a crash between processing and committing", async () => {
    const result = await simulate({ ...myLoop, seed: 3, checks: { "at-least-once": atLeastOnce(inputs), "one owner": onePartitionOwner, "no lost writes": noLostWrites } });
    expect(result.checks["at-least-once"]!.valid).toBe(true);
    expect(result.checks["one owner"]!.valid).toBe(true);
    expect(result.checks["no lost writes"]!.valid).toBe(true);
    expect(result.verdict).toEqual({ valid: true, anomalies: [], explanation: [] });
    // The crash fell after processing and before the commit: the record is processed again, which at-least-once allows.
    expect(atMostOnce(inputs)(result.history).valid).toBe(false);
  });

  it("catches the loop that commits before processing losing a record, and points at the entries that show it", async () => {
    const result = await simulate({ ...commitFirst, seed: 3, checks: { "at-least-once": atLeastOnce(inputs) } });
    expect(result.verdict.valid).toBe(false);
    const [anomaly, ...more] = result.verdict.anomalies;
    expect(more).toEqual([]);
    expect(anomaly).toMatchObject({ check: "at-least-once", kind: "never-delivered" });
    const lost = (anomaly as unknown as { value: string }).value;
    expect(result.verdict.explanation).toEqual([`at-least-once: ${lost} was never processed`]);
    const shown = anomaly!.entries.map((i) => result.history[i]!);
    expect(shown).toContainEqual(expect.objectContaining({ process: "inputs", op: "send", type: "ok", value: lost }));
    expect(shown).toContainEqual(expect.objectContaining({ process: "billing#1", op: "crash", value: "committed" }));
    expect(result.history.some((e) => e.op === "processed" && e.value === lost)).toBe(false);
    expect(exactlyOnce(inputs)(result.history).valid).toBe(false);
  });

  it("records sends, transactions and the log as read_committed sees it, for the log checks", async () => {
    const producing: Program = async ({ producer }) => {
      const plain = producer({ "linger.ms": 0 });
      for (const value of ["a", "b", "c"]) await plain.send({ topic: "out", messages: [{ value, partition: 0 }] });
      const transactional = producer({ "transactional.id": "t" });
      const kept = await transactional.transaction();
      await kept.send({ topic: "out", messages: [{ value: "kept", partition: 1 }] });
      await kept.commit();
      const dropped = await transactional.transaction();
      await dropped.send({ topic: "out", messages: [{ value: "dropped", partition: 1 }] });
      await dropped.abort();
      await Promise.all([plain.close(), transactional.close()]);
    };
    const result = await simulate({
      seed: 5, topics: [{ name: "out", partitions: 2 }], processes: { producing }, runForMs: 5000,
      checks: { noLostWrites, noDuplicates, partitionOrder, readCommitted },
    });
    expect(Object.values(result.checks).map((v) => v.valid)).toEqual([true, true, true, true]);
    expect(result.history.filter((e) => e.op === "read").map((e) => `${e.value} ${e.detail}`)).toEqual(["a out-0@0", "b out-0@1", "c out-0@2", "kept out-1@0"]);
    expect(result.history).toContainEqual(expect.objectContaining({ op: "send", type: "ok", value: "b", detail: "out-0@1" }));
    expect(result.history).toContainEqual(expect.objectContaining({ op: "abort", type: "ok", value: "producing#1/txn-2" }));
  });

  it("judges with a user's own check, and one broken check breaks the verdict", async () => {
    const fewerThanTen = (history: readonly HistoryEntry[]) => {
      const processed = history.flatMap((e, i) => (e.op === "processed" ? [i] : []));
      const broken = processed.length > 3;
      return {
        valid: !broken, anomalies: broken ? [{ kind: "too-many", entries: processed }] : [],
        explanation: broken ? [`${processed.length} records processed`] : [],
      };
    };
    const result = await simulate({ ...myLoop, seed: 3, checks: { "at-least-once": atLeastOnce(inputs), "at most 3": fewerThanTen } });
    expect(result.checks["at-least-once"]!.valid).toBe(true);
    expect(result.verdict.valid).toBe(false);
    expect(result.verdict.explanation).toEqual(["at most 3: 7 records processed"]);
  });

  it("kills once at a crash point's time, even when the new incarnation starts at that very time", async () => {
    const program: Program = async ({ signal, sleep }) => {
      while (!signal.aborted) await sleep(10);
    };
    const result = await simulate({
      seed: 1, topics: [{ name: "t", partitions: 1 }], processes: { p: program }, runForMs: 100,
      faults: { crashes: [{ process: "p", atMs: 0 }], restartAfterMs: [0, 0] },
    });
    expect(result.trace.filter((e) => e.kind === "crash").map((e) => [e.atMs, e.from])).toEqual([[0, "p#1"]]);
    expect(result.trace.some((e) => e.kind === "exit" && e.from === "p#2")).toBe(true);
  });

  it("refuses malformed options with a message that names them", async () => {
    const base = { seed: 1, topics: [{ name: "t", partitions: 1 }], processes: { p: async () => {} }, runForMs: 100 };
    await expect(simulate({ ...base, processes: { p: "loop" as unknown as Program } })).rejects.toThrow(/processes.p must be an async function/);
    await expect(simulate({ ...base, seed: -1 })).rejects.toThrow(SimulateOptionsError);
    await expect(simulate({ ...base, inputs: [{ topic: "u", value: "x" }] })).rejects.toThrow(/names topic "u"/);
    await expect(simulate({ ...base, faults: { crashes: [{ process: "q", atMs: 5 }] } })).rejects.toThrow(/no process "q" \(processes: p\)/);
    await expect(simulate({ ...base, faults: { crashes: [{ process: "p", step: "s", occurrence: 0 }] } })).rejects.toThrow(/is not \{ process, step, occurrence >= 1 \}/);
    await expect(simulate({ ...base, faults: { links: { p: { loseAnswer: 2 } } } })).rejects.toThrow(/^faults\.links\.p\.loseAnswer: expected a probability from 0 to 1, got 2$/);
    await expect(simulate({ ...base, faults: { disks: {} } as never })).rejects.toThrow(/faults\.disks: unknown key \(valid keys: links, crashes, restartAfterMs, broker, rebalances\)/);
    // A program's own error is not a crash: the run stops and says whose it was.
    await expect(simulate({ ...base, processes: { p: () => { throw new Error("boom"); } } })).rejects.toThrow(/^process p#1 threw: boom$/);
  });
});

describe("the checks, as pure functions", () => {
  const send = (value: string, type: HistoryEntry["type"], detail?: string): HistoryEntry => ({ process: "p", type, op: "send", value, atMs: 0, ...(detail === undefined ? {} : { detail }) });
  const read = (value: string, detail: string): HistoryEntry => ({ process: "reader", type: "ok", op: "read", value, atMs: 1, detail });

  it("noLostWrites: an acknowledged send missing from the log", () => {
    const history = [send("a", "invoke"), send("a", "ok", "t-0@0"), send("b", "invoke"), send("b", "ok", "t-0@1"), read("a", "t-0@0")];
    expect(noLostWrites(history)).toEqual({ valid: false, anomalies: [{ kind: "lost-acknowledged", values: ["b"], entries: [2, 3] }], explanation: ["b was acknowledged but is not in the log"] });
    expect(noLostWrites(history.slice(0, 2).concat(read("a", "t-0@0"))).valid).toBe(true);
  });

  it("noDuplicates and partitionOrder", () => {
    const history = [send("a", "invoke"), send("a", "ok", "t-0@1"), send("b", "invoke"), send("b", "ok", "t-0@0"), read("b", "t-0@0"), read("a", "t-0@1"), read("a", "t-0@2")];
    expect(noDuplicates(history).explanation).toEqual(["a is in the log 2 times"]);
    expect(partitionOrder(history)).toMatchObject({ valid: false, anomalies: [{ kind: "reordered", entries: [1, 3] }], explanation: ["t-0: b was acknowledged after a but comes before it in the log"] });
  });

  it("readCommitted: a value of an aborted transaction read", () => {
    const history: HistoryEntry[] = [
      send("x", "invoke"), send("x", "ok", "p#1/txn-1"),
      { process: "p", type: "invoke", op: "abort", value: "p#1/txn-1", atMs: 0 }, { process: "p", type: "ok", op: "abort", value: "p#1/txn-1", atMs: 0 },
      read("x", "t-0@0"),
    ];
    expect(readCommitted(history)).toMatchObject({ valid: false, anomalies: [{ kind: "uncommitted-read", entries: [0, 1, 2, 3] }] });
    expect(readCommitted([read("y", "t-0@0")]).valid).toBe("unknown");
  });

  it("onePartitionOwner: two members own a partition in one generation", () => {
    const assign = (process: string): HistoryEntry => ({ process, type: "ok", op: "assign", value: "t-0", atMs: 0, detail: "generation 4" });
    expect(onePartitionOwner([assign("c#1"), assign("c#2")])).toMatchObject({ valid: false, anomalies: [{ kind: "shared-owner", entries: [0, 1] }] });
    expect(onePartitionOwner([]).valid).toBe("unknown");
  });

  it("atLeastOnce, atMostOnce and exactlyOnce count the kind a program records", () => {
    const processed = (value: string): HistoryEntry => ({ process: "c#1", type: "ok", op: "handled", value, atMs: 0 });
    const history = [processed("a"), processed("a")];
    expect(atLeastOnce(["a", "b"], { kind: "handled" })(history)).toMatchObject({ valid: false, anomalies: [{ kind: "never-delivered", value: "b" }] });
    expect(atMostOnce(["a", "b"], { kind: "handled" })(history)).toMatchObject({ valid: false, anomalies: [{ kind: "delivered-twice", value: "a", entries: [0, 1] }] });
    expect(exactlyOnce(["a"], { kind: "handled" })([processed("a")]).valid).toBe(true);
    expect(atLeastOnce(["a"])(history).valid).toBe(false);
  });
});
