// What the CLI needs from its runtime (Node or Deno): a storage for a folder
// and buffered standard output (standard input is read in input.ts).

import type { Storage } from "../storage/index.ts";

export const isDeno = "Deno" in globalThis;

/**
 * The filesystem storage of this runtime, rooted at `folder` (read-only: it
 * must exist, and nothing is changed). Each adapter is an entry point of its
 * own, loaded only in the runtime that uses it.
 */
export async function folderStorage(folder: string, options: { readonly readOnly?: boolean } = {}): Promise<Storage> {
  if (isDeno) {
    const { DenoFsStorage } = await import("../storage/deno-fs.ts");
    return new DenoFsStorage(folder, options);
  }
  const { NodeFsStorage } = await import("../storage/node-fs.ts");
  return new NodeFsStorage(folder, options);
}

const OUTPUT_FLUSH_BYTES = 64 * 1024;

/** Whether `error` says the reader of a pipe went away: Node's EPIPE, Deno's BrokenPipe. */
function isBrokenPipe(error: unknown): boolean {
  const { code, name } = (error ?? {}) as { code?: unknown; name?: unknown };
  return code === "EPIPE" || name === "BrokenPipe";
}

/** Set once standard output's reader has gone away: whatever is written after that reaches no one. */
let readerGone = false;
let watchingStdout = false;
const readerGoneWaiters = new Set<() => void>();

/**
 * Turns a broken pipe on standard output into `readerGone` instead of an
 * uncaught error: `loglab consume … | head -1` ends quietly, as cat does.
 * Any other error on standard output still ends the program.
 */
function watchStdout(): void {
  if (watchingStdout) return;
  watchingStdout = true;
  process.stdout.on("error", (error: unknown) => {
    if (!isBrokenPipe(error)) throw error;
    readerGone = true;
    for (const wake of readerGoneWaiters) wake();
  });
}

/**
 * Standard output written in large pieces (one write per line is the slow
 * part of a dump). A command that prints much awaits drained() as it goes, so
 * it reads no faster than its reader takes the output and stops once the
 * reader is gone.
 */
export class Output {
  #pending: string[] = [];
  #pendingLength = 0;
  /** Settles once standard output has taken the last write (or failed it). */
  #lastWrite: Promise<void> = Promise.resolve();

  constructor() {
    watchStdout();
  }

  /** Whether the reader of standard output went away (a closed pipe): nothing more can be printed. */
  get readerGone(): boolean {
    return readerGone;
  }

  line(text: string): void {
    if (readerGone) return;
    this.#pending.push(text);
    this.#pendingLength += text.length + 1;
    if (this.#pendingLength >= OUTPUT_FLUSH_BYTES) this.flush();
  }

  flush(): void {
    if (this.#pending.length === 0) return;
    const text = this.#pending.join("\n") + "\n";
    this.#pending = [];
    this.#pendingLength = 0;
    if (readerGone) return;
    try {
      this.#lastWrite = new Promise((resolve) => {
        process.stdout.write(text, (error) => {
          if (error !== null && error !== undefined && isBrokenPipe(error)) readerGone = true;
          resolve();
        });
      });
    } catch (error) {
      // Where writes are synchronous a broken pipe is thrown rather than emitted.
      if (!isBrokenPipe(error)) throw error;
      readerGone = true;
    }
  }

  /** Resolves once standard output has taken what was flushed and has room for more, or its reader is gone. */
  async drained(): Promise<void> {
    // The write's callback comes once the OS took the bytes, or with the error
    // that says the reader is gone: either way no later than the next read.
    await this.#lastWrite;
    const stdout = process.stdout;
    if (readerGone || !stdout.writableNeedDrain) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        readerGoneWaiters.delete(done);
        stdout.off("drain", done);
        stdout.off("close", done);
        resolve();
      };
      readerGoneWaiters.add(done);
      stdout.once("drain", done);
      stdout.once("close", done);
    });
  }
}

export function printError(text: string): void {
  process.stderr.write(`${text}\n`);
}
