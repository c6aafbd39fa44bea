// `loglab dump`: what kafka-dump-log.sh prints for a segment's .log (each
// batch, and with --print-data-log each record), .index or .timeindex file,
// and how many bytes at the end are not valid batches, and why.

import { parseArgs } from "node:util";
import { decodeBatches, readBatchHeader, validateBatches } from "../format/index.ts";
import type { Storage } from "../storage/index.ts";
import { encodeBytes } from "./encoding.ts";
import type { Output } from "./platform.ts";
import { UsageError } from "./usage.ts";

function baseOffsetOf(fileName: string): number {
  const match = /(\d{20})\.[a-z]+$/.exec(fileName);
  return match === null ? 0 : Number(match[1]);
}

function dumpLog(bytes: Uint8Array, fileName: string, printDataLog: boolean, out: Output): void {
  out.line(`Starting offset: ${baseOffsetOf(fileName)}`);
  const report = validateBatches(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let position = 0; position < report.validBytes;) {
    const b = readBatchHeader(view, position);
    const sequenced = b.baseSequence >= 0;
    out.line(
      `baseOffset: ${b.baseOffset} lastOffset: ${b.lastOffset} count: ${b.recordCount} ` +
      `baseSequence: ${b.baseSequence} lastSequence: ${sequenced ? b.baseSequence + b.lastOffsetDelta : -1} ` +
      `producerId: ${b.producerId} producerEpoch: ${b.producerEpoch} partitionLeaderEpoch: ${b.partitionLeaderEpoch} ` +
      `isTransactional: ${b.isTransactional} isControl: ${b.isControl} ` +
      `deleteHorizonMs: ${b.hasDeleteHorizon ? `OptionalLong[${b.baseTimestamp}]` : "OptionalLong.empty"} ` +
      `position: ${position} ${b.timestampType === "create-time" ? "CreateTime" : "LogAppendTime"}: ${b.maxTimestamp} ` +
      `size: ${b.sizeInBytes} magic: ${b.magic} compresscodec: ${b.compression} crc: ${b.crc} isvalid: true`,
    );
    if (printDataLog) {
      const batch = decodeBatches(bytes.subarray(position, position + b.sizeInBytes))[0]!;
      for (const r of batch.records) {
        const key = r.key === null ? "" : ` key: ${encodeBytes(r.key, "utf8")}`;
        out.line(
          `| offset: ${r.offset} ${b.timestampType === "create-time" ? "CreateTime" : "LogAppendTime"}: ${r.timestamp} ` +
          `keySize: ${r.key?.length ?? -1} valueSize: ${r.value?.length ?? -1} ` +
          `sequence: ${sequenced ? b.baseSequence + r.offsetDelta : -1} headerKeys: [${r.headers.map((h) => h.key).join(",")}]` +
          `${key} payload: ${r.value === null ? "null" : encodeBytes(r.value, "utf8")}`,
        );
      }
    }
    position += b.sizeInBytes;
  }
  if (report.error !== null) {
    out.line(`Found ${bytes.length - report.validBytes} invalid bytes at the end of ${fileName}: ${report.error.message}`);
  }
}

function dumpIndex(bytes: Uint8Array, fileName: string, out: Output): void {
  const base = baseOffsetOf(fileName);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const timeIndex = fileName.endsWith(".timeindex");
  const entryBytes = timeIndex ? 12 : 8;
  for (let at = 0; at + entryBytes <= bytes.length; at += entryBytes) {
    out.line(timeIndex
      ? `timestamp: ${view.getBigInt64(at)} offset: ${base + view.getInt32(at + 8)}`
      : `offset: ${base + view.getInt32(at)} position: ${view.getInt32(at + 4)}`);
  }
  if (bytes.length % entryBytes !== 0) out.line(`Found ${bytes.length % entryBytes} trailing bytes that are not a whole entry`);
}

export async function dumpCommand(args: string[], openFolder: (folder: string) => Promise<Storage>, out: Output): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { "print-data-log": { type: "boolean" }, files: { type: "string" } },
    strict: true,
  });
  const path = positionals[0] ?? values.files;
  if (path === undefined) throw new UsageError("dump needs a FILE (.log, .index or .timeindex)");
  const slash = path.lastIndexOf("/");
  const storage = await openFolder(slash < 0 ? "." : path.slice(0, slash) || "/");
  const name = path.slice(slash + 1);
  if (!(await storage.exists(name))) throw new UsageError(`no such file: ${path}`);
  const file = await storage.open(name);
  const bytes = await file.read(0, file.size);
  await file.close();
  out.line(`Dumping ${path}`);
  if (name.endsWith(".log")) dumpLog(bytes, name, values["print-data-log"] ?? false, out);
  else if (name.endsWith(".index") || name.endsWith(".timeindex")) dumpIndex(bytes, name, out);
  else throw new UsageError(`dump reads .log, .index and .timeindex files, not ${name}`);
  out.flush();
}
