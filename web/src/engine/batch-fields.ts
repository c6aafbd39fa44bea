// Labels every byte of one RecordBatch v2 with the field it belongs to, for
// the hex view: the batch header (at the format layer's offsets)
// and, inside the records, each varint and byte string. Pure; it reads a
// batch the engine already validated.

import {
  ATTR_COMPRESSION_MASK, ATTR_CONTROL, ATTR_DELETE_HORIZON, ATTR_TIMESTAMP_TYPE, ATTR_TRANSACTIONAL, BATCH_HEADER,
  BATCH_HEADER_BYTES, BATCH_LOG_OVERHEAD, type BatchHeaderFieldName, COMPRESSION_CODECS,
} from "../../../src/index.ts";

export interface ByteField {
  readonly start: number;
  readonly end: number;
  /** Kafka's name for the field. */
  readonly name: string;
  /** Which part of the batch: "batch header", "record 0", "record 0 header 1". */
  readonly part: string;
  readonly value: string;
}

/** Kafka's names where they differ from the format layer's. */
const KAFKA_NAMES: Partial<Record<BatchHeaderFieldName, string>> = { recordCount: "recordsCount" };

const HEADER_FIELDS: readonly [name: string, start: number, end: number][] = Object.entries(BATCH_HEADER).map(
  ([field, { offset, size }]) => [KAFKA_NAMES[field as BatchHeaderFieldName] ?? field, offset, offset + size],
);

function headerValue(view: DataView, name: string, start: number, end: number): string {
  const size = end - start;
  if (name === "crc") return `0x${view.getUint32(start).toString(16).padStart(8, "0")} (CRC-32C of attributes…end)`;
  if (name === "attributes") return describeAttributes(view.getInt16(start));
  if (size === 8) return String(view.getBigInt64(start));
  if (size === 4) return String(view.getInt32(start));
  if (size === 2) return String(view.getInt16(start));
  return String(view.getInt8(start));
}

function describeAttributes(attributes: number): string {
  const flags = [
    COMPRESSION_CODECS[attributes & ATTR_COMPRESSION_MASK] ?? "unknown codec",
    attributes & ATTR_TIMESTAMP_TYPE ? "LogAppendTime" : "CreateTime",
    ...(attributes & ATTR_TRANSACTIONAL ? ["transactional"] : []),
    ...(attributes & ATTR_CONTROL ? ["control"] : []),
    ...(attributes & ATTR_DELETE_HORIZON ? ["delete horizon set"] : []),
  ];
  return `${attributes} (${flags.join(", ")})`;
}

/** Reads zigzag varints and byte strings forward from a position, noting each as a field. */
class FieldReader {
  readonly fields: ByteField[] = [];
  constructor(private readonly bytes: Uint8Array, public position: number) {}

  varint(name: string, part: string): number {
    const start = this.position;
    let raw = 0;
    let shift = 0;
    for (;;) {
      const byte = this.bytes[this.position++]!;
      raw += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if ((byte & 0x80) === 0 || shift > 63) break;
    }
    const value = raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
    this.fields.push({ start, end: this.position, name, part, value: String(value) });
    return value;
  }

  text(name: string, part: string, length: number): void {
    if (length < 0) return;
    const start = this.position;
    this.position += length;
    const value = new TextDecoder().decode(this.bytes.subarray(start, this.position));
    this.fields.push({ start, end: this.position, name, part, value: JSON.stringify(value) });
  }

  byte(name: string, part: string): void {
    this.fields.push({ start: this.position, end: this.position + 1, name, part, value: String(this.bytes[this.position]) });
    this.position++;
  }
}

/** Every field of the batch at the start of `bytes`, in byte order. */
export function batchFields(bytes: Uint8Array): ByteField[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fields: ByteField[] = HEADER_FIELDS.map(([name, start, end]) => ({ start, end, name, part: "batch header", value: headerValue(view, name, start, end) }));
  const count = view.getInt32(BATCH_HEADER.recordCount.offset);
  const compressed = (view.getInt16(BATCH_HEADER.attributes.offset) & ATTR_COMPRESSION_MASK) !== 0;
  const end = BATCH_LOG_OVERHEAD + view.getInt32(BATCH_HEADER.batchLength.offset);
  if (compressed) {
    fields.push({ start: BATCH_HEADER_BYTES, end, name: "records (compressed)", part: "records", value: `${count} records` });
    return fields;
  }
  const reader = new FieldReader(bytes, BATCH_HEADER_BYTES);
  for (let i = 0; i < count && reader.position < end; i++) {
    const part = `record ${i}`;
    reader.varint("length", part);
    reader.byte("attributes", part);
    reader.varint("timestampDelta", part);
    reader.varint("offsetDelta", part);
    reader.text("key", part, reader.varint("keyLength", part));
    reader.text("value", part, reader.varint("valueLength", part));
    const headers = reader.varint("headersCount", part);
    for (let h = 0; h < headers; h++) {
      const headerPart = `${part} header ${h}`;
      reader.text("headerKey", headerPart, reader.varint("headerKeyLength", headerPart));
      reader.text("headerValue", headerPart, reader.varint("headerValueLength", headerPart));
    }
  }
  return [...fields, ...reader.fields];
}
