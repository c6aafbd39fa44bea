// The quarantine: what recovery cuts off a partition's log is moved here, not
// deleted, so a person can inspect or salvage it. It is a folder beside the
// partition's, `<topic>-<partition>.quarantine/`, never taken for a partition.

import type { Storage } from "../storage/index.ts";

export const QUARANTINE_SUFFIX = ".quarantine";
/** Bytes copied at a time when a damaged tail is moved. */
const COPY_CHUNK_BYTES = 8 << 20;

/** Bytes recovery moved out of a partition's folder. */
export interface QuarantinedFile {
  /** Where the bytes are now: `<topic>-<partition>.quarantine/<file>.<start>-<end>.<reason>.<ms>`. */
  readonly path: string;
  /** The file they were part of. */
  readonly fromFile: string;
  /** The byte range [startByte, endByte) of fromFile that they were. */
  readonly startByte: number;
  readonly endByte: number;
  /** Why: a CorruptionReason for a damaged tail, "follows-truncation" for a segment after one. */
  readonly reason: string;
}

/** The quarantine folder of the partition folder `partitionDir`. */
export function quarantineFolder(partitionDir: string): string {
  return `${partitionDir}${QUARANTINE_SUFFIX}`;
}

/** A name that says which file, which bytes, why and when (ms since the epoch). */
function quarantinePath(partitionDir: string, fileName: string, startByte: number, endByte: number, reason: string, nowMs: number): string {
  const base = fileName.slice(fileName.lastIndexOf("/") + 1);
  return `${quarantineFolder(partitionDir)}/${base}.${startByte}-${endByte}.${reason}.${nowMs}`;
}

/**
 * Copies bytes [startByte, endByte) of `fileName` (read with `read`) into the
 * quarantine and syncs them; the caller truncates the original only after this.
 */
export async function quarantineTail(
  storage: Storage,
  partitionDir: string,
  fileName: string,
  read: (position: number, length: number) => Promise<Uint8Array>,
  range: { readonly startByte: number; readonly endByte: number },
  reason: string,
  nowMs: number,
): Promise<QuarantinedFile> {
  const { startByte, endByte } = range;
  const path = quarantinePath(partitionDir, fileName, startByte, endByte, reason, nowMs);
  const file = await storage.open(path);
  try {
    await file.truncate(0);
    for (let at = startByte; at < endByte; at += COPY_CHUNK_BYTES) {
      await file.append(await read(at, Math.min(COPY_CHUNK_BYTES, endByte - at)));
    }
    await file.sync();
  } finally {
    await file.close();
  }
  return { path, fromFile: fileName, startByte, endByte, reason };
}

/** Moves a whole file into the quarantine. */
export async function quarantineFile(storage: Storage, partitionDir: string, fileName: string, reason: string, nowMs: number): Promise<QuarantinedFile> {
  const file = await storage.open(fileName);
  const size = file.size;
  await file.close();
  const path = quarantinePath(partitionDir, fileName, 0, size, reason, nowMs);
  await storage.rename(fileName, path);
  return { path, fromFile: fileName, startByte: 0, endByte: size, reason };
}
