// LogManager's side of one writer per data dir: a writer holds the storage's
// lock, a reader opens read-only beside it and writes nothing, a caller can
// open only the topics it needs, folders that are not partitions are skipped
// and reported, topic metadata survives concurrent creation and refuses to be
// read when damaged, and a closed manager refuses everything.

import { describe, expect, it } from "vitest";
import {
  Broker, DataDirInUseError, encodeBatch, InvalidTopicsFileError, LogClosedError, LogManager, ManualClock, ManualScheduler, MemoryStorage, PartitionFolderTakenError,
  ReadOnlyLogError, ReadOnlyStorageError, type Storage,
} from "../../src/index.ts";
import { readAll } from "./helpers.ts";

const clock = new ManualClock(1_700_000_000_000);
const open = (storage: Storage, options: { readOnly?: boolean; topics?: readonly string[] } = {}) =>
  LogManager.open({ storage, clock, command: "loglab test", ...options });
const records = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => ({ key: null, value: `${prefix}-${i}` }));

/** Every file's name and bytes: what "changes nothing" is checked against. */
async function snapshot(storage: MemoryStorage): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const name of await storage.list()) {
    const file = await storage.view({ readOnly: true }).open(name);
    files.set(name, Array.from(await file.read(0, file.size)).join(","));
  }
  return files;
}

describe("one writer per data dir", () => {
  it("refuses a second writing LogManager at once, naming the holder, and admits one after close", async () => {
    const disk = new MemoryStorage();
    const writer = await open(disk.view());
    await writer.createTopic("t", 1);
    await expect(open(disk.view())).rejects.toThrow(DataDirInUseError);
    await expect(open(disk.view())).rejects.toThrow(/is in use by another writer \(loglab test\) since /);
    await writer.close();
    const next = await open(disk.view());
    expect(next.listTopics()).toEqual(["t"]);
    await next.close();
  });

  it("a broker takes the lock under the command it is given, so a second writer is told who holds it", async () => {
    const disk = new MemoryStorage();
    const broker = await Broker.open({ storage: disk.view(), scheduler: new ManualScheduler(1_700_000_000_000), command: "loglab web" });
    await expect(Broker.open({ storage: disk.view(), scheduler: new ManualScheduler(1_700_000_000_000) }))
      .rejects.toThrow(/is in use by another writer \(loglab web\) since /);
    await broker.close();
    await (await Broker.open({ storage: disk.view(), scheduler: new ManualScheduler(1_700_000_000_000) })).close();
  });

  it("releases the lock when opening fails, so the next writer is not refused", async () => {
    const disk = new MemoryStorage();
    const file = await disk.open("loglab-topics.json");
    await file.append(new TextEncoder().encode("{not json"));
    await expect(open(disk.view())).rejects.toThrow(InvalidTopicsFileError);
    await disk.delete("loglab-topics.json");
    await (await open(disk.view())).close();
  });
});

describe("a read-only LogManager", () => {
  it("reads beside a live writer, cuts nothing of its unfinished tail, and writes no file", async () => {
    const disk = new MemoryStorage();
    const writer = await open(disk.view());
    await writer.createTopic("t", 1);
    await writer.log("t", 0).appendRecords(records("a", 5));
    await writer.flush();
    // A batch the writer has begun: only its first 30 bytes are in the file yet.
    const segment = await disk.open("t-0/00000000000000000000.log");
    await segment.append(encodeBatch({ baseOffset: 5, baseTimestamp: 1, records: records("b", 3) }).subarray(0, 30));
    await segment.sync();
    const before = await snapshot(disk);

    const reader = await open(disk.view({ readOnly: true }));
    expect(reader.readOnly).toBe(true);
    expect(reader.warnings.join("\n")).toMatch(/not closed cleanly .* read up to its last whole batch/);
    expect((await readAll(reader.log("t", 0))).map(([, , value]) => value)).toEqual(["a-0", "a-1", "a-2", "a-3", "a-4"]);
    await expect(reader.createTopic("u", 1)).rejects.toThrow(ReadOnlyLogError);
    await expect(reader.runCleanup()).rejects.toThrow(ReadOnlyLogError);
    await reader.flush();
    await reader.close();
    expect(await snapshot(disk)).toEqual(before);
    await writer.close();
  });

  it("refuses writes at the storage too: a read-only storage makes a read-only manager", async () => {
    const disk = new MemoryStorage();
    const writer = await open(disk);
    await writer.createTopic("t", 1);
    await writer.close();
    const reader = await LogManager.open({ storage: disk.view({ readOnly: true }), clock });
    expect(reader.readOnly).toBe(true);
    expect(reader.warnings).toEqual([]); // closed cleanly: nothing to say
    await expect(disk.view({ readOnly: true }).open("loglab-topics.json").then((f) => f.append(new Uint8Array(1)))).rejects.toThrow(ReadOnlyStorageError);
    await reader.close();
  });
});

