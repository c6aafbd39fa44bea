// Invariants: assert passes silently when the condition holds and throws a
// typed InvariantError with the message (built lazily) when it does not.

import { describe, expect, it } from "vitest";
import { assert, InvariantError } from "../../src/runtime/index.ts";

describe("assert", () => {
  it("returns when the condition holds, without building a lazy message", () => {
    let built = 0;
    assert(1 + 1 === 2, () => `${++built}`);
    expect(built).toBe(0);
  });

  it("throws an InvariantError naming the broken invariant when the condition fails", () => {
    expect(() => assert(false, "append at offset 3 after offset 5")).toThrow(InvariantError);
    expect(() => assert(false, () => "segment position -1")).toThrow("invariant broken: segment position -1");
  });
});
