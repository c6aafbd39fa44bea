// Recovery after an unclean shutdown: synced records survive at their
// offsets, a torn or corrupt tail is truncated at the last valid batch, the
// drop is reported, and the indexes are rebuilt.

import { describe, expect, it } from "vitest";
import { ManualClock, MemoryStorage, PartitionLog, segmentFileName } from "../../src/index.ts";
import { config, openLog, readAll, records } from "./helpers.ts";

const reopen = (storage: MemoryStorage, overrides: Record<string, string> = {}, recoveryPoint?: number) =>
  PartitionLog.open({
    storage, clock: new ManualClock(1_700_000_000_000), topic: "orders", partition: 0, config: config(overrides),
    ...(recoveryPoint === undefined ? {} : { recoveryPoint }),
  });

describe("recovery", () => {
  it("keeps synced records and loses unsynced ones in a crash", async () => {
    const { log, storage } = await openLog();
    await log.appendRecords(records("a", "b"));
    await log.flush();
    await log.appendRecords(records("c"));
    storage.crash();
    const recovered = await reopen(storage);
    expect(await readAll(recovered)).toEqual([[0, "k-a", "a"], [1, "k-b", "b"]]);
    expect(recovered.recovery.truncatedBytes).toBe(0);
    await recovered.appendRecords(records("d"));
    expect((await readAll(recovered)).map(([o]) => o)).toEqual([0, 1, 2]);
  });

  it("truncates a torn last write at the last whole batch and reports what it dropped", async () => {
    const { log, storage } = await openLog();
    await log.appendRecords(records("a"));
    await log.flush();
    const sizeAfterFirst = log.sizeInBytes;
    await log.appendRecords(records("b"));
    await log.appendRecords(records("c"));
    const unsynced = log.sizeInBytes - sizeAfterFirst;
    // Keep all of "b" and all of "c" but its last 5 bytes.
    storage.crash({ survivingUnsyncedBytes: (name) => (name.endsWith(".log") ? unsynced - 5 : 0) });
    const recovered = await reopen(storage);
    expect(await readAll(recovered)).toEqual([[0, "k-a", "a"], [1, "k-b", "b"]]);
    expect(recovered.recovery.truncatedBytes).toBe(unsynced / 2 - 5);
    expect(recovered.recovery.recovered[0]!.error!.reason).toBe("truncated-batch");
  });

  it("truncates at a corrupt byte, moves the cut bytes and the segments after it to the quarantine, and says so", async () => {
    const { log, storage } = await openLog({ "segment.bytes": "400" });
    for (let i = 0; i < 30; i++) await log.appendRecords(records(`v${i}`));
    await log.flush();
    const segments = log.segmentBaseOffsets;
    expect(segments.length).toBeGreaterThan(3);
    const victim = await storage.open(segmentFileName("orders-0", segments[1]!, ".log"));
    const bytes = await victim.read(0, victim.size);
    bytes[bytes.length - 5]! ^= 0xff; // inside the last batch of the second segment
    await victim.truncate(0);
    await victim.append(bytes);
    await victim.sync();

    const recovered = await reopen(storage, { "segment.bytes": "400" });
    const report = recovered.recovery;
    expect(report.recovered.find((r) => r.error !== null)!.error!.reason).toBe("crc-mismatch");
    expect(report.quarantined.filter((q) => q.reason === "follows-truncation" && q.fromFile.endsWith(".log")).map((q) => q.fromFile))
      .toEqual(segments.slice(2).map((base) => segmentFileName("orders-0", base, ".log")));
    expect(report.quarantined[0]).toMatchObject({ fromFile: segmentFileName("orders-0", segments[1]!, ".log"), reason: "crc-mismatch" });
    expect(report.quarantined.every((q) => q.path.startsWith("orders-0.quarantine/"))).toBe(true);
    const survivors = await readAll(recovered);
    expect(survivors.length).toBeGreaterThan(0);
    expect(survivors.map(([o]) => o)).toEqual(Array.from({ length: survivors.length }, (_, i) => i));
    expect(recovered.logEndOffset).toBe(survivors.length);
  });

  it("trusts segments below the recovery point and validates from it on", async () => {
    const { log, storage } = await openLog({ "segment.bytes": "400" });
    for (let i = 0; i < 20; i++) await log.appendRecords(records(`v${i}`));
    await log.flush();
    const recovered = await reopen(storage, { "segment.bytes": "400" }, log.recoveryPoint);
    expect(recovered.recovery.recovered.map((r) => r.baseOffset)).toEqual([log.segmentBaseOffsets.at(-1)]);
    expect((await readAll(recovered)).length).toBe(20);
  });

  it("rebuilds lost index files and still finds every offset", async () => {
    const { log, storage } = await openLog({ "index.interval.bytes": "64" });
    for (let i = 0; i < 50; i++) await log.appendRecords(records(`v${i}`));
    await log.flush();
    await storage.delete(segmentFileName("orders-0", 0, ".index"));
    const recovered = await reopen(storage, { "index.interval.bytes": "64" });
    const index = await storage.open(segmentFileName("orders-0", 0, ".index"));
    expect(index.size).toBeGreaterThan(0);
    expect((await readAll(recovered, 33))[0]).toEqual([33, "k-v33", "v33"]);
  });
});
