// The at-most-once-as-written scenario: the talk's at-most-once loop only
// stores offsets, and the auto-commit timer commits them, so its verdict
// lists records processed twice; the loop that commits before processing
// keeps at-most-once at the same crash points.

import { describe, expect, it } from "vitest";
import { SCENARIOS } from "../../sim/scenarios/index.ts";

describe("at-most-once-as-written", () => {
  it("shows the talk's store-only loop repeating records, and the committing loop never", async () => {
    for (const seed of [1, 5]) {
      const [committing, asWritten] = await SCENARIOS["at-most-once-as-written"]!.run(seed);
      expect(committing!.promised).toBe(true);
      expect(committing!.violations).toEqual([]);
      expect(committing!.notes.join("\n")).toMatch(/record \d+ (was )?(processed )?never( processed)?/);
      expect(asWritten!.promised).toBe(false);
      expect(asWritten!.violations.some((line) => /^crash after processed #0: record 0 (was )?processed 2 times$/.test(line))).toBe(true);
      expect(asWritten!.violations.every((line) => /processed \d+ times$/.test(line))).toBe(true);
    }
  });
});
