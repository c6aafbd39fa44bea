// The committed codecs are exactly what the generator makes from the vendored schemas: regenerate into a
// temporary folder and compare every file byte for byte.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const committed = join(root, "src", "wire", "generated");
const fresh = mkdtempSync(join(tmpdir(), "loglab-gen-wire-"));
afterAll(() => rmSync(fresh, { recursive: true, force: true }));

describe("npm run gen:wire", () => {
  it("regenerates src/wire/generated/ byte for byte from src/wire/schemas/", () => {
    execFileSync(process.execPath, [join(root, "scripts", "gen-wire.mjs"), "--out", fresh], { stdio: "pipe" });
    const files = readdirSync(fresh).sort();
    expect(readdirSync(committed).sort()).toEqual(files);
    expect(files.length).toBe(24);
    for (const file of files) {
      expect(readFileSync(join(committed, file), "utf8"), file).toBe(readFileSync(join(fresh, file), "utf8"));
    }
  });

  it("vendors each served API's request and response schema with its licence header", () => {
    const schemas = readdirSync(join(root, "src", "wire", "schemas")).filter((f) => f.endsWith(".json"));
    expect(schemas).toHaveLength(46);
    for (const file of schemas) {
      expect(readFileSync(join(root, "src", "wire", "schemas", file), "utf8"), file)
        .toMatch(/^\/\/ Licensed to the Apache Software Foundation \(ASF\)/);
    }
  });
});
