// The write-behind buffer costs memory only while it holds bytes: allocated on
// the first append, grown as needed, and handed to the shared pool when cleared.

import { describe, expect, it } from "vitest";
import { WRITE_BUFFER_BYTES, WRITE_BUFFER_BYTES_MIN, WriteBuffer, writeBufferMemory } from "../../src/storage/write-buffer.ts";
import { pattern } from "../support/bytes.ts";

/** Whether two byte arrays are equal (a plain loop: toEqual is slow on a megabyte). */
const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((byte, i) => byte === b[i]);

describe("write buffer", () => {
  it("holds no memory until appended to, and releases it when cleared", () => {
    const before = writeBufferMemory().heldBytes;
    const buffers = Array.from({ length: 10_000 }, () => new WriteBuffer());
    expect(writeBufferMemory().heldBytes).toBe(before);
    buffers[7]!.tryAppend(Uint8Array.of(1, 2, 3));
    expect(writeBufferMemory().heldBytes).toBe(before + WRITE_BUFFER_BYTES_MIN);
    expect(buffers[7]!.view()).toEqual(Uint8Array.of(1, 2, 3));
    buffers[7]!.clear();
    expect(writeBufferMemory().heldBytes).toBe(before);
    expect(buffers[7]!.view()).toEqual(new Uint8Array(0));
  });

  it("grows to hold what is appended, keeping every byte, and refuses what passes WRITE_BUFFER_BYTES", () => {
    const buffer = new WriteBuffer();
    const all = pattern(WRITE_BUFFER_BYTES, 3);
    const piece = 3_001;
    for (let at = 0; at + piece <= WRITE_BUFFER_BYTES; at += piece) expect(buffer.tryAppend(all.subarray(at, at + piece))).toBe(true);
    const length = buffer.length;
    expect(same(buffer.view(), all.subarray(0, length))).toBe(true);
    expect(buffer.tryAppend(new Uint8Array(WRITE_BUFFER_BYTES - length + 1))).toBe(false);
    expect(buffer.length).toBe(length);
    expect(buffer.tryAppend(all.subarray(length))).toBe(true);
    expect(same(buffer.view(), all)).toBe(true);
    buffer.clear();
  });

  it("reuses a cleared buffer from the shared pool instead of allocating again", () => {
    const buffer = new WriteBuffer();
    buffer.tryAppend(new Uint8Array(WRITE_BUFFER_BYTES));
    const pooled = writeBufferMemory().pooledBytes;
    buffer.clear();
    expect(writeBufferMemory().pooledBytes).toBe(pooled + WRITE_BUFFER_BYTES);
    // A buffer that once filled starts its next fill at full size, from the pool.
    buffer.tryAppend(Uint8Array.of(9));
    expect(writeBufferMemory().pooledBytes).toBe(pooled);
    expect(buffer.view()).toEqual(Uint8Array.of(9));
    buffer.clear();
  });

  it("cut to zero releases the memory, cut elsewhere keeps the bytes before the cut", () => {
    const before = writeBufferMemory().heldBytes;
    const buffer = new WriteBuffer();
    buffer.tryAppend(Uint8Array.of(1, 2, 3, 4));
    buffer.cut(2);
    expect(buffer.view()).toEqual(Uint8Array.of(1, 2));
    buffer.cut(0);
    expect(buffer.length).toBe(0);
    expect(writeBufferMemory().heldBytes).toBe(before);
  });
});
