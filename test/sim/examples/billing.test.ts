import { describe, expect, it } from "vitest";
import { atLeastOnce, simulate } from "../../../sim/index.ts";
import commitFirst from "./commit-first.mjs";
import billing from "./my-loop.mjs";

const orders = billing.inputs.map((input) => input.value);

describe("billing", () => {
  it("charges every order at least once, wherever the process crashes", async () => {
    for (const step of ["processed", "committed"]) {
      for (const occurrence of [1, 2, 3, 4, 5]) {
        const result = await simulate({
          ...billing, seed: occurrence,
          faults: { crashes: [{ process: "billing", step, occurrence }] },
          checks: { "at-least-once": atLeastOnce(orders) },
        });
        expect(result.verdict.explanation, result.timeline()).toEqual([]);
      }
    }
  });

  it("loses an order when it commits before charging", async () => {
    const result = await simulate({ ...commitFirst, seed: 3, checks: { "at-least-once": atLeastOnce(orders) } });
    expect(result.verdict.explanation).toEqual(["at-least-once: order-3 was never processed"]);
  });
});
