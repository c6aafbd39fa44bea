// The checksums against native implementations: CRC-32C against
// @node-rs/crc32 (SSE4.2 / Rust), CRC-32 against zlib's.

import { crc32 as zlibCrc32 } from "node:zlib";
import { crc32c as nativeCrc32c } from "@node-rs/crc32";
import fc from "fast-check";
import { expect, it } from "vitest";
import { crc32, crc32c } from "../../src/index.ts";

it("CRC-32C equals the native one on random buffers up to 64 KiB", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 65536 }), (bytes) => {
      expect(crc32c(bytes)).toBe(nativeCrc32c(Buffer.from(bytes)));
    }),
    { numRuns: 200 },
  );
});

it("CRC-32 (librdkafka consistent) equals zlib's", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
      expect(crc32(bytes)).toBe(zlibCrc32(bytes));
    }),
    { numRuns: 500 },
  );
});