describe("opening only some topics", () => {
  it("opens no log for a listing and one topic's logs for one topic, and refuses the others by name", async () => {
    const disk = new MemoryStorage();
    const writer = await open(disk);
    await writer.createTopic("a", 2);
    await writer.createTopic("b", 1);
    await writer.log("b", 0).appendRecords(records("b", 2));
    await writer.close();

    const listing = await open(disk, { readOnly: true, topics: [] });
    expect(listing.listTopics()).toEqual(["a", "b"]);
    expect(listing.describeTopic("a").partitions).toBe(2);
    expect(listing.allLogs()).toEqual([]);
    expect(() => listing.log("a", 0)).toThrow(/log a-0 is not open/);
    await listing.close();

    const one = await open(disk, { topics: ["b"] });
    expect(one.allLogs().map((log) => log.topicPartition)).toEqual(["b-0"]);
    expect(one.log("b", 0).logEndOffset).toBe(2);
    await one.close();
  });

  it("keeps the other topics' recovery points, and no clean-shutdown marker after an unclean stop", async () => {
    const disk = new MemoryStorage();
    const writer = await open(disk);
    await writer.createTopic("a", 1);
    await writer.createTopic("b", 1);
    await writer.log("a", 0).appendRecords(records("a", 3));
    await writer.flush();
    disk.crash(); // unclean: "a" needs recovery from its recovery point

    const partial = await open(disk, { topics: ["b"] });
    await partial.close();
    expect(await disk.exists(".loglab_cleanshutdown")).toBe(false);
    const checkpoint = new TextDecoder().decode(await (await disk.open("recovery-point-offset-checkpoint")).read(0, 1000));
    expect(checkpoint.split("\n")).toContain("a 0 3");

    const all = await open(disk);
    expect(all.log("a", 0).logEndOffset).toBe(3);
    await all.close();
    expect(await disk.exists(".loglab_cleanshutdown")).toBe(true);
  });
});

describe("partition folders found in the data dir", () => {
  async function diskWith(names: string[]): Promise<MemoryStorage> {
    const disk = new MemoryStorage();
    const batch = encodeBatch({ baseTimestamp: 1, records: records("x", 1) });
    for (const name of names) {
      const file = await disk.open(name);
      if (name.endsWith(".log")) await file.append(batch);
      await file.sync();
    }
    return disk;
  }

  it("skips and reports a partition at or above the limit, and a nested folder, and skips quarantine silently", async () => {
    const disk = await diskWith([
      "c-0/00000000000000000000.log",
      "foo-99999/00000000000000000000.log",
      "c-0/x-1/00000000000000000000.log",
      "c-0.quarantine/00000000000000000000.log",
      "x-1",
      "c-01/00000000000000000000.log",
    ]);
    const manager = await open(disk);
    expect(manager.listTopics()).toEqual(["c"]);
    expect(manager.describeTopic("c").partitions).toBe(1);
    expect(manager.warnings).toEqual([
      "skipped folder c-0/x-1: partition folders sit directly in the data dir",
      "skipped folder c-01: not <topic>-<partition>",
      "skipped folder foo-99999: partition 99999 is at or above the limit of 10000 partitions",
    ]);
    await manager.close();
  });

  it("reports folders of a known topic beyond its partition count instead of growing it", async () => {
    const disk = new MemoryStorage();
    const writer = await open(disk);
    await writer.createTopic("t", 2);
    await writer.close();
    const stray = await disk.open("t-7/00000000000000000000.log");
    await stray.append(encodeBatch({ baseTimestamp: 1, records: records("x", 1) }));
    const again = await open(disk);
    expect(again.describeTopic("t").partitions).toBe(2);
    expect(again.warnings).toEqual(["skipped folder t-7: topic t has 2 partitions in loglab-topics.json"]);
    await again.close();
  });

  it("refuses a topic whose partition folder is taken by a file, creating nothing of it", async () => {
    const disk = await diskWith(["x-1"]);
    const manager = await open(disk);
    await expect(manager.createTopic("x", 3)).rejects.toThrow(PartitionFolderTakenError);
    await expect(manager.createTopic("x", 3)).rejects.toThrow("the data dir holds a file named x-1");
    expect(manager.hasTopic("x")).toBe(false);
    expect(await disk.exists("loglab-topics.json")).toBe(false);
    expect((await manager.createTopic("x", 1)).partitions).toBe(1); // x-0 is free
    await manager.close();
  });
});

