// Transaction markers as Kafka lays them out (ControlRecordType and
// EndTransactionMarker in Kafka's clients): key = int16 version 0, int16 type
// (0 abort, 1 commit); value = int16 version 0, int32 coordinator epoch.

import { describe, expect, it } from "vitest";
import {
  CONTROL_TYPE_ABORT, CONTROL_TYPE_COMMIT, controlRecordKey, controlRecordType, controlRecordValue, decodeBatches, encodeBatch,
  InvalidRecordError,
} from "../../src/format/index.ts";

describe("control records", () => {
  it("lay out the key and value as Kafka's EndTransactionMarker does", () => {
    expect([...controlRecordKey(CONTROL_TYPE_ABORT)]).toEqual([0, 0, 0, 0]);
    expect([...controlRecordKey(CONTROL_TYPE_COMMIT)]).toEqual([0, 0, 0, 1]);
    expect([...controlRecordValue()]).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it("read the type back from a marker batch", () => {
    const batch = encodeBatch({
      isControl: true, isTransactional: true, producerId: 7, producerEpoch: 0, baseTimestamp: 1,
      records: [{ key: controlRecordKey(CONTROL_TYPE_COMMIT), value: controlRecordValue() }],
    });
    const [decoded] = decodeBatches(batch);
    expect(decoded!.isControl).toBe(true);
    expect(controlRecordType(decoded!.records[0]!.key)).toBe(CONTROL_TYPE_COMMIT);
  });

  it("refuse a key too short to carry a type", () => {
    expect(() => controlRecordType(null)).toThrow(InvalidRecordError);
    expect(() => controlRecordType(Uint8Array.of(0, 0, 1))).toThrow(/4-byte key/);
  });
});
