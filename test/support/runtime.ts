// Which JavaScript runtime a test is executing in, judged from the runtime's
// own globals rather than from configuration.

export type RuntimeName = "node" | "deno" | "chromium";

declare module "vitest" {
  export interface ProvidedContext {
    /** The runtime the vitest project claims to run its tests in. */
    runtime: RuntimeName;
  }
}

export function detectRuntime(): RuntimeName | "unknown" {
  const g = globalThis as { Deno?: unknown; process?: { versions?: { node?: string } }; navigator?: { userAgent?: string } };
  if (g.Deno !== undefined) return "deno";
  if (g.process?.versions?.node !== undefined) return "node";
  if (g.navigator?.userAgent?.includes("Chrome")) return "chromium";
  return "unknown";
}
