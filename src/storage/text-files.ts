// Small text files over Storage (metadata, checkpoints): read whole, and
// replaced atomically by writing a synced temporary file and renaming it.

import type { Storage } from "./storage.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The file's text, or null when it does not exist. */
export async function readTextFile(storage: Storage, name: string): Promise<string | null> {
  if (!(await storage.exists(name))) return null;
  const file = await storage.open(name);
  const text = decoder.decode(await file.read(0, file.size));
  await file.close();
  return text;
}

/** Replaces the file's content atomically: a reader sees the old text or the new, never a mix. */
export async function writeTextFileAtomically(storage: Storage, name: string, text: string): Promise<void> {
  const temporary = `${name}.tmp`;
  const file = await storage.open(temporary);
  await file.truncate(0);
  await file.append(encoder.encode(text));
  await file.sync();
  await file.close();
  await storage.rename(temporary, name);
}
