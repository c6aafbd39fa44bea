// The two-generals lesson, end to end in Chromium: a URL reproduces the same
// run, lost acknowledgements with retries write duplicates without
// idempotence and none with it, and the diagram steps through the run.

import { describe, expect, it } from "vitest";
import { accessibilityViolations, openPage, SCREENSHOTS, servedApp } from "./app-server.ts";

const app = servedApp();

const lesson = (params: string) => `#/two-generals?${params}`;
const LOSSY = "seed=5&messages=10&requestLoss=10&answerLoss=60&retries=1";

describe("the two generals lesson", () => {
  it("reproduces a run from its URL, and shows duplicates without idempotence and none with it", async () => {
    const { page, context, errors } = await openPage(app);
    await page.goto(`${app.baseUrl}${lesson(`${LOSSY}&idempotent=0`)}`);
    const events = page.getByTestId("sequence-events");
    await events.locator("li").first().waitFor({ state: "attached" });
    const first = await events.textContent();
    expect(first).toMatch(/producer sends produce#\d+ \(payment-0\)/);
    await expect.poll(() => page.locator(".tally li.duplicated").count()).toBeGreaterThan(1);
    await expect.poll(() => page.getByTestId("verdict").innerText()).toMatch(/payment-\d+ is in the log \d+ times: .* lost, the producer retried/);
    expect(await page.locator(".sequence-svg .lost-mark").count()).toBeGreaterThan(0);
    expect(await page.locator(".sequence-svg .arrow.retry").count()).toBeGreaterThan(0);
    await page.screenshot({ path: `${SCREENSHOTS}/two-generals.png`, fullPage: true });
    expect(await accessibilityViolations(page)).toEqual([]);

    // The same URL in a fresh page: the same trace, event for event.
    const again = await openPage(app);
    await again.page.goto(`${app.baseUrl}${lesson(`${LOSSY}&idempotent=0`)}`);
    await again.page.getByTestId("sequence-events").locator("li").first().waitFor({ state: "attached" });
    expect(await again.page.getByTestId("sequence-events").textContent()).toBe(first);
    expect(again.errors).toEqual([]);
    await again.context.close();

    // Idempotence on, through the checkbox: the same losses, no duplicate, and the URL says so.
    await page.getByLabel("Idempotent producer").check();
    await expect.poll(() => page.url()).toContain("idempotent=true");
    await expect.poll(() => page.getByTestId("verdict").innerText()).toMatch(/^✓ No value lost or duplicated/);
    expect(await page.locator(".tally li.duplicated").count()).toBe(0);
    expect(await events.textContent()).toMatch(/ack: already at \d+\)/);
    await page.locator(".diagram-panel").screenshot({ path: `${SCREENSHOTS}/two-generals-idempotent-diagram.png` });
    expect(await accessibilityViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("steps through the diagram with buttons and keys, keeping the step in the URL", async () => {
    const { page, context, errors } = await openPage(app);
    await page.goto(`${app.baseUrl}${lesson(`${LOSSY}&idempotent=1&step=3`)}`);
    const now = page.getByTestId("sequence-now");
    await expect.poll(() => now.innerText()).toMatch(/^Step 3 of \d+/);
    await page.getByRole("button", { name: "Next ▶" }).click();
    await expect.poll(() => now.innerText()).toMatch(/^Step 4 of \d+/);
    expect(page.url()).toContain("step=4");
    await page.getByRole("button", { name: "◀ Previous" }).click();
    await page.getByRole("button", { name: "◀ Previous" }).click();
    await expect.poll(() => now.innerText()).toMatch(/^Step 2 of \d+, at \d+ ms: /);
    await page.getByLabel(/Sequence diagram, scrollable/).focus();
    await page.keyboard.press("ArrowRight");
    await expect.poll(() => page.url()).toContain("step=3");
    await page.keyboard.press("End");
    const total = Number((await now.innerText()).match(/of (\d+)/)![1]);
    await expect.poll(() => page.url()).toContain(`step=${total}`);
    expect(await page.getByRole("img", { name: /Sequence diagram between producer and broker/ }).count()).toBe(1);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("explains why idempotence without retries is refused", async () => {
    const { page, context, errors } = await openPage(app);
    await page.goto(`${app.baseUrl}${lesson("retries=0&idempotent=1")}`);
    await expect.poll(() => page.getByRole("alert").innerText()).toContain("INVALID_CONFIG: invalid config enable.idempotence: requires retries > 0");
    expect(errors).toEqual([]);
    await context.close();
  });

  it("is readable on a phone", async () => {
    const context = await app.browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
    const { page, errors } = await openPage(app, context);
    await page.goto(`${app.baseUrl}${lesson(`${LOSSY}&idempotent=0&step=12`)}`);
    await page.getByTestId("sequence-now").waitFor();
    // Nothing wider than the screen: the page does not scroll sideways.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: `${SCREENSHOTS}/two-generals-phone.png`, fullPage: true });
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.locator(".diagram-panel").screenshot({ path: `${SCREENSHOTS}/two-generals-phone-diagram.png` });
    expect(errors).toEqual([]);
    await context.close();
  });
});
