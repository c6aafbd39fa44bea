// assembly/batch-layout.ts and src/format/wasm-abi.ts describe the same memory
// layout from both sides of the wasm boundary; every shared name must agree,
// and the core's batch header offsets must be src/format/batch-layout.ts's.

import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import * as abi from "../../src/format/wasm-abi.ts";
import { BATCH_HEADER, BATCH_HEADER_BYTES, BATCH_LOG_OVERHEAD } from "../../src/index.ts";

const assemblyLayout = () => readFileSync(new URL("../../assembly/batch-layout.ts", import.meta.url), "utf8");

it("every constant in assembly/batch-layout.ts has the same value in wasm-abi.ts", () => {
  const source = assemblyLayout();
  const constants = [...source.matchAll(/export const (\w+): \w+ = ([^;]+);/g)];
  expect(constants.length).toBeGreaterThan(40);
  const hostNames = new Set(Object.keys(abi));
  const reasons = constants.filter(([, name]) => name!.startsWith("REASON_") && name !== "REASON_NONE" && name !== "REASON_TABLE_FULL");
  for (const [, name, expression] of constants) {
    // Host-side constants exist only where the host needs them; those that exist must match.
    if (!hostNames.has(name!)) continue;
    const value = Function(
      ...Object.keys(abi).filter((k) => typeof (abi as Record<string, unknown>)[k] === "number"),
      `return (${expression});`,
    )(...Object.values(abi).filter((v) => typeof v === "number"));
    expect([name, (abi as Record<string, unknown>)[name!]]).toEqual([name, value]);
  }
  // Reason codes 1..8 map, in order, to the host's reason names.
  expect(reasons.map(([, name]) => name!.slice("REASON_".length).toLowerCase().replaceAll("_", "-"))).toEqual(abi.CORRUPTION_REASONS);
});

it("the wasm core's batch header offsets are the format layer's BATCH_HEADER, field for field", () => {
  const source = assemblyLayout();
  const numbers = new Map([...source.matchAll(/export const (\w+): i32 = (\d+);/g)].map(([, name, value]) => [name!, Number(value)]));
  const camelToConstant = (field: string) => field.replace(/[A-Z]/g, (letter) => `_${letter}`).toUpperCase();
  const fields = Object.keys(BATCH_HEADER) as (keyof typeof BATCH_HEADER)[];
  expect(fields.map((field) => [field, numbers.get(camelToConstant(field))])).toEqual(
    fields.map((field) => [field, BATCH_HEADER[field].offset]),
  );
  expect([numbers.get("RECORDS"), numbers.get("LOG_OVERHEAD")]).toEqual([BATCH_HEADER_BYTES, BATCH_LOG_OVERHEAD]);
});
