// Two tabs of the app on one origin share one IndexedDB (or OPFS) log, and only one may
// write it: the second is refused at once by the first's Web Lock, says so,
// shows the saved log read-only (its writing controls disabled, saying why)
// and keeps what its lessons write in memory; once the first tab is gone it
// opens the saved log to write, with what the first tab wrote.

import { describe, expect, it } from "vitest";
import { accessibilityViolations, openPage, servedApp } from "./app-server.ts";

const app = servedApp();

describe("two tabs on one saved log", () => {
  it("refuses the second tab's writer, saying so, shows it the saved log read-only, and lets it write once the first tab closes", async () => {
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
    expect(await refusal.innerText()).toMatch(
      /^Another tab or window of this site is writing the IndexedDB log \(data dir loglab is in use by another writer \(loglab web app in another page or worker of this origin\) since .*\)\. Only one may write it at a time, so this tab shows the saved log read-only/,
    );
    expect(await second.page.getByTestId("storage-status").innerText()).toMatch(/^In use: Memory/);
    // The saved log, read-only: the first tab's record is there, and every control that would write it is disabled, saying why.
    await second.page.getByTestId("read-only-reason").waitFor();
    await second.page.getByRole("tab", { name: /P0/ }).click();
    await expect.poll(() => second.page.locator(".log-strip .record .value").first().innerText()).toBe("from the first tab");
    const readOnlyForm = second.page.getByRole("form", { name: "Produce to test" });
    expect(await readOnlyForm.getByRole("button", { name: "Produce" }).isDisabled()).toBe(true);
    expect(await second.page.getByRole("button", { name: "Write the talk's document log" }).isDisabled()).toBe(true);
    expect(await second.page.getByRole("form", { name: "Create a topic" }).getByRole("button", { name: "Create" }).isDisabled()).toBe(true);
    expect(await accessibilityViolations(second.page)).toEqual([]);

    await first.page.close();
    await second.page.getByLabel("Keep the log in").selectOption("indexeddb");
    await second.page.getByText("In use: IndexedDB").waitFor();
    expect(await second.page.getByTestId("read-only-reason").count()).toBe(0);
    expect(await second.page.getByRole("form", { name: "Produce to test" }).getByRole("button", { name: "Produce" }).isDisabled()).toBe(false);
    await second.page.getByRole("tab", { name: /P0/ }).click();
    await expect.poll(() => second.page.locator(".log-strip .record .value").first().innerText()).toBe("from the first tab");
    expect([...first.errors, ...second.errors]).toEqual([]);
    await first.context.close();
  });

  it("shows the second tab the saved OPFS log read-only the same way", async () => {
    const first = await openPage(app);
    await first.page.goto(`${app.baseUrl}#/log`);
    await first.page.getByText("In use: IndexedDB").waitFor();
    await first.page.getByLabel("Keep the log in").selectOption("opfs");
    await first.page.getByText("In use: OPFS").waitFor();
    const form = first.page.getByRole("form", { name: "Produce to test" });
    await form.getByLabel("Partition").selectOption("0");
    await form.getByLabel("Value").fill("saved in OPFS");
    await form.getByRole("button", { name: "Produce" }).click();
    await first.page.getByTestId("produced").filter({ hasText: "P0 at offset 0" }).waitFor();

    const second = await openPage(app, first.context); // the saved choice is OPFS here too
    await second.page.goto(`${app.baseUrl}#/log`);
    await second.page.locator(".storage [role=alert]").waitFor();
    expect(await second.page.locator(".storage [role=alert]").innerText()).toMatch(/^Another tab or window of this site is writing the OPFS log .* so this tab shows the saved log read-only/);
    await second.page.getByTestId("read-only-reason").waitFor();
    await second.page.getByRole("tab", { name: /P0/ }).click();
    await expect.poll(() => second.page.locator(".log-strip .record .value").first().innerText()).toBe("saved in OPFS");
    expect(await second.page.getByRole("form", { name: "Produce to test" }).getByRole("button", { name: "Produce" }).isDisabled()).toBe(true);
    expect([...first.errors, ...second.errors]).toEqual([]);
    await first.context.close();
  });
});
