// Under Node: two projects in one run, every test in Node and the
// environment-free tests (test/format, test/browser) again in headless
// Chromium through Playwright. Under Deno (scripts/test-deno.mjs): the
// environment-free tests only. Each project tells its tests which runtime it
// claims, and test/format/runtime.test.ts checks the claim.

import { existsSync } from "node:fs";
import { playwright } from "@vitest/browser-playwright";
import { defineConfig } from "vitest/config";

// Playwright's own browser download is not always possible: prefer an
// explicit CHROMIUM_PATH, then a system Chromium, then Playwright's default.
const chromiumPath = process.env.CHROMIUM_PATH ?? (existsSync("/usr/bin/chromium") ? "/usr/bin/chromium" : undefined);

const portableTests = ["test/format/**/*.test.ts"];
const underDeno = "Deno" in globalThis;

export default defineConfig({
  test: {
    projects: underDeno ? [
      {
        test: {
          name: "deno",
          include: portableTests,
          provide: { runtime: "deno" },
          testTimeout: 60_000,
        },
      },
    ] : [
      {
        test: {
          name: "node",
          provide: { runtime: "node" },
          include: ["test/**/*.test.ts"],
          exclude: ["test/browser/**"],
          environment: "node",
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: "chromium",
          include: [...portableTests, "test/browser/**/*.test.ts"],
          provide: { runtime: "chromium" },
          testTimeout: 60_000,
          browser: {
            enabled: true,
            headless: true,
            provider: playwright({
              launchOptions: {
                ...(chromiumPath === undefined ? {} : { executablePath: chromiumPath }),
                args: ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
              },
            }),
            instances: [{ browser: "chromium" }],
          },
        },
      },
    ],
  },
});
