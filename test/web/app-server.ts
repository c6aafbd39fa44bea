// Serves the built web app (web/dist, made by `npm run build:web`) with
// Vite's preview server and opens it in headless Chromium through
// Playwright, for the app's end-to-end tests. Screenshots go to
// artifacts/web/, where a person can look at each lesson.

import AxeBuilder from "@axe-core/playwright";
import { existsSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Browser, type BrowserContext, chromium, type ConsoleMessage, type Page } from "playwright";
import { preview, type PreviewServer } from "vite";
import { afterAll, beforeAll } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
export const SCREENSHOTS = `${root}artifacts/web`;

export interface AppSession {
  readonly baseUrl: string;
  readonly browser: Browser;
  close(): Promise<void>;
}

export async function startApp(): Promise<AppSession> {
  if (!existsSync(`${root}web/dist/index.html`)) throw new Error("web/dist is missing: run `npm run build:web` first");
  mkdirSync(SCREENSHOTS, { recursive: true });
  const server: PreviewServer = await preview({
    configFile: `${root}web/vite.config.ts`,
    logLevel: "error",
    preview: { port: 0, host: "127.0.0.1", strictPort: false, open: false },
  });
  const address = server.httpServer.address();
  if (address === null || typeof address === "string") throw new Error("the preview server has no port");
  const chromiumPath = process.env.CHROMIUM_PATH ?? (existsSync("/usr/bin/chromium") ? "/usr/bin/chromium" : undefined);
  const browser = await chromium.launch({
    ...(chromiumPath === undefined ? {} : { executablePath: chromiumPath }),
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
  });
  return {
    baseUrl: `http://127.0.0.1:${address.port}/`,
    browser,
    async close() {
      await browser.close();
      await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
    },
  };
}

/** A fresh page (its own storage) that collects console errors and uncaught exceptions. */
export async function openPage(session: AppSession, context?: BrowserContext): Promise<{ page: Page; context: BrowserContext; errors: string[] }> {
  const ctx = context ?? (await session.browser.newContext({ viewport: { width: 1280, height: 900 } }));
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on("console", (message: ConsoleMessage) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(String(error)));
  page.on("dialog", (dialog) => void dialog.accept());
  return { page, context: ctx, errors };
}

/** The app served for one test file: started before its tests, closed after them. */
export function servedApp(): AppSession {
  let session: AppSession | undefined;
  beforeAll(async () => {
    session = await startApp();
  });
  afterAll(async () => {
    await session?.close();
  });
  const current = (): AppSession => {
    if (session === undefined) throw new Error("the app is served only while the file's tests run");
    return session;
  };
  return {
    get baseUrl() {
      return current().baseUrl;
    },
    get browser() {
      return current().browser;
    },
    close: () => current().close(),
  };
}

/**
 * What axe-core (Deque's rules engine, the one browser audits use) finds
 * against WCAG 2.1 A and AA in the page as it is now: one line per rule
 * broken, naming up to five elements. Empty when the page passes.
 */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  return violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 5).map((n) => n.target.join(" ")).join(", ")}`);
}
