// The read_committed filter on its own: batches and aborted-transaction ranges
// in, which batches a consumer skips out, with no broker and no scheduler.

import { describe, expect, it } from "vitest";
import { hiddenBatches, type TransactionalBatchFacts } from "../../src/client/read-committed-filter.ts";

const data = (producerId: number, lastOffset: number): TransactionalBatchFacts => ({ producerId, lastOffset, isTransactional: true, isControl: false });
const marker = (producerId: number, lastOffset: number): TransactionalBatchFacts => ({ producerId, lastOffset, isTransactional: true, isControl: true });
const plain = (lastOffset: number): TransactionalBatchFacts => ({ producerId: -1, lastOffset, isTransactional: false, isControl: false });

describe("the read_committed filter", () => {
  it("hides an aborted transaction's batches and its marker, and shows a committed one interleaved with it", () => {
    // Producer 1 aborts (offsets 0, 2, marker 4); producer 2 commits (offsets 1, 3, marker 5).
    const batches = [data(1, 0), data(2, 1), data(1, 2), data(2, 3), marker(1, 4), marker(2, 5)];
    expect(hiddenBatches(batches, [{ producerId: 1, firstOffset: 0 }])).toEqual([true, false, true, false, true, true]);
  });

  it("shows a producer's batches again after its abort marker, when its next transaction commits", () => {
    const batches = [data(1, 0), marker(1, 1), data(1, 2), marker(1, 3)];
    expect(hiddenBatches(batches, [{ producerId: 1, firstOffset: 0 }])).toEqual([true, true, false, true]);
  });

  it("starts hiding only from the aborted transaction's first offset", () => {
    const batches = [data(1, 0), marker(1, 1), data(1, 2), marker(1, 3)];
    expect(hiddenBatches(batches, [{ producerId: 1, firstOffset: 2 }])).toEqual([false, true, true, true]);
  });

  it("takes the aborted ranges in any order", () => {
    const batches = [data(1, 0), data(2, 1), marker(1, 2), marker(2, 3), data(1, 4), marker(1, 5)];
    const ranges = [{ producerId: 1, firstOffset: 4 }, { producerId: 2, firstOffset: 1 }, { producerId: 1, firstOffset: 0 }];
    expect(hiddenBatches(batches, ranges)).toEqual([true, true, true, true, true, true]);
  });

  it("never hides records written outside transactions, even by an aborting producer's neighbours", () => {
    const batches = [plain(0), data(1, 1), plain(2), marker(1, 3)];
    expect(hiddenBatches(batches, [{ producerId: 1, firstOffset: 1 }])).toEqual([false, true, false, true]);
  });

  it("with no aborted transactions (read_uncommitted), hides only control batches", () => {
    const batches = [data(1, 0), marker(1, 1), plain(2)];
    expect(hiddenBatches(batches, [])).toEqual([false, true, false]);
  });

  it("does not reorder or consume the caller's list of aborted transactions", () => {
    const ranges = [{ producerId: 2, firstOffset: 5 }, { producerId: 1, firstOffset: 0 }];
    hiddenBatches([data(1, 0), data(2, 5)], ranges);
    expect(ranges).toEqual([{ producerId: 2, firstOffset: 5 }, { producerId: 1, firstOffset: 0 }]);
  });
});
