// fast-check arbitraries for batches as a Kafka client could write them.

import fc from "fast-check";
import type { BatchInput, RecordInput } from "../../src/index.ts";

const BASE_TIMESTAMP = 1_700_000_000_000;

export const bytesArbitrary = (maxLength: number) => fc.uint8Array({ maxLength });

export const headerArbitrary = fc.record({
  key: fc.string({ maxLength: 12 }),
  value: fc.option(bytesArbitrary(24), { nil: null }),
});

export const recordArbitrary: fc.Arbitrary<RecordInput> = fc.record({
  key: fc.option(bytesArbitrary(32), { nil: null }),
  value: fc.option(fc.oneof(bytesArbitrary(64), bytesArbitrary(3000)), { nil: null }),
  headers: fc.array(headerArbitrary, { maxLength: 3 }),
  timestamp: fc.integer({ min: BASE_TIMESTAMP - 100_000, max: BASE_TIMESTAMP + 100_000 }),
});

export function batchArbitrary(maxRecords: number): fc.Arbitrary<BatchInput> {
  return fc.record({
    records: fc.array(recordArbitrary, { minLength: 1, maxLength: maxRecords }),
    baseOffset: fc.integer({ min: 0, max: 2 ** 40 }),
    partitionLeaderEpoch: fc.integer({ min: -1, max: 1000 }),
    producerId: fc.integer({ min: -1, max: 2 ** 40 }),
    producerEpoch: fc.integer({ min: -1, max: 0x7fff }),
    baseSequence: fc.integer({ min: -1, max: 0x7fff_ffff }),
    isTransactional: fc.boolean(),
    timestampType: fc.constantFrom("create-time" as const, "log-append-time" as const),
  });
}

/** The bytes a BytesInput is written as. */
export function asBytes(input: Uint8Array | string | null | undefined): Uint8Array | null {
  if (input == null) return null;
  return typeof input === "string" ? new TextEncoder().encode(input) : input;
}
