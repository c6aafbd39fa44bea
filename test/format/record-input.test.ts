// Records from the library's callers are bytes or nothing: a key or value is a
// string, a Uint8Array or null, headers are { key: string, value } pairs, and
// offset deltas increase. Anything else is refused with InvalidRecordError
// naming the field and the record's index, never stored as something else —
// at encode, at append, and when such a batch is met in a stored log.

import { describe, expect, it } from "vitest";
import {
  Broker, CorruptRecordError, decodeBatches, encodeBatch, InvalidRecordError, ManualClock, ManualScheduler, MemoryStorage,
  parseLogConfig, PartitionLog, type RecordInput, validateBatches,
} from "../../src/index.ts";
import { referenceEncodeBatch } from "../reference/record-batch.ts";

/** Hands the encoder what a JavaScript caller could pass, whatever the types say. */
const loose = (record: Record<string, unknown>) => record as unknown as RecordInput;
const encodeOne = (record: Record<string, unknown>, index = 0) =>
  encodeBatch({ baseTimestamp: 0, records: [...Array.from({ length: index }, () => ({ value: "ok" })), loose(record)] });

function refusal(run: () => unknown): InvalidRecordError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidRecordError);
    return error as InvalidRecordError;
  }
  throw new Error("expected an InvalidRecordError, nothing was thrown");
}

describe("encodeBatch refuses keys and values that are not bytes, naming the field and record index", () => {
  it.each([
    ["the number 42", 42, /records\[2\]\.value must be a string, a Uint8Array or null, got number 42/],
    ["true", true, /records\[2\]\.value .* got boolean true/],
    ["a plain object", { a: 1 }, /records\[2\]\.value .* got Object/],
    ["a DataView", new DataView(new ArrayBuffer(4)), /records\[2\]\.value .* got DataView/],
    ["an array of numbers (300 would wrap to 44)", [1, 2, 300], /records\[2\]\.value .* got Array/],
    ["an ArrayBuffer", new ArrayBuffer(3), /records\[2\]\.value .* got ArrayBuffer/],
    ["a bigint", 5n, /records\[2\]\.value .* got bigint 5/],
    ["undefined (a forgotten value, not a tombstone)", undefined, /records\[2\]\.value .* got undefined/],
  ])("a value of %s", (_, value, message) => {
    expect(refusal(() => encodeOne({ value }, 2)).message).toMatch(message);
  });

  it.each([
    ["the number 7 (was stored as an empty key)", 7, /records\[1\]\.key must be a string, a Uint8Array or null, got number 7/],
    ["an Int16Array", new Int16Array([1, 2]), /records\[1\]\.key .* got Int16Array/],
    ["false", false, /records\[1\]\.key .* got boolean false/],
  ])("a key of %s", (_, key, message) => {
    expect(refusal(() => encodeOne({ key, value: "v" }, 1)).message).toMatch(message);
  });

  it("a record that is not an object", () => {
    expect(refusal(() => encodeOne(null as unknown as Record<string, unknown>, 1)).message).toMatch(/records\[1\] must be a record object, got null/);
  });

  it("records that are not an array", () => {
    expect(refusal(() => encodeBatch({ baseTimestamp: 0, records: "abc" as unknown as RecordInput[] })).message).toMatch(/records must be an array/);
  });
});

describe("PartitionLog.appendRecords refuses the same input, rejecting (never throwing) and writing nothing", () => {
  it.each([
    ["value: 42", { value: 42 }, /records\[0\]\.value .* got number 42/],
    ["key: 7", { key: 7, value: "v" }, /records\[0\]\.key .* got number 7/],
    ["headers: \"abc\"", { value: "v", headers: "abc" }, /records\[0\]\.headers must be an array/],
  ])("%s", async (_, bad, message) => {
    const log = await PartitionLog.open({ storage: new MemoryStorage(), clock: new ManualClock(0), topic: "t", partition: 0, config: parseLogConfig({}) });
    const appended = log.appendRecords([loose(bad)]);
    await expect(appended).rejects.toThrow(InvalidRecordError);
    await expect(appended).rejects.toThrow(message);
    expect(log.logEndOffset).toBe(0);
    await log.close();
  });
});

describe("encodeBatch refuses malformed headers, naming the record and header index", () => {
  it.each([
    ["a string (threw a plain TypeError)", "abc", /records\[0\]\.headers must be an array of \{ key, value \}, got string abc/],
    ["kafkajs's object map", { "trace-id": "x" }, /records\[0\]\.headers must be an array .* got Object/],
    ["an array holding a string", ["abc"], /records\[0\]\.headers\[0\] must be \{ key, value \}, got string abc/],
    ["a header with a numeric key", [{ key: "ok", value: "v" }, { key: 1, value: "v" }], /records\[0\]\.headers\[1\]\.key must be a string, got number 1/],
    ["a header with a null key", [{ key: null, value: "v" }], /records\[0\]\.headers\[0\]\.key must be a string, got null/],
    ["a header with a numeric value", [{ key: "k", value: 42 }], /records\[0\]\.headers\[0\]\.value must be a string, a Uint8Array or null, got number 42/],
    ["a header without a value", [{ key: "k" }], /records\[0\]\.headers\[0\]\.value .* got undefined/],
  ])("%s", (_, headers, message) => {
    expect(refusal(() => encodeOne({ value: "v", headers })).message).toMatch(message);
  });
});

