// The app as a whole: every lesson in the navigation loads without console
// errors, on a desktop and on a phone-sized screen; the navigation works
// from the keyboard; the log persists in OPFS when chosen; and a browser
// that refuses IndexedDB gets an explanation and a working log in memory.

import { describe, expect, it } from "vitest";
import { openPage, SCREENSHOTS, servedApp } from "./app-server.ts";

const app = servedApp();

describe("the web app", () => {
  it("loads every lesson in the navigation without console errors, on a desktop and a phone", async () => {
    for (const viewport of [{ width: 1280, height: 900, name: "desktop" }, { width: 390, height: 844, name: "phone" }]) {
      const context = await app.browser.newContext({ viewport, ...(viewport.name === "phone" ? { isMobile: true, hasTouch: true } : {}) });
      const { page, errors } = await openPage(app, context);
      await page.goto(app.baseUrl);
      const slugs = await page.getByRole("navigation", { name: "Lessons" }).getByRole("link").evaluateAll((links) => links.map((a) => a.getAttribute("href")!.slice(2)));
      expect(slugs.length).toBeGreaterThanOrEqual(4);
      for (const slug of slugs) {
        await page.goto(`${app.baseUrl}#/${slug}`);
        await page.locator("main h1").waitFor();
        await page.waitForLoadState("networkidle");
        expect(await page.locator("main h1").innerText()).not.toBe("");
        if (viewport.name === "phone") {
          // Readable on a phone: nothing wider than the screen but scrollable code and tables.
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
          expect({ slug, overflow }).toEqual({ slug, overflow: 0 });
          await page.screenshot({ path: `${SCREENSHOTS}/phone-${slug}.png`, fullPage: false });
        }
      }
      expect(errors).toEqual([]);
      await context.close();
    }
  });

  it("moves between lessons from the keyboard alone", async () => {
    const { page, context, errors } = await openPage(app);
    await page.goto(`${app.baseUrl}#/log`);
    await page.locator("main h1").waitFor();
    let reached = false;
    for (let i = 0; i < 10 && !reached; i++) {
      await page.keyboard.press("Tab");
      reached = await page.evaluate(() => document.activeElement?.textContent === "Partitions and keys");
    }
    expect(reached).toBe(true);
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator("main h1").innerText()).toBe("Partitions and keys");
    expect(await page.getByRole("link", { name: "Partitions and keys" }).getAttribute("aria-current")).toBe("page");
    expect(errors).toEqual([]);
    await context.close();
  });

  it("works offline after the first visit: the service worker serves every file and the log still opens", async () => {
    const { page, context, errors } = await openPage(app);
    await page.goto(`${app.baseUrl}#/two-generals`);
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    await context.setOffline(true);
    await page.reload();
    await expect.poll(() => page.locator("main h1").innerText()).toBe("The two generals");
    await page.getByRole("link", { name: "The log" }).click();
    await page.getByText("In use: IndexedDB").waitFor();
    // Offline, the search still runs: its worker and fast-check come from the cache too.
    await page.getByRole("link", { name: "Find a counterexample" }).click();
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByText("Counterexample found").waitFor({ timeout: 30_000 });
    expect(errors).toEqual([]);
    await context.close();
  });

  it("keeps the log in OPFS when chosen, across a reload", async () => {
    const { page, context, errors } = await openPage(app);
    await page.goto(`${app.baseUrl}#/log`);
    await page.getByText("In use: IndexedDB").waitFor();
    await page.getByLabel("Keep the log in").selectOption("opfs");
    await page.getByText("In use: OPFS").waitFor();
    const form = page.getByRole("form", { name: "Produce to test" });
    await form.getByLabel("Value").fill("kept in OPFS");
    await form.getByLabel("Partition").selectOption("2");
    await form.getByRole("button", { name: "Produce" }).click();
    await page.getByTestId("produced").filter({ hasText: "P2 at offset 0" }).waitFor();
    await page.reload();
    await page.getByText("In use: OPFS").waitFor();
    await page.getByRole("tab", { name: /P2/ }).click();
    await expect.poll(() => page.locator(".log-strip .record .value").allInnerTexts()).toEqual(["kept in OPFS"]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("explains a browser that refuses IndexedDB and keeps working in memory", async () => {
    const context = await app.browser.newContext();
    await context.addInitScript(() => {
      Object.defineProperty(globalThis, "indexedDB", {
        configurable: true,
        get() {
          throw new DOMException("The user denied permission to access the database.", "SecurityError");
        },
      });
    });
    const { page, errors } = await openPage(app, context);
    await page.goto(`${app.baseUrl}#/log`);
    await expect.poll(() => page.getByRole("alert").first().innerText()).toMatch(/^IndexedDB is not available here \(.*denied permission.*\)\. .*in memory/);
    await page.getByText("In use: Memory").waitFor();
    const form = page.getByRole("form", { name: "Produce to test" });
    await form.getByLabel("Value").fill("still works");
    await form.getByRole("button", { name: "Produce" }).click();
    await page.getByTestId("produced").filter({ hasText: "at offset 0" }).waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}/storage-refused.png` });
    expect(errors).toEqual([]);
    await context.close();
  });
});