describe("topic metadata", () => {
  it("keeps every topic and config created at once, in order, across a restart", async () => {
    const disk = new MemoryStorage();
    const manager = await open(disk);
    const names = ["t0", "t1", "t2", "t3", "t4", "t5"];
    await Promise.all(names.map((name, i) => manager.createTopic(name, i + 1, { "cleanup.policy": "compact" })));
    await manager.close();
    const again = await open(disk);
    expect(again.listTopics()).toEqual(names);
    for (const [i, name] of names.entries()) {
      expect(again.describeTopic(name)).toMatchObject({ partitions: i + 1, configOverrides: { "cleanup.policy": "compact" } });
    }
    await again.close();
  });

  it.each([
    ["", /topics file loglab-topics.json is damaged: it is empty/],
    ["{", /topics file loglab-topics.json is damaged: it is not JSON/],
    ['{"version": 1}', /expected \{"version": 1, "topics"/],
    ['{"version": 1, "topics": {"t": {"partitions": 100000, "config": {}}}}', /topic t has 100000 partitions, expected an integer from 1 to 10000/],
    ['{"version": 1, "topics": {"t": {"partitions": 1, "config": {"a": 1}}}}', /topic t has a config that is not an object of strings/],
    ['{"version": 1, "topics": {"a/b": {"partitions": 1, "config": {}}}}', /invalid topic name "a\/b"/],
  ])("refuses a damaged topics file %j, naming it, and leaves it as it was", async (text, message) => {
    const disk = new MemoryStorage();
    const file = await disk.open("loglab-topics.json");
    await file.append(new TextEncoder().encode(text));
    await expect(open(disk)).rejects.toThrow(InvalidTopicsFileError);
    await expect(open(disk)).rejects.toThrow(message);
    expect(await snapshot(disk)).toEqual(new Map([["loglab-topics.json", Array.from(new TextEncoder().encode(text)).join(",")]]));
  });
});

describe("a closed LogManager", () => {
  it("refuses every method with LogClosedError, and a second close does nothing", async () => {
    const manager = await open(new MemoryStorage());
    await manager.createTopic("t", 1);
    await manager.close();
    await expect(manager.createTopic("u", 1)).rejects.toThrow(LogClosedError);
    await expect(manager.flush()).rejects.toThrow(LogClosedError);
    await expect(manager.runCleanup()).rejects.toThrow(LogClosedError);
    for (const call of [
      () => manager.listTopics(), () => manager.hasTopic("t"), () => manager.describeTopic("t"), () => manager.topicConfig("t"),
      () => manager.log("t", 0), () => manager.allLogs(),
    ]) {
      expect(call).toThrow(LogClosedError);
    }
    await manager.close();
  });

  it("closes each of its logs once: a second PartitionLog.close does nothing", async () => {
    const manager = await open(new MemoryStorage());
    await manager.createTopic("t", 1);
    const log = manager.log("t", 0);
    await log.appendRecords(records("a", 1));
    await log.close();
    await log.close();
    await expect(log.appendRecords(records("b", 1))).rejects.toThrow(LogClosedError);
    await manager.close();
  });
});
