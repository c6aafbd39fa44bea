// The delivery lab's two at-most-once loops side by side: committing the
// offset before processing, and the talk's loop as written, which only stores
// it for the 100 ms auto-commit timer. Crashed after processing record 0,
// the first never repeats it; the second processes it again, and says why.

import { describe, expect, it } from "vitest";
import type { Page } from "playwright";
import { openPage, servedApp } from "./app-server.ts";

const app = servedApp();

async function crashAfter(page: Page, loop: string, status: RegExp): Promise<void> {
  const panel = page.locator(`[data-loop="${loop}"]`);
  await panel.getByTestId(`${loop}-status`).filter({ hasText: /Ready/ }).waitFor();
  for (let i = 0; i < 30 && !status.test(await panel.getByTestId(`${loop}-status`).innerText()); i++) {
    await panel.getByRole("button", { name: "Next step" }).click();
  }
  expect(await panel.getByTestId(`${loop}-status`).innerText()).toMatch(status);
  await panel.getByRole("button", { name: "Crash here" }).click();
}

const tallyOf = (page: Page, loop: string) => page.locator(`[data-loop="${loop}"]`).getByTestId(`${loop}-tally`).innerText();

describe("the delivery lab's at-most-once loops", () => {
  it("shows storing is not committing: the talk's loop repeats the record processed before the timer's commit", async () => {
    const { page, context, errors } = await openPage(app);
    await page.goto(`${app.baseUrl}#/delivery`);
    await expect.poll(() => page.getByText("Storing an offset is not committing it").count()).toBe(1);
    expect(await page.locator('[data-loop="amo-talk"] h2').innerText()).toBe("At most once, as the talk wrote it");
    // Side by side: the two at-most-once panels come one after the other, at the same height.
    const loops = await page.locator("[data-loop]").evaluateAll((panels) => panels.map((panel) => panel.getAttribute("data-loop")));
    expect(loops.indexOf("amo-talk")).toBe(loops.indexOf("amo") + 1);
    const [amoBox, talkBox] = [await page.locator('[data-loop="amo"]').boundingBox(), await page.locator('[data-loop="amo-talk"]').boundingBox()];
    expect(talkBox!.y).toBe(amoBox!.y);
    expect(talkBox!.x).toBeGreaterThan(amoBox!.x);
    const listing = await page.locator('[data-loop="amo-talk"] pre.code').innerText();
    expect(listing).toContain('"enable.auto.offset.store": false');
    expect(listing).toContain('"auto.commit.interval.ms": 100');

    await crashAfter(page, "amo", /processed record 0\.$/);
    await expect.poll(() => tallyOf(page, "amo")).toBe("0 lost, 0 duplicated");

    await crashAfter(page, "amo-talk", /processed record 0\.$/);
    await expect.poll(() => tallyOf(page, "amo-talk")).toBe("0 lost, 1 duplicated");
    expect(await page.locator('[data-loop="amo-talk"] .tally li.duplicated').allInnerTexts()).toEqual(["record 0: 2×"]);
    expect(await page.locator('[data-loop="amo-talk"] .why').innerText()).toMatch(/storing an offset is not committing it/);
    expect(await page.locator('[data-loop="amo-talk"] .line.crashed').innerText()).toMatch(/await process\(record\)/);
    expect(errors).toEqual([]);
    await context.close();
  });
});
