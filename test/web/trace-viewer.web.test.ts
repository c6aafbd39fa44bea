// The scenario viewer opens the traces a terminal writes besides scenario runs: a wire trace of kafkajs talking to a
// real `serve()` that lost a Produce's answer (`loglab serve --trace`), and a user's program run under the simulator
// (`loglab sim --program … --trace`); each shows as a sequence diagram whose event list names what happened.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Kafka, logLevel } from "kafkajs";
import { describe, expect, it } from "vitest";
import { simCommand } from "../../sim/command.ts";
import { NodeFsStorage } from "../../src/storage/node-fs.ts";
import { serve } from "../../src/wire/node-server.ts";
import { accessibilityViolations, openPage, SCREENSHOTS, servedApp } from "./app-server.ts";

const app = servedApp();
const commitFirst = fileURLToPath(new URL("../sim/examples/commit-first.mjs", import.meta.url));

/** Runs an idempotent kafkajs producer against a server that loses the first Produce answer; returns the trace's text. */
async function wireTraceOfLostAnswer(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "loglab-wire-trace-"));
  const lines: string[] = [];
  const server = await serve({
    storage: new NodeFsStorage(dir), port: 0, config: { "num.partitions": "1" }, trace: (line) => lines.push(line),
    faults: { faults: [{ kind: "loseAnswer", only: ["Produce"], then: "close" }] },
  });
  try {
    const kafka = new Kafka({ clientId: "shop", brokers: [server.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 50 } });
    const producer = kafka.producer({ allowAutoTopicCreation: true, maxInFlightRequests: 1, idempotent: true });
    await producer.connect();
    await producer.send({ topic: "orders", acks: -1, messages: [{ value: "order-1" }] });
    await producer.disconnect();
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return `${lines.join("\n")}\n`;
}

const eventTexts = (page: import("playwright").Page) =>
  page.getByTestId("sequence-events").locator("li").evaluateAll((items) => items.map((li) => (li.textContent ?? "").replace(/\s+/g, " ").trim()));

describe("the scenario viewer opens program and wire traces", () => {
  it("shows a real client's wire trace with the lost answer, and a program's simulated run", async () => {
    const folder = mkdtempSync(join(tmpdir(), "loglab-viewer-"));
    try {
      const wireFile = join(folder, "serve-trace.jsonl");
      writeFileSync(wireFile, await wireTraceOfLostAnswer());
      const programFile = join(folder, "program-trace.json");
      const quiet = { line: () => {}, error: () => {} };
      expect(await simCommand(["--program", commitFirst, "--check", "at-least-once", "--seed", "3", "--trace", programFile], "loglab sim", quiet)).toBe(1);

      const { page, context, errors } = await openPage(app);
      await page.goto(`${app.baseUrl}#/scenarios`);
      await page.getByLabel(/Or open a trace/).setInputFiles(wireFile);
      await page.getByTestId("scenario-status").filter({ hasText: "Showing the trace file serve-trace.jsonl" }).waitFor({ timeout: 30_000 });
      const wireSection = page.locator('[data-trace="wire"]');
      expect(await wireSection.getByTestId("trace-summary").innerText()).toMatch(/^\d+ request\(s\), 1 injected fault\(s\)$/);
      const wireEvents = await eventTexts(page);
      const produces = wireEvents.filter((text) => /shop sends Produce v\d+ #\d+ on \d+/.test(text));
      expect(produces).toHaveLength(2);
      // The second carries the same batch (producer id and sequence): the diagram marks it as a retry.
      expect(produces[0]).toMatch(/ \(Produce orders\/0: 1 record\(s\)\)$/);
      expect(produces[1]).toMatch(/ \(retry: Produce orders\/0: 1 record\(s\)\)$/);
      expect(wireEvents.filter((text) => /Produce v\d+ #\d+ on \d+ answer is lost on the way broker → shop/.test(text))).toHaveLength(1);
      expect(wireEvents.some((text) => /fault loseAnswer Produce v\d+ #\d+ on \d+: answer lost after the request was applied; connection closed/.test(text))).toBe(true);
      // Idempotence: the retry is answered with the offset the lost answer carried; the record is stored once.
      expect(wireEvents.filter((text) => /shop receives Produce v\d+ #\d+ on \d+ answer \(offset 0\)$/.test(text))).toHaveLength(1);
      await page.screenshot({ path: `${SCREENSHOTS}/trace-viewer-wire.png`, fullPage: true });
      expect(await accessibilityViolations(page)).toEqual([]);

      await page.getByLabel(/Or open a trace/).setInputFiles(programFile);
      await page.getByTestId("scenario-status").filter({ hasText: "Showing the trace file program-trace.json" }).waitFor();
      const program = JSON.parse(readFileSync(programFile, "utf8")) as { trace: { kind: string }[] };
      const programSection = page.locator('[data-trace="program"]');
      expect(await programSection.getByTestId("trace-summary").innerText()).toBe("seed 3, checks at-least-once: BROKEN");
      const programEvents = await eventTexts(page);
      expect(programEvents).toHaveLength(program.trace.length);
      expect(programEvents.filter((text) => / sends /.test(text)).length).toBe(program.trace.filter((event) => event.kind === "send").length);
      expect(programEvents.some((text) => /\bcrash\b/.test(text))).toBe(true);
      expect(await page.locator('[data-trace="wire"]').count()).toBe(0);
      expect(errors).toEqual([]);
      await context.close();
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("says what is wrong with a file that is no trace", async () => {
    const { page, context } = await openPage(app);
    await page.goto(`${app.baseUrl}#/scenarios`);
    await page.getByLabel(/Or open a trace/).setInputFiles({ name: "bad.jsonl", mimeType: "application/json", buffer: Buffer.from('{"format":"loglab-wire-trace","version":1,"bootstrap":"x"}\n{"atMs":1}\n') });
    await expect.poll(() => page.getByRole("alert").innerText()).toBe("bad.jsonl: line 2 is not a wire trace event (atMs, type, connection)");
    await context.close();
  });
});
