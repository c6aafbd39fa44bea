// A straightforward RecordBatch v2 encoder and decoder in plain TypeScript,
// written field by field from Kafka's documentation (kafka-facts.md). It exists
// only to cross-check the wasm core; it does not share code with src/format.

import { referenceCrc32c } from "./crc32c.ts";
import { referenceDecodeVarlong, referenceEncodeVarlong } from "./varint.ts";

export interface ReferenceRecord {
  offsetDelta: number;
  timestampDelta: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: { key: string; value: Uint8Array | null }[];
}

export interface ReferenceBatch {
  baseOffset: number;
  partitionLeaderEpoch: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  records: ReferenceRecord[];
}

class Writer {
  private bytes: number[] = [];

  int8(v: number): this { this.bytes.push(v & 0xff); return this; }
  int16(v: number): this { return this.int8(v >> 8).int8(v); }
  int32(v: number): this { return this.int16(v >> 16).int16(v); }
  int64(v: number): this {
    const big = BigInt.asUintN(64, BigInt(v));
    return this.int32(Number(big >> 32n) | 0).int32(Number(big & 0xffffffffn) | 0);
  }
  varint(v: number): this { this.bytes.push(...referenceEncodeVarlong(BigInt(v))); return this; }
  raw(b: Uint8Array): this { this.bytes.push(...b); return this; }
  nullableBytes(b: Uint8Array | null): this { return b === null ? this.varint(-1) : this.varint(b.length).raw(b); }
  toBytes(): Uint8Array { return Uint8Array.from(this.bytes); }
}

export function referenceEncodeBatch(batch: ReferenceBatch): Uint8Array {
  const body = new Writer()
    .int16(batch.attributes)
    .int32(batch.lastOffsetDelta)
    .int64(batch.baseTimestamp)
    .int64(batch.maxTimestamp)
    .int64(batch.producerId)
    .int16(batch.producerEpoch)
    .int32(batch.baseSequence)
    .int32(batch.records.length);
  for (const record of batch.records) {
    const fields = new Writer()
      .int8(0)
      .varint(record.timestampDelta)
      .varint(record.offsetDelta)
      .nullableBytes(record.key)
      .nullableBytes(record.value)
      .varint(record.headers.length);
    for (const header of record.headers) {
      fields.nullableBytes(new TextEncoder().encode(header.key)).nullableBytes(header.value);
    }
    const encoded = fields.toBytes();
    body.varint(encoded.length).raw(encoded);
  }
  const bodyBytes = body.toBytes();
  return new Writer()
    .int64(batch.baseOffset)
    .int32(bodyBytes.length + 9) // partitionLeaderEpoch + magic + crc + body
    .int32(batch.partitionLeaderEpoch)
    .int8(2)
    .int32(referenceCrc32c(bodyBytes) | 0)
    .raw(bodyBytes)
    .toBytes();
}

class Reader {
  position = 0;
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  int8(): number { return this.view.getInt8(this.position++); }
  int16(): number { const v = this.view.getInt16(this.position); this.position += 2; return v; }
  int32(): number { const v = this.view.getInt32(this.position); this.position += 4; return v; }
  int64(): number { const v = this.view.getBigInt64(this.position); this.position += 8; return Number(v); }
  varint(): number {
    const decoded = referenceDecodeVarlong(this.bytes.subarray(this.position));
    if (decoded === null) throw new Error(`bad varint at ${this.position}`);
    this.position += decoded[1];
    return Number(decoded[0]);
  }
  nullableBytes(): Uint8Array | null {
    const length = this.varint();
    if (length < 0) return null;
    const bytes = this.bytes.slice(this.position, this.position + length);
    this.position += length;
    return bytes;
  }
}

/** Decodes one valid batch; throws on anything unexpected. */
export function referenceDecodeBatch(bytes: Uint8Array): ReferenceBatch {
  const r = new Reader(bytes);
  const baseOffset = r.int64();
  r.int32(); // batchLength
  const partitionLeaderEpoch = r.int32();
  if (r.int8() !== 2) throw new Error("magic");
  r.int32(); // crc
  const batch: ReferenceBatch = {
    baseOffset,
    partitionLeaderEpoch,
    attributes: r.int16(),
    lastOffsetDelta: r.int32(),
    baseTimestamp: r.int64(),
    maxTimestamp: r.int64(),
    producerId: r.int64(),
    producerEpoch: r.int16(),
    baseSequence: r.int32(),
    records: [],
  };
  const count = r.int32();
  let previousOffsetDelta = -1;
  for (let i = 0; i < count; i++) {
    r.varint(); // length
    r.int8(); // attributes
    const timestampDelta = r.varint();
    const offsetDelta = r.varint();
    // Record offsets are baseOffset + offsetDelta: strictly increasing, none past the batch's last offset.
    if (offsetDelta <= previousOffsetDelta || offsetDelta > batch.lastOffsetDelta) {
      throw new Error(`offsetDelta ${offsetDelta} of record ${i} after ${previousOffsetDelta}, lastOffsetDelta ${batch.lastOffsetDelta}`);
    }
    previousOffsetDelta = offsetDelta;
    const key = r.nullableBytes();
    const value = r.nullableBytes();
    const headerCount = r.varint();
    const headers: ReferenceRecord["headers"] = [];
    for (let h = 0; h < headerCount; h++) {
      const headerKey = new TextDecoder().decode(r.nullableBytes()!);
      headers.push({ key: headerKey, value: r.nullableBytes() });
    }
    batch.records.push({ offsetDelta, timestampDelta, key, value, headers });
  }
  return batch;
}