describe("encodeBatch still takes every kind of bytes", () => {
  it("strings as UTF-8, Uint8Arrays (views into a larger buffer too) as they are, null as null, and headers with null values", () => {
    const bytes = encodeBatch({
      baseTimestamp: 0,
      records: [
        { key: "ключ", value: Uint8Array.of(1, 2, 255), headers: [{ key: "h", value: null }, { key: "s", value: "é" }] },
        { key: null, value: null },
        { value: new Uint8Array(new ArrayBuffer(8), 2, 3).fill(7) },
      ],
    });
    const [batch] = decodeBatches(bytes);
    const records = batch!.records;
    expect(new TextDecoder().decode(records[0]!.key!)).toBe("ключ");
    expect([...records[0]!.value!]).toEqual([1, 2, 255]);
    expect(records[0]!.headers.map((h) => [h.key, h.value === null ? null : new TextDecoder().decode(h.value)])).toEqual([["h", null], ["s", "é"]]);
    expect([records[1]!.key, records[1]!.value]).toEqual([null, null]);
    expect([...records[2]!.value!]).toEqual([7, 7, 7]);
  });
});

describe("offset deltas increase", () => {
  it.each([
    ["repeat", [0, 0], /records\[1\]\.offsetDelta 0 must be above records\[0\]'s 0/],
    ["go back", [0, 5, 3], /records\[2\]\.offsetDelta 3 must be above records\[1\]'s 5/],
    ["collide with a default (the record's index)", [3, undefined], /records\[1\]\.offsetDelta 1 must be above records\[0\]'s 3/],
  ])("encodeBatch refuses deltas that %s", (_, deltas, message) => {
    const records = deltas.map((offsetDelta, i) => ({ value: `v${i}`, ...(offsetDelta === undefined ? {} : { offsetDelta }) }));
    expect(refusal(() => encodeBatch({ baseTimestamp: 0, records })).message).toMatch(message);
  });

  it("encodeBatch keeps increasing deltas with gaps (as compaction leaves them)", () => {
    const [batch] = decodeBatches(encodeBatch({ baseOffset: 10, baseTimestamp: 0, records: [{ value: "a", offsetDelta: 1 }, { value: "b", offsetDelta: 4 }] }));
    expect(batch!.records.map((r) => r.offset)).toEqual([11, 14]);
    expect(batch!.lastOffset).toBe(14);
  });

  /** A batch whose records share an offset, built without loglab's encoder. */
  const repeatedDeltas = () => referenceEncodeBatch({
    baseOffset: 0, partitionLeaderEpoch: -1, attributes: 0, lastOffsetDelta: 1,
    baseTimestamp: 0, maxTimestamp: 0, producerId: -1, producerEpoch: -1, baseSequence: -1,
    records: ["a", "b"].map((value) => ({ offsetDelta: 0, timestampDelta: 0, key: null, value: new TextEncoder().encode(value), headers: [] })),
  });

  it("validation reports a batch whose records repeat an offset, naming the record", () => {
    const { error, validBytes } = validateBatches(repeatedDeltas());
    expect(error).toBeInstanceOf(CorruptRecordError);
    expect(error!.reason).toBe("offset-delta-invalid");
    expect(error!.message).toMatch(/record 1 has offsetDelta 0/);
    expect(validBytes).toBe(0);
    expect(() => decodeBatches(repeatedDeltas())).toThrow(CorruptRecordError);
  });

  it("an append of such a batch is refused and writes nothing", async () => {
    const log = await PartitionLog.open({ storage: new MemoryStorage(), clock: new ManualClock(0), topic: "t", partition: 0, config: parseLogConfig({}) });
    await expect(log.append(repeatedDeltas())).rejects.toThrow(CorruptRecordError);
    await expect(log.appendRecords([{ value: "a", offsetDelta: 0 }, { value: "b", offsetDelta: 0 }])).rejects.toThrow(InvalidRecordError);
    expect(log.logEndOffset).toBe(0);
    await log.close();
  });

  it("a produce request with such a batch is answered CORRUPT_MESSAGE and stores nothing", async () => {
    const broker = await Broker.open({ storage: new MemoryStorage(), scheduler: new ManualScheduler(0) });
    await broker.logs.createTopic("t", 1);
    const { partitions: [answer] } = await broker.produce({ acks: -1, partitions: [{ topic: "t", partition: 0, records: repeatedDeltas() }] });
    expect(answer!.error).toBeInstanceOf(CorruptRecordError);
    expect((answer!.error as CorruptRecordError).reason).toBe("offset-delta-invalid");
    expect(broker.logs.log("t", 0).logEndOffset).toBe(0);
    await broker.close();
  });

  it.each([
    ["after a crash (recovered)", false],
    ["after a clean shutdown (trusted until read)", true],
  ])("a stored batch with repeated offsets is reported as corrupt %s, never read as two records at one offset", async (_, cleanShutdown) => {
    const storage = new MemoryStorage();
    const file = await storage.open("t-0/00000000000000000000.log");
    await file.append(repeatedDeltas());
    await file.sync();
    await file.close();
    const log = await PartitionLog.open({ storage, clock: new ManualClock(0), topic: "t", partition: 0, config: parseLogConfig({}), cleanShutdown });
    const read = await log.read(0).then(
      ({ records }) => decodeBatches(records).flatMap((b) => b.records.map((r) => r.offset)),
      (error: unknown) => error,
    );
    if (Array.isArray(read)) {
      // Recovery set the batch aside and says why.
      expect(read).toEqual([]);
      expect(log.logEndOffset).toBe(0);
      expect(JSON.stringify(log.recovery)).toContain("offset-delta-invalid");
    } else {
      expect(read).toBeInstanceOf(CorruptRecordError);
      expect((read as CorruptRecordError).reason).toBe("offset-delta-invalid");
    }
    await log.close();
  });
});
