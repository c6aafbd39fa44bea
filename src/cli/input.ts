// What the CLI reads as bytes, never as text: standard input split into lines
// (so a value is exactly its line's bytes, valid UTF-8 or not) and whole files
// opened read-only (dump must never create or change what it looks at).

import { readFile, stat } from "node:fs/promises";

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/** One line of input without its line ending, numbered from 1. */
export interface InputLine {
  readonly number: number;
  /** The line's bytes; only the first lineBytesMax of them when the line is longer. */
  readonly bytes: Uint8Array;
  /** The line's whole length, which is more than bytes.length when it was cut. */
  readonly lengthBytes: number;
}

/** A line being read: the bytes kept so far (at most lineBytesMax + 1), and its whole length. */
class PartialLine {
  #kept: Uint8Array[] = [];
  #keptBytes = 0;
  #lengthBytes = 0;
  #lastByte = -1;

  constructor(private readonly lineBytesMax: number) {}

  get isEmpty(): boolean {
    return this.#lengthBytes === 0;
  }

  /** Adds `piece`, copied: a chunk may be a buffer its stream reuses. */
  add(piece: Uint8Array): void {
    if (piece.length === 0) return;
    this.#lengthBytes += piece.length;
    this.#lastByte = piece[piece.length - 1]!;
    // One byte more than the limit is kept, so a "\r" of a line just at the limit can be dropped.
    const room = this.lineBytesMax + 1 - this.#keptBytes;
    if (room <= 0) return;
    const kept = piece.slice(0, room);
    this.#kept.push(kept);
    this.#keptBytes += kept.length;
  }

  /** The finished line; a "\r" before its "\n" is not part of it. */
  finish(number: number): InputLine {
    let lengthBytes = this.#lengthBytes;
    if (this.#lastByte === CARRIAGE_RETURN) lengthBytes--;
    const joined = new Uint8Array(this.#keptBytes);
    let at = 0;
    for (const part of this.#kept) {
      joined.set(part, at);
      at += part.length;
    }
    this.#kept = [];
    this.#keptBytes = 0;
    this.#lengthBytes = 0;
    this.#lastByte = -1;
    return { number, bytes: joined.subarray(0, Math.min(lengthBytes, this.lineBytesMax)), lengthBytes };
  }
}

/**
 * Splits chunks of bytes into lines at "\n", dropping a "\r" before it (so a
 * file with Windows line endings reads as it did through readline); a last
 * line without "\n" is a line too, and an empty input has none. Every other
 * byte, including a lone "\r" and invalid UTF-8, stays in the line. Of a line
 * longer than `lineBytesMax` only the start is kept, so no line, however
 * long, costs more memory than that. Input that was `cut` short (a signal
 * stopped the reading) has no last line without "\n": it was unfinished.
 */
export async function* splitLines(
  chunks: AsyncIterable<Uint8Array>,
  lineBytesMax = Number.MAX_SAFE_INTEGER,
  cut: () => boolean = () => false,
): AsyncGenerator<InputLine> {
  const line = new PartialLine(lineBytesMax);
  let number = 0;
  for await (const chunk of chunks) {
    let start = 0;
    for (let at = chunk.indexOf(NEWLINE); at >= 0; at = chunk.indexOf(NEWLINE, start)) {
      line.add(chunk.subarray(start, at));
      yield line.finish(++number);
      start = at + 1;
    }
    line.add(chunk.subarray(start));
  }
  if (!line.isEmpty && !cut()) yield line.finish(++number);
}

/**
 * Standard input as chunks of bytes, for splitLines. The stream's iterator is
 * taken at once, before the caller awaits anything, so no input can be missed.
 */
export function stdinChunks(): AsyncIterable<Uint8Array> {
  const chunks = (process.stdin as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  return { [Symbol.asyncIterator]: () => chunks };
}

/** A whole file, opened read-only: nothing is created, not even a missing folder. */
export async function readFileBytes(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path, { flag: "r" }));
  } catch (error) {
    // A failed read (EISDIR) does not say of which file; the message must.
    if (error instanceof Error && (error as { path?: unknown }).path === undefined) Object.assign(error, { path });
    throw error;
  }
}

/** A file's size in bytes, or null when there is no such file. */
export async function fileSize(path: string): Promise<number | null> {
  try {
    const info = await stat(path);
    return info.isFile() ? info.size : null;
  } catch {
    return null;
  }
}
