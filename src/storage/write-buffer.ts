// A write-behind buffer for file adapters: appends collect here and reach the
// file in large writes, so many small appends cost few system calls. Reads
// consult it, so buffered bytes are visible before they are written.

/** Appends are flushed once this many bytes are buffered. */
export const WRITE_BUFFER_BYTES = 1 << 20;

export class WriteBuffer {
  #bytes = new Uint8Array(WRITE_BUFFER_BYTES);
  #length = 0;

  get length(): number {
    return this.#length;
  }

  /** Adds bytes; returns false (adding nothing) if they do not fit: flush first. */
  tryAppend(bytes: Uint8Array): boolean {
    if (this.#length + bytes.length > this.#bytes.length) return false;
    this.#bytes.set(bytes, this.#length);
    this.#length += bytes.length;
    return true;
  }

  /** The buffered bytes; valid until the next append or clear. */
  view(): Uint8Array {
    return this.#bytes.subarray(0, this.#length);
  }

  clear(): void {
    this.#length = 0;
  }

  /** Drops buffered bytes past `length` (for a truncate that reaches into the buffer). */
  cut(length: number): void {
    this.#length = Math.min(this.#length, length);
  }
}

/**
 * Reads [position, position + length) of a file whose first `flushedSize`
 * bytes are on disk (read with readFlushed) and whose tail is in `buffer`.
 */
export async function readThroughBuffer(
  position: number,
  length: number,
  flushedSize: number,
  buffer: WriteBuffer,
  readFlushed: (position: number, length: number) => Promise<Uint8Array> | Uint8Array,
): Promise<Uint8Array> {
  const end = Math.min(position + length, flushedSize + buffer.length);
  if (position >= end) return new Uint8Array(0);
  if (position >= flushedSize) return buffer.view().slice(position - flushedSize, end - flushedSize);
  const fromDisk = await readFlushed(position, Math.min(end, flushedSize) - position);
  if (end <= flushedSize) return fromDisk;
  const out = new Uint8Array(end - position);
  out.set(fromDisk);
  out.set(buffer.view().subarray(0, end - flushedSize), fromDisk.length);
  return out;
}

/**
 * Appends `bytes` through `buffer` for an adapter whose writes are async:
 * buffered when they fit, else after a flush; bytes larger than the whole
 * buffer go to `flush` along with what is buffered, in one write.
 */
export async function appendThroughBuffer(
  buffer: WriteBuffer,
  bytes: Uint8Array,
  flush: (oversized?: Uint8Array) => Promise<void>,
): Promise<void> {
  if (buffer.tryAppend(bytes)) return;
  if (bytes.length > WRITE_BUFFER_BYTES) return flush(bytes);
  await flush();
  buffer.tryAppend(bytes);
}
