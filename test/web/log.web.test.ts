// The log lesson, end to end in Chromium: produce → offsets, the talk's
// document log and its compaction, the labelled bytes of a batch, and the log
// surviving a reload from IndexedDB.

import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { accessibilityViolations, openPage, SCREENSHOTS, servedApp } from "./app-server.ts";

// kafkajs's port of the Java client's murmur2: the expected partitions come from it, not from loglab.
const javaMurmur2 = createRequire(import.meta.url)("kafkajs/src/producer/partitioners/default/murmur2.js") as (key: string) => number;
const javaPartition = (key: string, partitions: number) => (javaMurmur2(key) & 0x7fffffff) % partitions;

const app = servedApp();

describe("the log lesson", () => {
  it("writes records at consecutive offsets of the partition their key picks, and they survive a reload", async () => {
    const { page, context, errors } = await openPage(app);
    await page.goto(`${app.baseUrl}#/log`);
    await page.getByText("In use: IndexedDB").waitFor();
    const form = page.getByRole("form", { name: "Produce to test" });
    const produced = [];
    for (const value of ["first", "second", "third"]) {
      await form.getByLabel("Key").fill("user-42");
      await form.getByLabel("Value").fill(value);
      await form.getByRole("button", { name: "Produce" }).click();
      await page.getByTestId("produced").filter({ hasText: `offset ${produced.length}` }).waitFor();
      produced.push(await page.getByTestId("produced").innerText());
    }
    const partition = javaPartition("user-42", 4);
    expect(produced).toEqual([0, 1, 2].map((offset) => `Written to test partition P${partition} at offset ${offset}.`));
    await page.getByRole("tab", { name: new RegExp(`P${partition}`) }).click();
    await expect.poll(() => page.getByTestId("log-end-offset").innerText()).toBe("3");
    await page.screenshot({ path: `${SCREENSHOTS}/log.png`, fullPage: true });
    expect(await accessibilityViolations(page)).toEqual([]);

    await page.reload();
    await page.getByText("In use: IndexedDB").waitFor();
    await page.getByRole("tab", { name: new RegExp(`P${partition}`) }).click();
    await expect.poll(() => page.getByTestId("log-end-offset").innerText()).toBe("3");
    await expect.poll(() => page.locator(".log-strip .record .value").allInnerTexts()).toEqual(["first", "second", "third"]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("shows every field of a batch's bytes, and compacts the document log to the latest value per key", async () => {
    const { page, context, errors } = await openPage(app);
    await page.clock.install();
    await page.goto(`${app.baseUrl}#/log`);
    await page.getByText("In use: IndexedDB").waitFor();
    await page.getByRole("button", { name: "Write the talk's document log" }).click();
    await expect.poll(() => page.locator(".log-strip .record .key").allInnerTexts()).toEqual(["foo", "foo", "bar", "foo"]);
    await page.getByRole("button", { name: /the batch at offsets 3 to 3;/ }).click();
    const fields = page.locator("table.fields tbody tr");
    await expect.poll(() => fields.count()).toBeGreaterThan(13);
    const rows = await fields.allInnerTexts();
    expect(rows[0]).toMatch(/^0–7\tbatch header\tbaseOffset\t3$/);
    expect(rows.some((row) => /record 0\tkey\t"foo"/.test(row))).toBe(true);
    expect(rows.some((row) => /record 0\tvalueLength\t-1/.test(row))).toBe(true);
    await page.screenshot({ path: `${SCREENSHOTS}/log-bytes.png`, fullPage: true });
    expect(await accessibilityViolations(page)).toEqual([]);

    await page.getByRole("button", { name: "Compact now" }).click();
    await expect.poll(() => page.getByTestId("compaction-report").innerText()).toContain("4 records before, 2 after");
    // bar survives, and foo's tombstone lingers until delete.retention.ms has passed.
    await expect.poll(() => page.locator(".log-strip .record").allInnerTexts()).toEqual(["2\nbar\n{\"op\":\"create\",\"data\":\"…\"}", "3\nfoo\ntombstone"]);
    expect(await page.getByTestId("tombstones").innerText()).toMatch(/^The tombstone for foo \(offset 3\) stays until .*: its delete horizon/);
    // Past the horizon (delete.retention.ms = 10 s on this topic), the next compaction drops it.
    await page.clock.fastForward(11_000);
    await page.getByRole("button", { name: "Compact now" }).click();
    await expect.poll(() => page.getByTestId("compaction-report").innerText()).toContain("1 tombstone(s) past their delete horizon removed");
    await expect.poll(() => page.locator(".log-strip .record .key").allInnerTexts()).toEqual(["bar"]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
