// The hex view's field map, checked on batches kafka-python built: the
// fields tile every byte of the batch exactly once, in order, and each names
// the value the independent encoder put there.

import { describe, expect, it } from "vitest";
import { batchFields } from "../../web/src/engine/batch-fields.ts";
import { fromHex } from "../support/hex.ts";
import vectors from "../vectors/record-batches.json" with { type: "json" };

const text = (hex: string | null) => (hex === null ? null : JSON.stringify(new TextDecoder().decode(fromHex(hex))));

describe("batchFields on kafka-python's batches", () => {
  it.each(vectors.batches.map((b) => [b.name, b] as const))("%s: every byte belongs to one field, and the fields carry the vector's values", (_, vector) => {
    const bytes = fromHex(vector.hex);
    const fields = batchFields(bytes);
    let position = 0;
    for (const field of fields) {
      expect(field.start).toBe(position);
      expect(field.end).toBeGreaterThanOrEqual(field.start);
      position = field.end;
    }
    expect(position).toBe(bytes.length);

    const header = (name: string) => fields.find((f) => f.part === "batch header" && f.name === name)!.value;
    expect(header("baseOffset")).toBe(String(vector.baseOffset));
    expect(header("producerId")).toBe(String(vector.producerId));
    expect(header("baseSequence")).toBe(String(vector.baseSequence));
    expect(header("lastOffsetDelta")).toBe(String(vector.lastOffsetDelta));
    expect(header("recordsCount")).toBe(String(vector.records.length));
    expect(header("crc")).toContain(`0x${vector.crc.toString(16).padStart(8, "0")}`);
    expect(header("attributes")).toContain(vector.transactional ? "transactional" : "CreateTime");

    vector.records.forEach((record, i) => {
      const of = (name: string, part = `record ${i}`) => fields.find((f) => f.part === part && f.name === name)?.value;
      expect(of("offsetDelta")).toBe(String(record.offset));
      expect(of("timestampDelta")).toBe(String(record.timestamp - vector.firstTimestamp));
      expect(of("keyLength")).toBe(String(record.key === null ? -1 : record.key.length / 2));
      expect(of("key")).toBe(record.key === null ? undefined : text(record.key));
      expect(of("valueLength")).toBe(String(record.value === null ? -1 : record.value.length / 2));
      record.headers.forEach(([key, value], h) => {
        expect(of("headerKey", `record ${i} header ${h}`)).toBe(JSON.stringify(key));
        expect(of("headerValueLength", `record ${i} header ${h}`)).toBe(String(value == null ? -1 : value.length / 2));
      });
    });
  });
});
