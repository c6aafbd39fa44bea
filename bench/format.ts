// Format benchmarks: CRC-32C and RecordBatch encode / decode+validate, loglab
// against peers measured in the same run (kafkajs's JS code, hash-wasm's wasm
// CRC, and @node-rs/crc32's native CRC as the physical reference).

import { createRequire } from "node:module";
import { crc32c as nativeCrc32c } from "@node-rs/crc32";
import { createCRC32 } from "hash-wasm";
import { crc32c, decodeBatches, encodeBatch, type RecordInput } from "../src/index.ts";
import { type Report, throughput } from "./harness.ts";

const require = createRequire(import.meta.url);
const kafkajsCrc32c = require("kafkajs/src/protocol/recordBatch/crc32C") as (buffer: Buffer) => number;
const { RecordBatch: kafkajsRecordBatch } = require("kafkajs/src/protocol/recordBatch/v0") as {
  RecordBatch: (options: object) => Promise<{ buffer: Buffer }>;
};
const kafkajsRecord = require("kafkajs/src/protocol/recordBatch/record/v0") as (options: object) => unknown;
const KafkajsDecoder = require("kafkajs/src/protocol/decoder") as new (buffer: Buffer) => unknown;
const kafkajsDecodeBatch = require("kafkajs/src/protocol/recordBatch/v0/decoder") as (
  decoder: unknown,
) => Promise<{ records: { key: Buffer | null; value: Buffer | null }[] }>;

const MB = 1e6;

function randomBytes(length: number, seed: number): Buffer {
  const bytes = Buffer.alloc(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) | 0;
    bytes[i] = x >>> 24;
  }
  return bytes;
}

async function benchCrc(report: Report, name: string, size: number): Promise<void> {
  const data = randomBytes(size, size);
  const expected = nativeCrc32c(data);
  const hashWasm = await createCRC32(0x82f63b78);
  const hashWasmCrc = (): number => {
    hashWasm.init();
    hashWasm.update(data);
    const digest = hashWasm.digest("binary");
    return ((digest[0]! << 24) | (digest[1]! << 16) | (digest[2]! << 8) | digest[3]!) >>> 0;
  };
  const peers: [string, () => number][] = [
    ["loglab", () => crc32c(data)],
    ["hash-wasm", hashWasmCrc],
    ["kafkajs", () => kafkajsCrc32c(data) >>> 0],
    ["native", () => nativeCrc32c(data)],
  ];
  for (const [impl, run] of peers) {
    if (run() !== expected) throw new Error(`${impl} computes a different CRC-32C for ${name}`);
    report.add(name, impl, (await throughput(run, size)) / MB, "MB/s");
  }
}

const RECORD_COUNT = 1000;
const BASE_TIMESTAMP = 1_700_000_000_000;

function benchRecords(): { key: Buffer; value: Buffer }[] {
  return Array.from({ length: RECORD_COUNT }, (_, i) => ({
    key: randomBytes(16, i + 1),
    value: randomBytes(100, i + 100_001),
  }));
}

async function benchEncode(report: Report, records: { key: Buffer; value: Buffer }[]): Promise<Uint8Array> {
  const inputs: RecordInput[] = records.map((r, i) => ({ key: r.key, value: r.value, timestamp: BASE_TIMESTAMP + i }));
  const encodeLoglab = (): Uint8Array => encodeBatch({ records: inputs, baseTimestamp: BASE_TIMESTAMP });
  // kafkajs's producer path: build Record objects, then the batch (CRC included).
  const encodeKafkajs = () =>
    kafkajsRecordBatch({
      firstTimestamp: BASE_TIMESTAMP,
      maxTimestamp: BASE_TIMESTAMP + RECORD_COUNT - 1,
      lastOffsetDelta: RECORD_COUNT - 1,
      records: records.map((r, i) =>
        kafkajsRecord({ offsetDelta: i, timestampDelta: i, key: r.key, value: r.value, headers: {} }),
      ),
    });
  // The same encode into a reused buffer, as a producer with a buffer pool does.
  const pooled = new Uint8Array(256 * 1024);
  const encodeLoglabPooled = (): Uint8Array => encodeBatch({ records: inputs, baseTimestamp: BASE_TIMESTAMP }, { into: pooled });
  report.add("encode-1000x116B", "loglab", await throughput(encodeLoglab, RECORD_COUNT), "records/s");
  report.add("encode-1000x116B", "kafkajs", await throughput(encodeKafkajs, RECORD_COUNT), "records/s");
  report.add("encode-1000x116B-reused-buffer", "loglab", await throughput(encodeLoglabPooled, RECORD_COUNT), "records/s");
  report.add("encode-1000x116B-reused-buffer", "kafkajs", report.value("encode-1000x116B", "kafkajs")!, "records/s");
  return encodeLoglab();
}

async function benchDecode(report: Report, batch: Uint8Array): Promise<void> {
  const buffer = Buffer.from(batch);
  // Both sides hand every record's key and value to the caller; kafkajs skips the CRC.
  const decodeLoglab = (): number => {
    let bytes = 0;
    for (const b of decodeBatches(buffer)) {
      for (const record of b.records) bytes += record.key!.length + record.value!.length;
    }
    return bytes;
  };
  const decodeKafkajs = async (): Promise<number> => {
    let bytes = 0;
    const decoded = await kafkajsDecodeBatch(new KafkajsDecoder(buffer));
    for (const record of decoded.records) bytes += record.key!.length + record.value!.length;
    return bytes;
  };
  if (decodeLoglab() !== (await decodeKafkajs())) throw new Error("loglab and kafkajs decode different records");
  report.add("decode+validate-1000x116B", "loglab", await throughput(decodeLoglab, RECORD_COUNT), "records/s");
  report.add("decode+validate-1000x116B", "kafkajs", await throughput(decodeKafkajs, RECORD_COUNT), "records/s");
}

export async function benchFormat(report: Report): Promise<void> {
  await benchCrc(report, "crc32c-1KiB", 1024);
  await benchCrc(report, "crc32c-1MiB", 1024 * 1024);
  const batch = await benchEncode(report, benchRecords());
  await benchDecode(report, batch);
}
