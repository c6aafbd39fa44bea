// Loads the wasm core from bytes embedded at build time (no URL to fetch, so
// Node, Deno, browsers and bundlers behave alike) and owns the shared
// instance's scratch memory: each call lays out its buffers from heapBase,
// and nothing survives a call.

import { coreWasmBase64 } from "./core-wasm.generated.ts";
import { RecordTooLargeError } from "./errors.ts";
import type { CoreExports } from "./wasm-abi.ts";

const WASM_PAGE_BYTES = 65536;
/** wasm32 addresses 4 GiB; growing past what the engine allows fails. */
const WASM_MEMORY_BYTES_MAX = 4 * 1024 * 1024 * 1024;

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const coreModule = await WebAssembly.compile(decodeBase64(coreWasmBase64));

/**
 * A fresh instance of the core with a memory of its own (for resident data
 * such as indexes). Synchronous on purpose: async instantiation finishes on a
 * later turn of the event loop, which code on virtual time cannot wait for
 * deterministically; a module this small may be instantiated synchronously
 * everywhere, the browser's main thread included.
 */
export function instantiateCore(): CoreExports {
  return new WebAssembly.Instance(coreModule, {}).exports as unknown as CoreExports;
}

/** The shared instance's raw exports; callers must reserve() before writing to memory. */
export const core = instantiateCore();

/** First byte of scratch memory, 16-aligned. */
export const scratchBase: number = core.heapBase();

/**
 * Views of the wasm memory. They are replaced whenever memory grows, so read
 * them after reserve(), never keep them across one.
 */
export const memoryViews = {
  u8: new Uint8Array(core.memory.buffer),
  i32: new Int32Array(core.memory.buffer),
  f64: new Float64Array(core.memory.buffer),
  view: new DataView(core.memory.buffer),
};

/** Makes sure scratch memory holds at least `bytes` bytes from scratchBase. */
export function reserve(bytes: number): void {
  const needed = scratchBase + bytes;
  const have = core.memory.buffer.byteLength;
  if (needed <= have) return;
  try {
    core.memory.grow(Math.ceil((needed - have) / WASM_PAGE_BYTES));
  } catch {
    throw new RecordTooLargeError(bytes, WASM_MEMORY_BYTES_MAX - scratchBase, "wasm scratch memory");
  }
  const buffer = core.memory.buffer;
  memoryViews.u8 = new Uint8Array(buffer);
  memoryViews.i32 = new Int32Array(buffer);
  memoryViews.f64 = new Float64Array(buffer);
  memoryViews.view = new DataView(buffer);
}

/** Rounds up to a multiple of 8, the alignment of every region the host lays out. */
export function align8(value: number): number {
  return (value + 7) & ~7;
}
