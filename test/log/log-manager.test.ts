// LogManager: topics and their configs survive a restart, names and configs
// are refused with the rule they break, and a clean shutdown skips recovery.

import { describe, expect, it } from "vitest";
import {
  InvalidConfigError, InvalidPartitionsError, InvalidTopicError, LogManager, ManualClock, MemoryStorage, TopicExistsError,
  UnknownTopicOrPartitionError,
} from "../../src/index.ts";
import { readTextFile, writeTextFileAtomically } from "../../src/storage/index.ts";
import { fromHex } from "../support/hex.ts";
import vectors from "../vectors/record-batches.json" with { type: "json" };
import { readAll, records } from "./helpers.ts";

const open = (storage: MemoryStorage) => LogManager.open({ storage, clock: new ManualClock(1_700_000_000_000) });

describe("LogManager", () => {
  it("shows a new topic only once all its partitions are open, and refuses a second creation meanwhile", async () => {
    const manager = await open(new MemoryStorage());
    const creating = manager.createTopic("orders", 3);
    expect(manager.hasTopic("orders")).toBe(false);
    expect(manager.listTopics()).not.toContain("orders");
    await expect(manager.createTopic("orders", 3)).rejects.toThrow(TopicExistsError);
    await creating;
    expect(manager.hasTopic("orders")).toBe(true);
    expect(manager.listTopics()).toContain("orders");
    expect([0, 1, 2].map((p) => manager.log("orders", p).topicPartition)).toEqual(["orders-0", "orders-1", "orders-2"]);
  });

  it("creates topics with partitions and configs, and finds them again after a restart", async () => {
    const storage = new MemoryStorage();
    const manager = await open(storage);
    await manager.createTopic("test", 4);
    await manager.createTopic("documents", 1, { "cleanup.policy": "compact", "segment.bytes": "1048576" });
    await manager.log("test", 1).appendRecords(records("This will always be sent to partition 1"));
    await manager.close();

    const again = await open(storage);
    expect(again.listTopics()).toEqual(["documents", "test"]);
    expect(again.describeTopic("documents")).toMatchObject({
      partitions: 1,
      configOverrides: { "cleanup.policy": "compact", "segment.bytes": "1048576" },
      config: { cleanupPolicy: "compact", segmentBytes: 1048576, retentionMs: 7 * 24 * 3600 * 1000 },
    });
    expect(await readAll(again.log("test", 1))).toEqual([[0, "k-This will always be sent to partition 1", "This will always be sent to partition 1"]]);
    expect(again.recoveries).toEqual([]); // clean shutdown: nothing to recover
  });

  it("gives each topic a topic id that survives a restart, a new one to a topic created again, and one to a topic recorded without", async () => {
    const storage = new MemoryStorage();
    const manager = await open(storage);
    await manager.createTopic("a", 1);
    await manager.createTopic("b", 1);
    const ids = { a: manager.describeTopic("a").id, b: manager.describeTopic("b").id };
    expect(ids.a).not.toBe(ids.b);
    expect(manager.topicNamed(ids.b)).toBe("b");
    await manager.deleteTopic("b");
    expect(manager.topicNamed(ids.b)).toBeUndefined();
    await manager.createTopic("b", 1);
    expect(manager.describeTopic("b").id).not.toBe(ids.b);
    const recreated = manager.describeTopic("b").id;
    await manager.close();
    const again = await open(storage);
    expect([again.describeTopic("a").id, again.describeTopic("b").id]).toEqual([ids.a, recreated]);
    await again.close();
    // A topics file from before ids: each topic gets one derived from its name, the same at every open.
    const file = JSON.parse((await readTextFile(storage, "loglab-topics.json"))!) as { topics: Record<string, { id?: string }> };
    for (const entry of Object.values(file.topics)) delete entry.id;
    await writeTextFileAtomically(storage, "loglab-topics.json", JSON.stringify(file));
    const first = await open(storage);
    const derived = first.describeTopic("a").id;
    expect(derived).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    await first.close();
    const reopened = await open(storage);
    expect(reopened.describeTopic("a").id).toBe(derived);
    await reopened.close();
  });

  it("lays the files out as Kafka does", async () => {
    const storage = new MemoryStorage();
    const manager = await open(storage);
    await manager.createTopic("test", 2);
    await manager.log("test", 0).appendRecords(records("a"));
    await manager.flush();
    expect(await storage.list("test-")).toEqual([
      "test-0/00000000000000000000.index",
      "test-0/00000000000000000000.log",
      "test-0/00000000000000000000.timeindex",
      "test-1/00000000000000000000.index",
      "test-1/00000000000000000000.log",
      "test-1/00000000000000000000.timeindex",
    ]);
    const checkpoint = await storage.open("recovery-point-offset-checkpoint");
    expect(new TextDecoder().decode(await checkpoint.read(0, 100))).toBe("0\n2\ntest 0 1\ntest 1 0\n");
  });

  it("recovers after a crash only from the checkpointed recovery point", async () => {
    const storage = new MemoryStorage();
    const manager = await open(storage);
    await manager.createTopic("test", 1);
    await manager.log("test", 0).appendRecords(records("a", "b"));
    await manager.flush();
    await manager.log("test", 0).appendRecords(records("lost"));
    storage.crash();
    const again = await open(storage);
    expect((await readAll(again.log("test", 0))).map(([, , v]) => v)).toEqual(["a", "b"]);
    expect(again.recoveries.map((r) => r.topicPartition)).toEqual(["test-0"]);
  });

  it("refuses bad topic names, naming the rule", async () => {
    const manager = await open(new MemoryStorage());
    for (const [name, rule] of [
      ["", /empty/],
      [".", /cannot be "\." or "\.\."/],
      ["a".repeat(250), /250 characters, the limit is 249/],
      ["orders/eu", /legal characters are ASCII letters, digits/],
      ["spaced name", /legal characters/],
    ] as const) {
      await expect(manager.createTopic(name)).rejects.toBeInstanceOf(InvalidTopicError);
      await expect(manager.createTopic(name)).rejects.toThrow(rule);
    }
    await manager.createTopic("a".repeat(249));
  });

  it("refuses duplicates, bad partition counts, unknown configs and unknown partitions", async () => {
    const manager = await open(new MemoryStorage());
    await manager.createTopic("test", 2);
    await expect(manager.createTopic("test")).rejects.toBeInstanceOf(TopicExistsError);
    await expect(manager.createTopic("zero", 0)).rejects.toBeInstanceOf(InvalidPartitionsError);
    await expect(manager.createTopic("bad", 1, { "segment.bytes": "big" })).rejects.toBeInstanceOf(InvalidConfigError);
    await expect(manager.createTopic("bad", 1, { "segment.bytes": "big" })).rejects.toThrow(/segment\.bytes: expected an integer >= 14, got "big"/);
    await expect(manager.createTopic("bad", 1, { "retention.hours": "1" })).rejects.toThrow(/unknown key/);
    expect(manager.hasTopic("bad")).toBe(false);
    expect(() => manager.log("test", 2)).toThrow(UnknownTopicOrPartitionError);
    expect(() => manager.log("nope", 0)).toThrow("unknown topic or partition nope-0");
  });
});

describe("a data folder Kafka wrote", () => {
  it("is opened from its partition folders alone, and its batches are read as written", async () => {
    const storage = new MemoryStorage();
    const log = await storage.open("test-2/00000000000000000000.log");
    await log.append(fromHex(vectors.batches[0]!.hex));
    await log.sync();
    const manager = await open(storage);
    expect(manager.describeTopic("test").partitions).toBe(3);
    expect((await readAll(manager.log("test", 2))).map(([offset, key]) => [offset, key])).toEqual([
      [0, "foo"], [1, "foo"], [2, "bar"], [3, "foo"],
    ]);
    expect(manager.recoveries.map((r) => [r.topicPartition, r.truncatedBytes])).toEqual([["test-0", 0], ["test-1", 0], ["test-2", 0]]);
  });
});
