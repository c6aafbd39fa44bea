// The scenarios lesson: a scenario run in the page's worker gives the
// verdicts the simulator promises, and exactly the timeline the same
// scenario and seed give in Node (written by `sim --trace`, then opened in
// the page) — one seed, one run, in both runtimes.

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { simCommand } from "../../sim/command.ts";
import { accessibilityViolations, openPage, SCREENSHOTS, servedApp } from "./app-server.ts";

const app = servedApp();

describe("the scenarios lesson", () => {
  it("runs a scenario in the page with the verdicts and timeline Node's run wrote to its trace file", async () => {
    const { page, context, errors } = await openPage(app);
    await page.goto(`${app.baseUrl}#/scenarios?scenario=read-committed&seed=2`);
    await page.getByTestId("scenario-status").filter({ hasText: "Showing read-committed, seed 2" }).waitFor({ timeout: 30_000 });
    const committed = page.locator('[data-run="read_committed"]');
    const uncommitted = page.locator('[data-run="read_uncommitted"]');
    expect(await committed.getByTestId("verdict").innerText()).toBe("guarantee held");
    expect(await uncommitted.getByTestId("verdict").innerText()).toMatch(/^\d+ violation\(s\): this configuration promises nothing here$/);
    expect(await uncommitted.locator(".why li").allInnerTexts()).toContain("zombie/value-0 was read, but its transaction writer#1/txn-1 never committed");
    await page.getByLabel("every message in the timeline").check();
    // textContent: a closed <details> has no rendered text, but its timeline is there.
    const timelines = () => page.locator("pre.timeline").evaluateAll((pres) => pres.map((pre) => pre.textContent ?? ""));
    const inPage = await timelines();
    await page.screenshot({ path: `${SCREENSHOTS}/scenarios.png`, fullPage: true });
    expect(await accessibilityViolations(page)).toEqual([]);

    const traceFile = join(mkdtempSync(join(tmpdir(), "loglab-trace-")), "read-committed.json");
    const quiet = { line: () => {}, error: () => {} };
    expect(await simCommand(["read-committed", "--seed", "2", "--trace", traceFile], "sim", quiet)).toBe(0);
    await page.getByLabel(/Or open a trace/).setInputFiles(traceFile);
    await page.getByTestId("scenario-status").filter({ hasText: "Showing the trace file read-committed.json" }).waitFor();
    expect(await timelines()).toEqual(inPage);
    expect(inPage.length).toBe(2);
    expect(inPage[0]).toMatch(/writer#1\s+crash point transaction open \(1st time\)/);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("says what is wrong with a file that is not a trace", async () => {
    const { page, context } = await openPage(app);
    await page.goto(`${app.baseUrl}#/scenarios`);
    await page.getByLabel(/Or open a trace/).setInputFiles({ name: "notes.json", mimeType: "application/json", buffer: Buffer.from('{"runs": []}') });
    await expect.poll(() => page.getByRole("alert").innerText()).toBe(
      "notes.json: expected a JSON array of runs, as `loglab sim NAME --trace FILE` writes, a program's run " +
        "(`loglab sim --program FILE --trace FILE`) or a wire trace (`loglab serve --trace FILE`)",
    );
    await context.close();
  });
});
