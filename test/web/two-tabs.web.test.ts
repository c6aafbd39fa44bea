// Two tabs of the app on one origin share one IndexedDB log, and only one may
// write it: the second is refused at once by the first's Web Lock, says so,
// and keeps its log in memory; once the first tab is gone it opens the saved
// log, with what the first tab wrote.

import { describe, expect, it } from "vitest";
import { openPage, servedApp } from "./app-server.ts";

const app = servedApp();

describe("two tabs on one IndexedDB log", () => {
  it("refuses the second tab's writer, saying so, and lets it in once the first tab closes", async () => {
    const first = await openPage(app);
    await first.page.goto(`${app.baseUrl}#/log`);
    await first.page.getByText("In use: IndexedDB").waitFor();
    const form = first.page.getByRole("form", { name: "Produce to test" });
    await form.getByLabel("Partition").selectOption("0");
    await form.getByLabel("Value").fill("from the first tab");
    await form.getByRole("button", { name: "Produce" }).click();
    await first.page.getByTestId("produced").filter({ hasText: "P0 at offset 0" }).waitFor();

    const second = await openPage(app, first.context); // same context: same origin, same IndexedDB
    await second.page.goto(`${app.baseUrl}#/log`);
    const refusal = second.page.locator(".storage [role=alert]");
    await refusal.waitFor();
    expect(await refusal.innerText()).toMatch(/^Another tab or window of this site is writing the IndexedDB log \(data dir loglab is in use by another writer \(.* in another page or worker of this origin\) since .*\)\. Only one may write it at a time/);
    expect(await second.page.getByTestId("storage-status").innerText()).toMatch(/^In use: Memory/);

    await first.page.close();
    await second.page.getByLabel("Keep the log in").selectOption("indexeddb");
    await second.page.getByText("In use: IndexedDB").waitFor();
    await second.page.getByRole("tab", { name: /P0/ }).click();
    await expect.poll(() => second.page.locator(".log-strip .record .value").first().innerText()).toBe("from the first tab");
    expect([...first.errors, ...second.errors]).toEqual([]);
    await first.context.close();
  });
});
