// What the CLI needs from its runtime (Node or Deno): a storage for a folder,
// standard input as lines, and buffered standard output.

import * as readline from "node:readline";
import { NodeFsStorage } from "../storage/node-fs.ts";
import type { Storage } from "../storage/index.ts";

export const isDeno = "Deno" in globalThis;

/** The filesystem storage of this runtime, rooted at `folder`. */
export async function folderStorage(folder: string): Promise<Storage> {
  if (isDeno) {
    const { DenoFsStorage } = await import("../storage/deno-fs.ts");
    return new DenoFsStorage(folder);
  }
  return new NodeFsStorage(folder);
}

/**
 * Standard input, line by line (without line endings). The iterator is made
 * at once: readline drops lines that arrive before iteration starts, and the
 * producer awaits the log before it reads its first line.
 */
export function stdinLines(): AsyncIterable<string> {
  const iterator = readline.createInterface({ input: process.stdin, crlfDelay: Infinity })[Symbol.asyncIterator]();
  return { [Symbol.asyncIterator]: () => iterator };
}

const OUTPUT_FLUSH_BYTES = 64 * 1024;

/** Standard output written in large pieces: one write per line is the slow part of a dump. */
export class Output {
  #pending: string[] = [];
  #pendingLength = 0;

  line(text: string): void {
    this.#pending.push(text);
    this.#pendingLength += text.length + 1;
    if (this.#pendingLength >= OUTPUT_FLUSH_BYTES) this.flush();
  }

  flush(): void {
    if (this.#pending.length === 0) return;
    process.stdout.write(this.#pending.join("\n") + "\n");
    this.#pending = [];
    this.#pendingLength = 0;
  }
}

export function printError(text: string): void {
  process.stderr.write(`${text}\n`);
}
