// PartitionLog.appendValidated: an append that takes validateBatches' report
// instead of validating the bytes again, as append() would have done.

import { describe, expect, it } from "vitest";
import { CorruptRecordError, decodeBatches, encodeBatch, validateBatches } from "../../src/index.ts";
import { openLog, records } from "./helpers.ts";

describe("PartitionLog.appendValidated", () => {
  it("appends exactly what append() would, under both timestamp types", async () => {
    for (const type of ["CreateTime", "LogAppendTime"]) {
      const batch = encodeBatch({ baseOffset: 77, baseTimestamp: 5, records: records("a", "b") });
      const viaAppend = await openLog({ "message.timestamp.type": type });
      const viaReport = await openLog({ "message.timestamp.type": type });
      await viaAppend.log.appendRecords(records("x"));
      await viaReport.log.appendRecords(records("x"));
      const expected = await viaAppend.log.append(batch);
      expect(await viaReport.log.appendValidated(batch, validateBatches(batch))).toEqual(expected);
      expect((await viaReport.log.read(0)).records).toEqual((await viaAppend.log.read(0)).records);
      expect(decodeBatches((await viaReport.log.read(1)).records)[0]).toMatchObject({ baseOffset: 1, partitionLeaderEpoch: 0 });
    }
  });

  it("throws the report's error and writes nothing", async () => {
    const { log } = await openLog();
    const batch = encodeBatch({ baseTimestamp: 1, records: records("a") });
    batch[batch.length - 1]! ^= 0xff;
    await expect(log.appendValidated(batch, validateBatches(batch))).rejects.toBeInstanceOf(CorruptRecordError);
    expect(log.sizeInBytes).toBe(0);
  });

  it("refuses a report of other bytes", async () => {
    const { log } = await openLog();
    const batch = encodeBatch({ baseTimestamp: 1, records: records("a") });
    const other = encodeBatch({ baseTimestamp: 1, records: records("a", "b", "c") });
    await expect(log.appendValidated(batch, validateBatches(other))).rejects.toThrow(/does not describe/);
    expect(log.sizeInBytes).toBe(0);
  });
});
