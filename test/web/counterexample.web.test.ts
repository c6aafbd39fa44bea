// The counterexample lesson, end to end in Chromium: the search runs in its
// worker, puts the shrunk schedule in the URL, and the replay steps; the URL
// alone reproduces the replay in a fresh page; the idempotent producer
// yields no counterexample; Stop ends a long search.

import { describe, expect, it } from "vitest";
import { accessibilityViolations, openPage, SCREENSHOTS, servedApp } from "./app-server.ts";

const app = servedApp();

describe("the counterexample lesson", () => {
  it("finds a counterexample for retries without idempotence, writes it to the URL, steps through it, and the URL replays it", async () => {
    const { page, context, errors } = await openPage(app);
    await page.goto(`${app.baseUrl}#/counterexample?config=retries&runs=100`);
    await page.getByRole("button", { name: "Search" }).click();
    const result = page.getByTestId("search-result");
    await expect.poll(() => result.innerText(), { timeout: 30_000 }).toMatch(/^Counterexample found after \d+ runs?, shrunk \d+ times? to: seed \d+, \d+ values?, .* is in the log \d+ times/);
    await expect.poll(() => page.url()).toMatch(/config=retries.*seed=\d+.*messages=\d+.*requestLoss=\d+.*answerLoss=\d+.*step=1/);
    const now = page.getByTestId("sequence-now");
    await expect.poll(() => now.innerText()).toMatch(/^Step 1 of \d+/);
    await page.getByRole("button", { name: "Next ▶" }).click();
    await page.getByRole("button", { name: "Next ▶" }).click();
    await expect.poll(() => now.innerText()).toMatch(/^Step 3 of \d+/);
    expect(page.url()).toContain("step=3");
    await expect.poll(() => page.getByTestId("verdict").innerText()).toMatch(/is in the log \d+ times: .*the producer retried/);
    await page.screenshot({ path: `${SCREENSHOTS}/counterexample.png`, fullPage: true });
    expect(await accessibilityViolations(page)).toEqual([]);

    // A fresh page with only the URL: the same replay, at the same step, without searching.
    const url = page.url();
    const events = await page.getByTestId("sequence-events").textContent();
    const fresh = await openPage(app);
    await fresh.page.goto(url);
    await expect.poll(() => fresh.page.getByTestId("sequence-now").innerText()).toBe(await now.innerText());
    expect(await fresh.page.getByTestId("sequence-events").textContent()).toBe(events);
    expect(await fresh.page.getByTestId("replay-schedule").innerText()).toBe(await page.getByTestId("replay-schedule").innerText());
    expect(await fresh.page.getByTestId("search-result").innerText()).toBe("");
    expect(fresh.errors).toEqual([]);
    await fresh.context.close();

    // The same schedule under idempotence: the same losses, no duplicate.
    await page.getByLabel("retries with idempotence").check();
    await expect.poll(() => page.getByTestId("verdict").innerText()).toMatch(/^✓ No value lost or duplicated/);
    expect(page.url()).toContain("config=idempotent");
    expect(errors).toEqual([]);
    await context.close();
  });

  it("finds no counterexample for the idempotent producer, and says that is not a proof", async () => {
    const { page, context, errors } = await openPage(app);
    await page.goto(`${app.baseUrl}#/counterexample?config=idempotent&runs=60`);
    await page.getByRole("button", { name: "Search" }).click();
    await expect.poll(() => page.getByTestId("search-result").innerText(), { timeout: 30_000 })
      .toMatch(/^No counterexample in 60 runs with retries with idempotence\. That is the guarantee holding on every schedule tried, not a proof/);
    expect(page.url()).not.toContain("seed=");
    expect(errors).toEqual([]);
    await context.close();
  });

  it("shows progress while searching, and Stop ends the search", async () => {
    const { page, context, errors } = await openPage(app);
    await page.goto(`${app.baseUrl}#/counterexample?config=idempotent&runs=5000`);
    await page.getByRole("button", { name: "Search" }).click();
    const progress = page.locator("progress");
    await expect.poll(async () => Number(await progress.getAttribute("value"))).toBeGreaterThan(0);
    expect(await progress.getAttribute("max")).toBe("5000");
    await page.getByRole("button", { name: "Stop" }).click();
    await expect.poll(() => page.getByTestId("search-result").innerText()).toMatch(/^Stopped after \d+ schedules, none failing\.$/);
    expect(await page.getByRole("button", { name: "Search" }).isEnabled()).toBe(true);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("is readable on a phone", async () => {
    const context = await app.browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
    const { page, errors } = await openPage(app, context);
    await page.goto(`${app.baseUrl}#/counterexample?config=retries&seed=5&messages=2&requestLoss=0&answerLoss=40&step=6`);
    await page.getByTestId("sequence-now").waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.getByRole("form", { name: "Search settings" }).scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SCREENSHOTS}/counterexample-phone.png` });
    expect(await accessibilityViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
