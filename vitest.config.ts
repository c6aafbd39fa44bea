// Where a test runs follows its name: `*.test.ts` runs in Node, headless
// Chromium (through Playwright) and Deno (scripts/test-deno.mjs);
// `*.node.test.ts`, `*.browser.test.ts` and `*.deno.test.ts` only there;
// `*.web.test.ts` drive the built web app in Chromium from Node.
// Each project tells its tests which runtime it claims, and
// test/format/runtime.test.ts checks the claim.

import { existsSync } from "node:fs";
import { playwright } from "@vitest/browser-playwright";
import { defineConfig } from "vitest/config";

// Playwright's own browser download is not always possible: prefer an
// explicit CHROMIUM_PATH, then a system Chromium, then Playwright's default.
const chromiumPath = process.env.CHROMIUM_PATH ?? (existsSync("/usr/bin/chromium") ? "/usr/bin/chromium" : undefined);

const underDeno = "Deno" in globalThis;
const only = (runtime: "node" | "browser" | "deno") => ({
  include: ["test/**/*.test.ts"],
  // test/kafka/ runs Apache Kafka's jars: its own project (below), run by scripts/test-all.mjs when Java is there.
  exclude: ["test/kafka/**", ...["node", "browser", "deno", "web"].filter((r) => r !== runtime).map((r) => `test/**/*.${r}.test.ts`)],
});

export default defineConfig({
  test: {
    projects: underDeno ? [
      {
        test: {
          name: "deno",
          ...only("deno"),
          provide: { runtime: "deno" },
          testTimeout: 60_000,
        },
      },
    ] : [
      {
        // The built web app (web/dist), driven end to end in Chromium by Playwright.
        test: {
          name: "web",
          include: ["test/web/**/*.web.test.ts"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
      {
        // Apache Kafka's tools and broker (JVMs) next to loglab: one file at a time, generous timeouts.
        test: {
          name: "kafka",
          include: ["test/kafka/**/*.node.test.ts"],
          provide: { runtime: "node" },
          environment: "node",
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: "node",
          provide: { runtime: "node" },
          ...only("node"),
          environment: "node",
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: "chromium",
          ...only("browser"),
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
