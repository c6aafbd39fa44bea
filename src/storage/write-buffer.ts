// A write-behind buffer for file adapters: appends collect here and reach the
// file in large writes, so many small appends cost few system calls. Reads
// consult it, so buffered bytes are visible before they are written. A buffer
// holds memory only while it holds bytes: it is allocated on the first append,
// grows as appends arrive, and goes back to a small shared pool when cleared,
// so an idle file (most of a data dir's files) costs nothing.

/** Appends are flushed once this many bytes are buffered. */
export const WRITE_BUFFER_BYTES = 1 << 20;
/** A buffer's first allocation; it doubles from here up to WRITE_BUFFER_BYTES as appends need. */
export const WRITE_BUFFER_BYTES_MIN = 4 * 1024;
/** Cleared buffers kept for reuse, over every file of the process, so a busy file's flushes allocate nothing. */
export const WRITE_BUFFER_POOL_BYTES_MAX = 16 * WRITE_BUFFER_BYTES;

/** Cleared buffers by capacity (powers of two from WRITE_BUFFER_BYTES_MIN). */
const pool = new Map<number, Uint8Array[]>();
let pooledBytes = 0;
/** Bytes held by buffers that hold data: what write buffers cost beyond the pool. */
let heldBytes = 0;

function take(capacity: number): Uint8Array {
  const reused = pool.get(capacity)?.pop();
  if (reused !== undefined) {
    pooledBytes -= capacity;
  }
  heldBytes += capacity;
  return reused ?? new Uint8Array(capacity);
}

function giveBack(bytes: Uint8Array): void {
  heldBytes -= bytes.length;
  if (pooledBytes + bytes.length > WRITE_BUFFER_POOL_BYTES_MAX) return;
  let free = pool.get(bytes.length);
  if (free === undefined) pool.set(bytes.length, (free = []));
  free.push(bytes);
  pooledBytes += bytes.length;
}

/** Memory write buffers hold now: in buffers with data (`heldBytes`) and in the shared pool (`pooledBytes`). */
export function writeBufferMemory(): { heldBytes: number; pooledBytes: number } {
  return { heldBytes, pooledBytes };
}

export class WriteBuffer {
  #bytes: Uint8Array | null = null;
  #length = 0;
  /** The capacity last reached: a file that filled a big buffer starts its next one that big, not growing again. */
  #capacityHint = WRITE_BUFFER_BYTES_MIN;

  get length(): number {
    return this.#length;
  }

  /** Adds bytes; returns false (adding nothing) if they do not fit: flush first. */
  tryAppend(bytes: Uint8Array): boolean {
    const needed = this.#length + bytes.length;
    if (needed > WRITE_BUFFER_BYTES) return false;
    if (bytes.length === 0) return true;
    if (this.#bytes === null || needed > this.#bytes.length) this.#grow(needed);
    this.#bytes!.set(bytes, this.#length);
    this.#length = needed;
    return true;
  }

  #grow(needed: number): void {
    let capacity = this.#bytes === null ? this.#capacityHint : this.#bytes.length;
    while (capacity < needed) capacity *= 2;
    const grown = take(Math.min(capacity, WRITE_BUFFER_BYTES));
    if (this.#bytes !== null) {
      grown.set(this.#bytes.subarray(0, this.#length));
      giveBack(this.#bytes);
    }
    this.#bytes = grown;
    this.#capacityHint = grown.length;
  }

  /** The buffered bytes; valid until the next append or clear. */
  view(): Uint8Array {
    return this.#bytes === null ? EMPTY : this.#bytes.subarray(0, this.#length);
  }

  /** Empties the buffer and releases its memory (to the pool). */
  clear(): void {
    this.#length = 0;
    if (this.#bytes === null) return;
    giveBack(this.#bytes);
    this.#bytes = null;
  }

  /** Drops buffered bytes past `length` (for a truncate that reaches into the buffer). */
  cut(length: number): void {
    if (length <= 0) this.clear();
    else this.#length = Math.min(this.#length, length);
  }
}

const EMPTY = new Uint8Array(0);

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
