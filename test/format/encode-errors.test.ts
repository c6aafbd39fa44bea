// Bad input to the encoder is refused with a typed error that names the field
// and the limit, before anything is written.

import { describe, expect, it } from "vitest";
import { encodeBatch, InvalidRecordError, RecordTooLargeError } from "../../src/index.ts";

describe("encodeBatch refuses", () => {
  it("a batch larger than the caller's limit, naming the setting", () => {
    const run = () =>
      encodeBatch(
        { baseTimestamp: 0, records: [{ value: new Uint8Array(2000) }] },
        { batchBytesMax: 1000, batchBytesMaxName: "max.message.bytes" },
      );
    expect(run).toThrow(RecordTooLargeError);
    expect(run).toThrow(/exceeds max\.message\.bytes=1000/);
  });

  it("a batch just over the limit once its framing is counted", () => {
    const records = [{ value: new Uint8Array(930) }];
    const size = encodeBatch({ baseTimestamp: 0, records }).length;
    expect(() => encodeBatch({ baseTimestamp: 0, records }, { batchBytesMax: size - 1 })).toThrow(RecordTooLargeError);
    expect(encodeBatch({ baseTimestamp: 0, records }, { batchBytesMax: size })).toHaveLength(size);
  });

  it("a batch with no timestamp to start from", () => {
    expect(() => encodeBatch({ records: [{ value: "x" }] })).toThrow(/needs baseTimestamp/);
  });

  it.each([
    ["a negative baseOffset", { baseOffset: -2 }, /baseOffset must be an integer/],
    ["a fractional timestamp", { baseTimestamp: 1.5 }, /baseTimestamp must be a safe integer/],
    ["a producerEpoch beyond int16", { producerEpoch: 40_000 }, /producerEpoch must be an integer in \[-1, 32767\]/],
    ["a baseSequence below -1", { baseSequence: -5 }, /baseSequence/],
    ["a lastOffsetDelta below the records' own", { lastOffsetDelta: 0 }, /lastOffsetDelta/],
  ])("%s", (_, fields, message) => {
    const batch = { baseTimestamp: 0, records: [{ value: "a" }, { value: "b" }], ...fields };
    expect(() => encodeBatch(batch)).toThrow(InvalidRecordError);
    expect(() => encodeBatch(batch)).toThrow(message);
  });

  it("a negative offsetDelta", () => {
    expect(() => encodeBatch({ baseTimestamp: 0, records: [{ value: "a", offsetDelta: -1 }] })).toThrow(
      /records\[0\]\.offsetDelta must be an integer in \[0, 2147483647\], got -1/,
    );
  });

  it("leaves the encoder usable after a refusal", () => {
    expect(() => encodeBatch({ baseTimestamp: 0, records: [{ value: "a", timestamp: Number.NaN }] })).toThrow(InvalidRecordError);
    expect(encodeBatch({ baseTimestamp: 0, records: [{ value: "a" }] }).length).toBeGreaterThan(61);
  });
});
