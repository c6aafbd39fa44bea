// Accessibility, checked by axe-core rather than by our own reading: every
// lesson as it first loads, on a desktop and on a phone, has no WCAG 2.1 A
// or AA violation — names for every control, contrast, landmarks, valid
// ARIA, scrollable regions reachable from the keyboard. The other web tests
// run the same audit on the states they drive each lesson into (a batch's
// bytes open, a run's diagram drawn, a counterexample found).

import { describe, expect, it } from "vitest";
import { accessibilityViolations, openPage, servedApp } from "./app-server.ts";

const app = servedApp();

describe("accessibility", () => {
  it("every lesson passes axe-core's WCAG 2.1 A and AA rules as it loads, on a desktop and a phone", async () => {
    for (const viewport of [{ width: 1280, height: 900 }, { width: 390, height: 844 }]) {
      const context = await app.browser.newContext({ viewport });
      const { page, errors } = await openPage(app, context);
      await page.goto(app.baseUrl);
      const slugs = await page.getByRole("navigation", { name: "Lessons" }).getByRole("link").evaluateAll((links) => links.map((a) => a.getAttribute("href")!.slice(2)));
      expect(slugs.length).toBeGreaterThanOrEqual(4);
      const found: string[] = [];
      for (const slug of slugs) {
        await page.goto(`${app.baseUrl}#/${slug}`);
        await page.locator("main h1").waitFor();
        await page.waitForLoadState("networkidle");
        found.push(...(await accessibilityViolations(page)).map((line) => `${viewport.width}px #/${slug}: ${line}`));
      }
      expect(found).toEqual([]);
      expect(errors).toEqual([]);
      await context.close();
    }
  });
});
