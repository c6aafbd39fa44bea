// Ordinary mistakes through the real `loglab` command, in Node and in Deno:
// each ends with one line on stderr that names the flag, value, file or line,
// exit code 2 for usage and 1 otherwise, and never a stack trace.

import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cliEnv, type CliRuntime, denoBinary, repoRoot as root, runCli } from "../support/cli.ts";

type Runtime = CliRuntime;

function loglab(runtime: CliRuntime, args: string[], input: string | Uint8Array = "", env: Record<string, string> = {}) {
  return runCli(runtime, args, { input, env });
}

const folder = () => mkdtempSync(join(tmpdir(), "loglab-cli-errors-"));

/** The one-line failure every refused command ends with: the exit code, a line matching `line`, no stack trace. */
function expectOneLine(result: { status: number | null; stderr: string }, status: 1 | 2, line: RegExp): void {
  expect(result.stderr).not.toContain("    at ");
  expect(result.stderr.split("\n").filter(Boolean)).toEqual([expect.stringMatching(line)]);
  expect(result.status).toBe(status);
}

const lines = (count: number, make: (i: number) => string) => Array.from({ length: count }, (_, i) => make(i + 1));

describe.each<Runtime>(["node", "deno"])("in %s", (runtime) => {
  const run = (args: string[], input?: string | Uint8Array) => loglab(runtime, args, input);

  it("refuses integer flags that are not plain decimal integers, naming the flag and the value", () => {
    const dir = folder();
    for (const value of ["", "0x10", "1e3", " 2", "2.0", "0", "10001"]) {
      expectOneLine(run(["topics", "--data-dir", dir, "--create", "t", `--partitions=${value}`]), 2,
        new RegExp(`^usage error: --partitions must be an integer from 1 to 10000, got ${JSON.stringify(JSON.stringify(value)).slice(1, -1)}`));
    }
    expectOneLine(run(["produce", "t", "--data-dir", dir, "--partitions", "1e3"], "a"), 2, /--partitions must be an integer from 1 to 10000, got "1e3"/);
    expectOneLine(run(["consume", "t", "--data-dir", dir, "--max-messages", "1.5"]), 2, /--max-messages must be an integer from 1 to \d+, got "1.5"/);
    expectOneLine(run(["consume", "t", "--data-dir", dir, "--partition", "abc"]), 2, /--partition must be an integer from 0 to 9999, got "abc"/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("refuses extra arguments, unknown flags and flags given twice", () => {
    const dir = folder();
    expectOneLine(run(["consume", "t", "u", "--data-dir", dir]), 2, /consume: unexpected argument "u"/);
    expectOneLine(run(["topics", "--data-dir", dir, "--list", "extra"]), 2, /topics: unexpected argument "extra"/);
    expectOneLine(run(["cleanup", "--data-dir", dir, "--frobnicate"]), 2, /cleanup: Unknown option '--frobnicate'/);
    expectOneLine(run(["produce", "t", "--data-dir", dir, "--data-dir", folder()], "a"), 2, /produce: --data-dir is given more than once/);
    expectOneLine(run(["frobnicate"]), 2, /^usage error: unknown command "frobnicate" \(see "loglab help"\)$/);
  });

  it("refuses __proto__ and constructor as unknown config keys, and an unknown topic to describe", () => {
    const dir = folder();
    for (const key of ["__proto__", "constructor", "toString"]) {
      expectOneLine(run(["topics", "--data-dir", dir, "--create", "t", "--config", `${key}=1`]), 1, new RegExp(`^error: invalid config ${key}: unknown key`));
    }
    expect(run(["topics", "--data-dir", dir, "--create", "t"]).status).toBe(0);
    expectOneLine(run(["topics", "--data-dir", dir, "--describe", "--topic", "nope"]), 1, /^error: unknown topic "nope"$/);
    expect(run(["topics", "--data-dir", dir, "--describe", "--topic", "t"]).stdout).toMatch(/^Topic: t\tPartitionCount: 1/);
  });

  it("stores every line before an oversized one, then names the line, its size, the limit and the count", () => {
    const dir = folder();
    run(["topics", "--data-dir", dir, "--create", "small", "--config", "max.message.bytes=200"]);
    const input = [...lines(999, (i) => `good-${i}`), "x".repeat(300), "after-1", "after-2"].join("\n");
    const refused = run(["produce", "small", "--data-dir", dir], input);
    expectOneLine(refused, 1,
      /^error: line 1000 makes a record batch of at least 361 bytes, over max\.message\.bytes=200 of topic small; stored the 999 records before it and stopped/);
    const consumed = run(["consume", "small", "--data-dir", dir, "--from-beginning"]);
    expect(consumed.stdout.split("\n").filter(Boolean)).toEqual(lines(999, (i) => `good-${i}`));
  });

  it("skips oversized lines with --skip-oversized, saying which on stderr", () => {
    const dir = folder();
    run(["topics", "--data-dir", dir, "--create", "small", "--config", "max.message.bytes=200"]);
    // Line 2 is kept whole and measured; line 4, longer than the limit, is not even read whole.
    const skipped = run(["produce", "small", "--data-dir", dir, "--skip-oversized"], ["a", "x".repeat(150), "b", "y".repeat(5000), "c"].join("\n"));
    expect(skipped.status).toBe(0);
    expect(skipped.stderr.split("\n").filter(Boolean)).toEqual([
      "skipped line 2: its record batch of 220 bytes is over max.message.bytes=200 of topic small",
      "skipped line 4: its record batch of at least 5061 bytes is over max.message.bytes=200 of topic small",
    ]);
    expect(run(["consume", "small", "--data-dir", dir, "--from-beginning"]).stdout).toBe("a\nb\nc\n");
  });

  it("keeps input bytes as they are, invalid UTF-8 and all, and splits keys on bytes", () => {
    const dir = folder();
    const input = Uint8Array.from([0x61, 0xff, 0xfe, 0x62, 0x0d, 0x0a, 0x6b, 0xc3, 0x3a, 0x76, 0x0d, 0x76, 0x0a, 0x0a, 0x7a]);
    expect(run(["produce", "bytes", "--data-dir", dir, "--key-separator", ":"], input)).toMatchObject({ status: 0, stderr: "" });
    const records = run(["consume", "bytes", "--data-dir", dir, "--from-beginning", "--format", "json", "--encoding", "hex"]).stdout
      .trim().split("\n").map((line) => JSON.parse(line));
    // "\r\n" ends a line as readline did; a lone "\r" is a byte of the value; an empty line is an empty value.
    expect(records.map((r) => [r.key, r.value])).toEqual([[null, "61fffe62"], ["6bc3", "760d76"], [null, ""], [null, "7a"]]);
  });

  it("refuses --partitions that contradicts an existing topic", () => {
    const dir = folder();
    expect(run(["topics", "--data-dir", dir, "--create", "three", "--partitions", "3"]).status).toBe(0);
    expectOneLine(run(["produce", "three", "--data-dir", dir, "--partitions", "5"], "a"), 1, /^error: topic three has 3 partitions, not the 5 given by --partitions$/);
    expect(run(["produce", "three", "--data-dir", dir, "--partitions", "3"], "a").status).toBe(0);
  });

  it("says an offset past the log end is out of range instead of printing nothing", () => {
    const dir = folder();
    run(["produce", "t", "--data-dir", dir], "a\nb\nc");
    expectOneLine(run(["consume", "t", "--data-dir", dir, "--partition", "0", "--offset", "99"]), 1,
      /^error: offset 99 is out of range for t-0: valid offsets are 0 to 3$/);
    expect(run(["consume", "t", "--data-dir", dir, "--partition", "0", "--offset", "3"])).toMatchObject({ status: 0, stdout: "" });
    expectOneLine(run(["consume", "t", "--data-dir", dir, "--partition", "1"]), 1, /^error: unknown topic or partition t-1$/);
  });

  it("dump reads without creating anything and names a missing file", () => {
    const dir = folder();
    const missing = join(dir, "no", "such", "00000000000000000000.log");
    expectOneLine(run(["dump", missing]), 1, new RegExp(`^error: no such file or directory.*${missing.replaceAll("/", "\\/")}`));
    expect(readdirSync(dir)).toEqual([]);
  });

  it("dump exits 1 on a .log that holds no batches, reporting the invalid bytes", () => {
    const file = join(folder(), "00000000000000000000.log");
    writeFileSync(file, "this is not a log segment, just text\n");
    const dumped = run(["dump", file]);
    expect(dumped.stdout).toMatch(/Found 37 invalid bytes at the end of 00000000000000000000\.log/);
    expectOneLine(dumped, 1, /^error: .*00000000000000000000\.log: not a log segment: 37 invalid bytes/);
  });

  it("dump flags negative and out-of-range positions and offsets that do not increase in an index", () => {
    const dir = folder();
    const entries = [[0, 0], [5, -40], [5, 100], [3, 999999]];
    const index = new Uint8Array(entries.length * 8);
    const view = new DataView(index.buffer);
    entries.forEach(([offset, position], i) => {
      view.setInt32(i * 8, offset!);
      view.setInt32(i * 8 + 4, position!);
    });
    writeFileSync(join(dir, "00000000000000000100.index"), index);
    writeFileSync(join(dir, "00000000000000000100.log"), new Uint8Array(500));
    const dumped = run(["dump", join(dir, "00000000000000000100.index")]);
    expect(dumped.stdout.trim().split("\n").slice(1)).toEqual([
      "offset: 100 position: 0",
      "offset: 105 position: -40 INVALID: negative position, position not after the previous entry's",
      "offset: 105 position: 100 INVALID: offset not after the previous entry's",
      "offset: 103 position: 999999 INVALID: position past the end of the .log (500 bytes), offset not after the previous entry's",
    ]);
    expectOneLine(dumped, 1, /^error: .*00000000000000000100\.index: 3 invalid index entries \(first: entry 1: negative position, position not after the previous entry's\)$/);
  });

  it("dump flags time index entries whose timestamps or offsets go backwards", () => {
    const dir = folder();
    const entries: [bigint, number][] = [[1000n, 0], [2000n, 4], [1500n, 9], [3000n, 2]];
    const index = new Uint8Array(entries.length * 12);
    const view = new DataView(index.buffer);
    entries.forEach(([timestamp, offset], i) => {
      view.setBigInt64(i * 12, timestamp);
      view.setInt32(i * 12 + 8, offset);
    });
    writeFileSync(join(dir, "00000000000000000000.timeindex"), index);
    const dumped = run(["dump", join(dir, "00000000000000000000.timeindex")]);
    expect(dumped.stdout.trim().split("\n").slice(1)).toEqual([
      "timestamp: 1000 offset: 0",
      "timestamp: 2000 offset: 4",
      "timestamp: 1500 offset: 9 INVALID: timestamp not after the previous entry's",
      "timestamp: 3000 offset: 2 INVALID: offset lower than the previous entry's",
    ]);
    expectOneLine(dumped, 1, /00000000000000000000\.timeindex: 2 invalid index entries/);
  });

  it("prints a runtime error of the system as one line naming the path", () => {
    const dir = folder();
    mkdirSync(join(dir, "folder.log"));
    expectOneLine(run(["dump", join(dir, "folder.log")]), 1, /^error: .*(is a directory|EISDIR).*folder\.log/i);
  });
});

describe("loglab sim", () => {
  const sim = (args: string[]) => loglab("node", ["sim", ...args]);

  it("refuses a --trace path it cannot write before running, in one line", () => {
    const result = sim(["two-generals", "--seed", "1", "--trace", "/nonexistent/x.json"]);
    expectOneLine(result, 1, /^error: cannot write the trace file \/nonexistent\/x\.json: no such directory$/);
    expect(result.stdout).toBe("");
  });

  it("refuses seeds outside what the PRNG replays, and extra arguments", () => {
    for (const seed of ["100000000000000000000000", "4294967296", "1e3", "-1"]) {
      const result = sim(["two-generals", `--seed=${seed}`]);
      expect(result.status).toBe(2);
      expect(result.stderr.split("\n")[0]).toBe(`--seed must be an integer from 0 to 4294967295, got "${seed}"`);
    }
    expect(sim(["two-generals", "extra", "--seed", "1"])).toMatchObject({ status: 2, stderr: expect.stringMatching(/^unexpected argument "extra"/) });
  });

  it("refuses a schedule whose links name a client the scenario does not have, listing the valid ones", () => {
    const file = join(folder(), "schedule.json");
    writeFileSync(file, JSON.stringify({ links: { prodcuer: { loseAnswer: 0.5 } } }));
    const result = sim(["two-generals", "--seed", "1", "--schedule", file]);
    expect(result.status).toBe(2);
    expect(result.stderr.split("\n")[0]).toBe("schedule error: schedule.links.prodcuer: unknown client (valid clients: producer)");
  });
});

describe("loglab cleanup", () => {
  it("names the partition and the file of a corrupt batch it meets, in one last line", () => {
    const dir = folder();
    loglab("node", ["topics", "--data-dir", dir, "--create", "c", "--config", "cleanup.policy=compact", "--config", "segment.bytes=2000"]);
    for (let i = 0; i < 4; i++) loglab("node", ["produce", "c", "--data-dir", dir, "--key-separator", ":"], lines(100, (n) => `k:v${n}`).join("\n"));
    const segment = join(dir, "c-0", "00000000000000000000.log");
    const bytes = readFileSync(segment);
    bytes[300] = bytes[300]! ^ 0xff;
    writeFileSync(segment, bytes);
    const result = loglab("node", ["cleanup", "--data-dir", dir, "--roll"]);
    expect(result.status).toBe(1);
    expect(result.stderr).not.toContain("    at ");
    expect(result.stderr.trim().split("\n").at(-1)).toMatch(/^error: cleanup of c-0 failed: .*c-0\/00000000000000000000\.log/);
  });
});

describe("errors no command awaits", () => {
  it("end the program with one line and exit code 1, in Node and in Deno", () => {
    const script = (module: string) =>
      `import { exitOnUncaughtErrors } from ${JSON.stringify(module)};
       exitOnUncaughtErrors();
       setTimeout(() => { throw new TypeError("thrown late"); }, 10);`;
    const node = spawnSync(process.execPath, ["--input-type=module", "-e", script(join(root, "dist", "src", "cli", "failure.js"))], { encoding: "utf8" });
    expect([node.status, node.stderr]).toEqual([1, "error: TypeError: thrown late\n"]);
    const env = cliEnv;
    const denoRun = spawnSync(denoBinary, ["eval", "--config", join(root, "deno.json"), script(join(root, "src", "cli", "failure.ts"))], { encoding: "utf8", env });
    expect([denoRun.status, denoRun.stderr]).toEqual([1, "error: TypeError: thrown late\n"]);
  });
});

describe("LOGLAB_DEBUG", () => {
  it("adds the stack trace to the one line when asked", () => {
    const dir = folder();
    const result = loglab("node", ["dump", join(dir, "missing.log")], "", { LOGLAB_DEBUG: "1" });
    expect(result.status).toBe(1);
    expect(result.stderr.split("\n")[0]).toMatch(/^error: no such file or directory/);
    expect(result.stderr).toContain("    at ");
  });
});
