// The delivery lab, end to end: crashing the at-most-once loop between
// storing an offset and processing its record loses that record; crashing
// the at-least-once loop between processing and storing repeats it; the
// exactly-once loop survives the same crash; and the URL replays all of it.

import { describe, expect, it } from "vitest";
import type { Page } from "playwright";
import { accessibilityViolations, openPage, SCREENSHOTS, servedApp } from "./app-server.ts";

const app = servedApp();

async function stepUntil(page: Page, loop: string, status: RegExp): Promise<void> {
  const panel = page.locator(`[data-loop="${loop}"]`);
  await panel.getByTestId(`${loop}-status`).filter({ hasText: /Ready/ }).waitFor();
  for (let i = 0; i < 30 && !status.test(await panel.getByTestId(`${loop}-status`).innerText()); i++) {
    await panel.getByRole("button", { name: "Next step" }).click();
  }
  expect(await panel.getByTestId(`${loop}-status`).innerText()).toMatch(status);
  await panel.getByRole("button", { name: "Crash here" }).click();
}

const tallyOf = (page: Page, loop: string) => page.locator(`[data-loop="${loop}"]`).getByTestId(`${loop}-tally`).innerText();

describe("the delivery lab", () => {
  it("loses a record at most once, repeats one at least once, and neither exactly once — and the URL replays it", async () => {
    const { page, context, errors } = await openPage(app);
    await page.goto(`${app.baseUrl}#/delivery`);
    await stepUntil(page, "amo", /stored record 1\.$/);
    await expect.poll(() => tallyOf(page, "amo")).toBe("1 lost, 0 duplicated");
    expect(await page.locator('[data-loop="amo"] .tally li.lost').allInnerTexts()).toEqual(["record 1: lost"]);
    // The listing is talk.ts itself, and the line marked is the statement the crash came after.
    const crashedLines = await page.locator('[data-loop="amo"] .line.crashed').allInnerTexts();
    expect(crashedLines).toHaveLength(1);
    expect(crashedLines[0]).toMatch(/await storedOrUnknown\(consumer, record\)/);

    await stepUntil(page, "alo", /processed record 1\.$/);
    await expect.poll(() => tallyOf(page, "alo")).toBe("0 lost, 1 duplicated");
    expect(await page.locator('[data-loop="alo"] .tally li.duplicated').allInnerTexts()).toEqual(["record 1: 2×"]);

    await stepUntil(page, "eos", /sent record 1\.$/);
    expect(await page.locator('[data-loop="eos"] .line.crashed').innerText()).toMatch(/await transaction\.send\(/);
    await expect.poll(() => tallyOf(page, "eos")).toBe("0 lost, 0 duplicated");

    await stepUntil(page, "basic", /processed record 2\.$/);
    const basic = await (async () => {
      await expect.poll(() => tallyOf(page, "basic")).toMatch(/lost/);
      return tallyOf(page, "basic");
    })();
    await page.screenshot({ path: `${SCREENSHOTS}/delivery.png`, fullPage: true });
    expect(await accessibilityViolations(page)).toEqual([]);

    const url = page.url();
    expect(url).toContain("amo.crash=1");
    const again = await openPage(app);
    await again.page.goto(url);
    await expect.poll(() => tallyOf(again.page, "amo")).toBe("1 lost, 0 duplicated");
    await expect.poll(() => tallyOf(again.page, "alo")).toBe("0 lost, 1 duplicated");
    await expect.poll(() => tallyOf(again.page, "basic")).toBe(basic);
    expect(errors).toEqual([]);
    expect(again.errors).toEqual([]);
    await again.context.close();
    await context.close();
  });
});
