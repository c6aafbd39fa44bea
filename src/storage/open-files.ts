// Keeps a filesystem storage's OS file handles bounded: each file holds a
// handle only while it is among the most recently used; the least recently
// used idle one is closed when the bound is passed, and reopens on its next use.

/**
 * OS file handles one filesystem storage keeps open at most. A partition
 * holds three files per segment, so a data dir of thousands of partitions
 * would otherwise need tens of thousands of handles (past most ulimits).
 */
export const OPEN_FILES_MAX = 256;

/** A file that can give up its OS handle and take it again when next used. */
export interface ReopenableFile {
  /** Whether the handle is in use by an operation still running (a background write): it must stay open. */
  readonly handleBusy: boolean;
  /** Closes the OS handle, leaving the file usable: its next operation reopens it. */
  releaseHandle(): void;
}

export class OpenFiles {
  /** Files holding a handle, least recently used first (a Map iterates in insertion order). */
  readonly #holding = new Map<ReopenableFile, true>();

  constructor(readonly openFilesMax = OPEN_FILES_MAX) {}

  /** How many files hold an OS handle now. */
  get count(): number {
    return this.#holding.size;
  }

  /**
   * Records that `file` holds a handle and was just used, then closes the
   * least recently used idle handles beyond the bound (never `file`'s).
   */
  used(file: ReopenableFile): void {
    this.#holding.delete(file);
    this.#holding.set(file, true);
    if (this.#holding.size <= this.openFilesMax) return;
    for (const other of this.#holding.keys()) {
      if (this.#holding.size <= this.openFilesMax) break;
      if (other === file || other.handleBusy) continue;
      this.#holding.delete(other);
      other.releaseHandle();
    }
  }

  /** Records that `file` no longer holds a handle (it closed it itself). */
  released(file: ReopenableFile): void {
    this.#holding.delete(file);
  }
}
