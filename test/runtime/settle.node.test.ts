// In Node, settle() shares one message channel; its port must hold the
// process open while someone waits and let it exit once nobody does — a
// process that awaits settle() and then has nothing left to do ends.

import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";

const built = new URL("../../dist/src/runtime/settle.js", import.meta.url);

describe("settle() in Node", () => {
  it("keeps the process alive while waiting, and lets it exit when idle", () => {
    expect(existsSync(built), "run `npm run build` first").toBe(true);
    const script = `
      const { settle } = await import(${JSON.stringify(built.href)});
      let n = 0;
      for (let i = 0; i < 1000; i++) { await settle(); n++; }
      console.log("settled", n);
    `;
    const output = execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 10_000 });
    expect(output.trim()).toBe("settled 1000");
  });
});
