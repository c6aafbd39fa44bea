// src/ never imports the simulator (DESIGN.md): the package's engine must not
// depend on what tests and teaches it. `loglab sim` lives in sim/cli.ts.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const srcRoot = fileURLToPath(new URL("../../src", import.meta.url));

it("no module under src/ imports from sim/", () => {
  const files = readdirSync(srcRoot, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"));
  expect(files.length).toBeGreaterThan(50);
  const offenders = files.filter((file) => /from\s+["'][^"']*\bsim\//.test(readFileSync(join(srcRoot, file), "utf8")) ||
    /import\(\s*[^"'\s]/.test(readFileSync(join(srcRoot, file), "utf8")));
  expect(offenders).toEqual([]);
});
