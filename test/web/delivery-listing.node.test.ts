// The delivery lab shows the talk's loops as they are in src/examples/talk.ts
// (imported as text), and highlights, for each step a run reports, the
// statement that step follows — wherever the loop's lines move.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DELIVERY_LOOPS } from "../../web/src/engine/delivery-lab.ts";
import { declarationText, listing, taggedLines } from "../../web/src/engine/listing.ts";

const talk = readFileSync(new URL("../../src/examples/talk.ts", import.meta.url), "utf8");

/** What the line a step reports must say, per loop. */
const STATEMENTS: Record<string, Record<string, RegExp>> = {
  basic: { polled: /await consumer\.poll\(/, processed: /await process\(record\)/ },
  amo: { polled: /await consumer\.poll\(/, stored: /storedOrUnknown\(consumer, record\)/, processed: /await process\(record\)/ },
  "amo-talk": { polled: /await consumer\.poll\(/, stored: /consumer\.storeOffsets\(\[record\]\)/, processed: /await process\(record\)/ },
  alo: { polled: /await consumer\.poll\(/, processed: /await process\(record\)/, stored: /storedOrUnknown\(consumer, record\)/ },
  eos: { polled: /await consumer\.poll\(/, sent: /await transaction\.send\(/, "offsets-sent": /await transaction\.sendOffsets\(/, committed: /await transaction\.commit\(\)/ },
};

describe("the delivery lab's listings", () => {
  for (const loop of DELIVERY_LOOPS) {
    it(`${loop.id}: is the text of talk.ts and tags the statement behind every step a run reports`, async () => {
      const text = loop.code.map((line) => line.text).join("\n");
      for (const block of text.split("\n\n")) expect(talk).toContain(block);
      const { steps } = await loop.run(null);
      const names = [...new Set(steps.map((step) => step.name))].sort();
      expect(names).toEqual(Object.keys(STATEMENTS[loop.id]!).sort());
      for (const name of names) {
        const tagged = loop.code.filter((line) => line.step === name);
        expect(tagged, name).toHaveLength(1);
        expect(tagged[0]!.text, name).toMatch(STATEMENTS[loop.id]![name]!);
      }
    });
  }

  it("follows the source: lines added above a step move its highlight with them", () => {
    const source = [
      "export async function loop(step) {",
      "  const records = await poll();",
      "  await step(\"polled\", null);",
      "  if (await store()) await step(\"stored\", null);",
      "}",
    ].join("\n");
    const moved = source.replace("  const records", "  // read a batch\n\n  const records");
    expect(listing(source, "loop").filter((line) => line.step).map((line) => [line.text.trim(), line.step])).toEqual([
      ["const records = await poll();", "polled"], ["if (await store()) await step(\"stored\", null);", "stored"],
    ]);
    expect(listing(moved, "loop").findIndex((line) => line.step === "polled")).toBe(3);
  });

  it("takes a declaration with the comment above it, and refuses a name the source lacks", () => {
    expect(declarationText(talk, "MANUAL_STORE_CONFIG").split("\n")[0]).toMatch(/^\/\*\* AT-MOST-ONCE/);
    expect(declarationText(talk, "MANUAL_STORE_CONFIG").split("\n").at(-1)).toBe("};");
    expect(() => declarationText(talk, "noSuchLoop")).toThrow(/noSuchLoop/);
    expect(() => taggedLines("await step(\"polled\", null);")).toThrow(/reports no statement/);
  });
});
