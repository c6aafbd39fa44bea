// The README's "Simulate your own consumer" section cannot go stale: its
// code is the example files the suite runs (billing.test.ts is one), and its
// output is what the command prints for them.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { simCommand } from "../../sim/command.ts";

const root = join(import.meta.dirname, "..", "..");
const examples = join(import.meta.dirname, "examples");
/** An example as a user writes it: importing the package, not the sources. */
const example = (name: string) => readFileSync(join(examples, name), "utf8").replace(`"../../../sim/index.ts"`, `"loglab/sim"`);

const readme = readFileSync(join(root, "README.md"), "utf8");
const section = readme.slice(readme.indexOf("## Simulate your own consumer\n"), readme.indexOf("\n## ", readme.indexOf("## Simulate your own consumer\n") + 1));
const blocks = [...section.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map(([, lang, code]) => ({ lang: lang!, code: code! }));

describe("the README's simulate section", () => {
  it("shows the example program and its Vitest test whole, and the commit-first variant as an excerpt of its file", () => {
    expect(blocks.map((b) => b.lang)).toEqual(["js", "ts", "js", "sh", "text", "ts", "ts"]);
    expect(readFileSync(join(import.meta.dirname, "search.test.ts"), "utf8")).toContain(blocks[5]!.code);
    expect(blocks[5]!.code).toMatch(/fc\.assert\(simulationProperty\(fc,/);
    // The rebalance search: its lines are the test's, and its counterexample the one the test pins.
    const rebalanceTest = readFileSync(join(import.meta.dirname, "rebalance-faults.test.ts"), "utf8");
    const [bounds, search, shrunk] = blocks[6]!.code.trim().split("\n");
    expect(rebalanceTest).toContain(bounds);
    expect(rebalanceTest).toContain(search);
    expect(rebalanceTest).toContain(`expect(replayJson(replay)).toBe('${shrunk!.replace("// found.counterexample: ", "")}');`);
    expect(example("commit-on-revoke.mjs")).toMatch(/onPartitionsRevoked[\s\S]*position\(tp\)[\s\S]*commit\(fetched\)/);
    expect(blocks[0]!.code).toBe(example("my-loop.mjs"));
    expect(blocks[1]!.code).toBe(example("billing.test.ts"));
    expect(example("commit-first.mjs")).toContain(blocks[2]!.code);
    expect(blocks[2]!.code).toMatch(/commit\([\s\S]*record\("processed"/);
  });

  it("prints what the command prints for the commit-first variant, replay line and all", async () => {
    const [command, output] = [blocks[3]!.code.trim(), blocks[4]!.code];
    expect(command).toBe("loglab sim --program ./commit-first.mjs --check at-least-once --seed 3");
    const lines: string[] = [];
    const file = join(examples, "commit-first.mjs");
    const code = await simCommand(["--program", file, "--check", "at-least-once", "--seed", "3"], "loglab sim", { line: (t) => lines.push(t), error: (t) => lines.push(t) });
    expect(code).toBe(1);
    expect(`${lines.join("\n").replaceAll(file, "./commit-first.mjs")}\n`).toBe(output);
  });
});
