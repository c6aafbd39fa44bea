// The partitions lesson, end to end: each key's partition under Java's
// murmur2 and librdkafka's CRC-32 matches independent implementations
// (kafkajs's murmur2, zlib's CRC-32), and sending lands records there.

import { createRequire } from "node:module";
import { crc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import { accessibilityViolations, openPage, SCREENSHOTS, servedApp } from "./app-server.ts";

const javaMurmur2 = createRequire(import.meta.url)("kafkajs/src/producer/partitioners/default/murmur2.js") as (key: string) => number;
const KEYS = ["user-1", "user-2", "user-3", "user-42", "foo", "bar", "order-7", "a"];

const app = servedApp();

describe("the partitions lesson", () => {
  it("routes keys as the Java client and librdkafka do, and records land in those partitions", async () => {
    const { page, context, errors } = await openPage(app);
    await page.goto(`${app.baseUrl}#/partitions?keys=${KEYS.join(",")}`);
    await page.locator("table.partitioners tbody tr").first().waitFor();
    const rows = await page.locator("table.partitioners tbody tr").evaluateAll((trs) => trs.map((tr) => tr.textContent));
    const expected = KEYS.map((key) => {
      const java = (javaMurmur2(key) & 0x7fffffff) % 4;
      const rd = crc32(key) % 4;
      return `${key}P${java}P${rd}${java === rd ? "" : " ≠"}`;
    });
    expect(rows).toEqual(expected);
    // The lesson only makes its point if some key differs.
    expect(expected.some((row) => row.endsWith("≠"))).toBe(true);

    await page.getByRole("button", { name: "Send the keys with the Java client (murmur2)" }).click();
    await expect.poll(() => page.locator(".strips .record.fresh").count()).toBe(KEYS.length);
    const landed = await page.locator(".strips tr").evaluateAll((trs) => trs.flatMap((tr) =>
      [...tr.querySelectorAll(".record.fresh .key")].map((key) => `${key.textContent}@P${tr.getAttribute("data-partition")}`)));
    expect(landed.sort()).toEqual(KEYS.map((key) => `${key}@P${(javaMurmur2(key) & 0x7fffffff) % 4}`).sort());

    await page.getByRole("button", { name: "Send 5 records without a key" }).click();
    await expect.poll(() => page.locator(".strips .record.fresh").count()).toBe(5);
    const sticky = await page.locator(".strips tr").evaluateAll((trs) => trs.filter((tr) => tr.querySelector(".record.fresh") !== null).length);
    expect(sticky).toBe(1);
    await page.screenshot({ path: `${SCREENSHOTS}/partitions.png`, fullPage: true });
    expect(await accessibilityViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
