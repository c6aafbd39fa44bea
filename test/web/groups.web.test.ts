// The groups lesson, end to end on the page's real clock: two readers keep
// their own offsets; a group's members split the partitions, one owner each
// per generation, and a member leaving hands its partitions back.

import { describe, expect, it } from "vitest";
import { accessibilityViolations, openPage, SCREENSHOTS, servedApp } from "./app-server.ts";

const app = servedApp();

const owned = (text: string) => (text === "nothing" ? [] : text.split(", "));

describe("the groups lesson", () => {
  it("readers advance independently, and a group rebalances as members join and leave", async () => {
    const { page, context, errors } = await openPage(app);
    await page.goto(`${app.baseUrl}#/groups`);
    const produce = page.getByRole("button", { name: "Produce a record to P0" });
    await produce.click();
    await produce.click();
    await page.getByRole("button", { name: "consumerA: read the next record" }).click();
    await expect.poll(() => page.getByTestId("consumerA-position").innerText()).toBe("1");
    await page.getByRole("button", { name: "consumerA: read the next record" }).click();
    await expect.poll(() => page.getByTestId("consumerA-position").innerText()).toBe("2");
    await page.getByRole("button", { name: "consumerB: read the next record" }).click();
    await expect.poll(() => page.getByTestId("consumerB-position").innerText()).toBe("1");

    await page.getByRole("button", { name: "Add a member" }).click();
    await expect.poll(() => page.getByTestId("consumerA-owns").innerText(), { timeout: 15_000 }).toBe("P0, P1, P2, P3");
    const first = Number(await page.getByTestId("generation").innerText());
    await page.getByRole("button", { name: "Add a member" }).click();
    await expect.poll(async () => {
      const a = owned(await page.getByTestId("consumerA-owns").innerText());
      const b = owned(await page.getByTestId("consumerB-owns").innerText());
      return [a.length, b.length, new Set([...a, ...b]).size];
    }, { timeout: 20_000 }).toEqual([2, 2, 4]);
    expect(Number(await page.getByTestId("generation").innerText())).toBeGreaterThan(first);
    await page.screenshot({ path: `${SCREENSHOTS}/groups.png`, fullPage: true });
    expect(await accessibilityViolations(page)).toEqual([]);

    await page.getByRole("button", { name: "consumerB leaves" }).click();
    await expect.poll(() => page.getByTestId("consumerA-owns").innerText(), { timeout: 20_000 }).toBe("P0, P1, P2, P3");
    expect(errors).toEqual([]);
    await context.close();
  });
});
