// Guards the suite's coverage claim: a project that says it runs the format
// tests in Deno or Chromium must really be executing them there.

import { expect, inject, it } from "vitest";
import { crc32c } from "../../src/index.ts";
import { detectRuntime } from "../support/runtime.ts";

it("executes in the runtime its project claims, with the wasm core loaded", () => {
  expect(detectRuntime()).toBe(inject("runtime"));
  expect(crc32c(new TextEncoder().encode("123456789"))).toBe(0xe3069283);
});
