// A browser that stops saving (IndexedDB quota exceeded) in the middle of a
// session: the write that could not be saved is refused with the reason,
// the partition goes offline rather than vouch for it, the page explains,
// and reopening the log recovers every acknowledged record — nothing lost.
// Errors logged on purpose (the unclean close) are warnings, not errors.

import { describe, expect, it } from "vitest";
import { accessibilityViolations, openPage, SCREENSHOTS, servedApp } from "./app-server.ts";

const app = servedApp();

describe("a storage failure mid-session", () => {
  it("refuses the unsaved write, explains, and loses nothing acknowledged after a reopen", async () => {
    const context = await app.browser.newContext();
    // The quota "runs out" when the test says so: every chunk write then fails as Chromium's would.
    await context.addInitScript(() => {
      const put = IDBObjectStore.prototype.put;
      IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore["put"]>) {
        if ((globalThis as { quotaExceeded?: boolean }).quotaExceeded && this.name === "chunks") {
          throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
        }
        return put.apply(this, args);
      };
    });
    const { page, errors } = await openPage(app, context);
    await page.goto(`${app.baseUrl}#/log`);
    await page.getByText("In use: IndexedDB").waitFor();
    const form = page.getByRole("form", { name: "Produce to test" });
    await form.getByLabel("Partition").selectOption("3");
    await form.getByLabel("Value").fill("saved");
    await form.getByRole("button", { name: "Produce" }).click();
    await page.getByTestId("produced").filter({ hasText: "P3 at offset 0" }).waitFor();

    await page.evaluate(() => ((globalThis as { quotaExceeded?: boolean }).quotaExceeded = true));
    await form.getByLabel("Value").fill("not saved");
    await form.getByRole("button", { name: "Produce" }).click();
    // The producer retries the refused write until delivery.timeout.ms (5 s on this page), then reports why.
    await form.getByRole("alert").waitFor({ timeout: 15_000 });
    expect(await form.getByRole("alert").innerText()).toMatch(/^DELIVERY_TIMEOUT: .*test-3 is offline after a failed fsync .*quota has been exceeded/);
    expect(await page.locator(".side [role=alert]").innerText()).toContain("The browser failed to save to test-3");
    await page.screenshot({ path: `${SCREENSHOTS}/storage-failure.png`, fullPage: true });
    expect(await accessibilityViolations(page)).toEqual([]);

    await page.evaluate(() => ((globalThis as { quotaExceeded?: boolean }).quotaExceeded = false));
    await page.getByRole("button", { name: "Reopen the log" }).click();
    await page.getByText("In use: IndexedDB").waitFor();
    await page.getByRole("tab", { name: /P3/ }).click();
    // Acknowledged means saved: "saved" is there. The timed-out write's outcome is unknown, as with any
    // timeout: its bytes were still buffered when the log closed, and may have reached the database then.
    await expect.poll(() => page.locator(".log-strip .record .value").first().innerText()).toBe("saved");
    const values = await page.locator(".log-strip .record .value").allInnerTexts();
    expect([["saved"], ["saved", "not saved"]]).toContainEqual(values);
    await form.getByLabel("Partition").selectOption("3");
    await form.getByLabel("Value").fill("after the reopen");
    await form.getByRole("button", { name: "Produce" }).click();
    await page.getByTestId("produced").filter({ hasText: `P3 at offset ${values.length}` }).waitFor();
    expect(errors).toEqual([]);
    await context.close();
  });
});
