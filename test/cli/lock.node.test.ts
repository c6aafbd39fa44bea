// One writer per data dir, as users meet it: real `loglab` processes in Node
// and Deno. A second writer is refused at once naming the first, which loses
// nothing; a writer killed with SIGKILL leaves a lock the next one takes
// over, saying so; readers open read-only beside a writer, create nothing
// and cut nothing.

import { type ChildProcess, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type CliRuntime, runCli, startCli, until } from "../support/cli.ts";

type Runtime = CliRuntime;

function loglab(args: string[], options: { input?: string; runtime?: Runtime; cwd?: string } = {}) {
  return runCli(options.runtime ?? "node", args, options);
}

const start = (args: string[], runtime: Runtime = "node") => startCli(runtime, args);

const folder = () => mkdtempSync(join(tmpdir(), "loglab-lock-cli-"));
const lines = (prefix: string, from: number, count: number) => Array.from({ length: count }, (_, i) => `${prefix}-${from + i}\n`).join("");
const write = (child: ChildProcess, text: string) => new Promise<void>((resolve) => child.stdin!.write(text, () => resolve()));

async function twoWriters(first: Runtime, second: Runtime): Promise<void> {
  const dir = folder();
  const holder = start(["produce", "t", "--data-dir", dir], first);
  await write(holder.child, lines("first", 0, 500));
  await until(() => existsSync(join(dir, ".lock")), "the first writer's lock");

  const refused = loglab(["produce", "t", "--data-dir", dir], { input: "second\n", runtime: second });
  expect(refused.status).toBe(1);
  expect(refused.stderr).toMatch(new RegExp(`^error: data dir ${dir} is in use by process ${holder.child.pid} \\(loglab produce\\) since \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\n$`));

  await write(holder.child, lines("first", 500, 500));
  holder.child.stdin!.end();
  expect(await holder.exit).toBe(0);
  const consumed = loglab(["consume", "t", "--data-dir", dir, "--from-beginning"]);
  expect(consumed.stdout).toBe(lines("first", 0, 1000));
  expect(existsSync(join(dir, ".lock"))).toBe(false);
}

describe("two writers on one data dir", () => {
  it("refuses the second Node produce at once with exit 1 and the holder's pid; the first loses nothing", () => twoWriters("node", "node"));

  it("refuses the second Deno produce the same way", () => twoWriters("deno", "deno"));

  it("refuses a Node produce while a Deno produce holds the data dir", () => twoWriters("deno", "node"));

  it.each(["node", "deno"] as const)("takes over the lock of a %s produce killed with SIGKILL, saying so, and keeps what it stored", async (runtime) => {
    const dir = folder();
    const killed = start(["produce", "t", "--data-dir", dir], runtime);
    await write(killed.child, lines("early", 0, 10));
    await until(() => existsSync(join(dir, ".lock")), "the lock");
    killed.child.kill("SIGKILL");
    await killed.exit;
    expect(existsSync(join(dir, ".lock"))).toBe(true); // left behind: nothing ran at exit

    const next = loglab(["produce", "t", "--data-dir", dir], { input: "late\n" });
    expect(next.status).toBe(0);
    expect(next.stderr).toMatch(new RegExp(`^warning: took over data dir ${dir} from process ${killed.child.pid} \\(loglab produce\\), which locked it at .* and is no longer running\\n`));
    expect(loglab(["consume", "t", "--data-dir", dir, "--from-beginning"]).stdout).toMatch(/late\n$/);
  });
});

describe("a stale lock", () => {
  it("is taken over by exactly one of several writers starting at once; the others are refused naming it", async () => {
    const dir = folder();
    const dead = spawnSync(process.execPath, ["-e", ""]).pid!;
    writeFileSync(join(dir, ".lock"), JSON.stringify({ pid: dead, command: "loglab produce", since: "2026-01-01T00:00:00.000Z" }));
    const writers = Array.from({ length: 4 }, () => start(["produce", "t", "--data-dir", dir]));
    const exited = new Map<number, number | null>();
    writers.forEach((writer, i) => void writer.exit.then((code) => exited.set(i, code)));
    await until(() => exited.size === writers.length - 1, "all writers but one to be refused");
    const winner = writers.findIndex((_, i) => !exited.has(i));
    expect([...exited.values()]).toEqual([1, 1, 1]);
    for (const i of exited.keys()) {
      expect(writers[i]!.output().stderr).toMatch(new RegExp(`is in use by process ${writers[winner]!.child.pid} \\(loglab produce\\)`));
    }
    // Usually the winner took the stale lock over and says so; in a close race another writer removed it first.
    expect(writers[winner]!.output().stderr).toMatch(new RegExp(`^(warning: took over data dir .* from process ${dead} .*\\n)?$`));
    writers[winner]!.child.stdin!.end("kept\n");
    expect(await writers[winner]!.exit).toBe(0);
    expect(loglab(["consume", "t", "--data-dir", dir, "--from-beginning"]).stdout).toBe("kept\n");
  });
});

describe("reading beside a writer", () => {
  it("consume during a produce reads whole batches, truncates nothing, and the producer loses nothing", async () => {
    const dir = folder();
    const producer = start(["produce", "t", "--data-dir", dir]);
    const segment = join(dir, "t-0", "00000000000000000000.log");
    // Long lines, so rounds fill the write buffers and batches reach the file while the producer runs.
    const padding = "x".repeat(100);
    const longLines = (from: number, count: number) => Array.from({ length: count }, (_, i) => `r-${from + i}-${padding}\n`).join("");
    let written = 0;
    for (let round = 0; round < 5; round++) {
      await write(producer.child, longLines(written, 20_000));
      written += 20_000;
      await until(() => existsSync(segment) && statSync(segment).size > 0, "the first batches on disk");
      const sizeBefore = statSync(segment).size;
      const during = loglab(["consume", "t", "--data-dir", dir, "--from-beginning"]);
      expect(during.status).toBe(0);
      expect(during.stderr).toMatch(/warning: the data dir was not closed cleanly .* read up to its last whole batch/);
      const read = during.stdout.split("\n").filter(Boolean);
      expect(read).toEqual(Array.from({ length: read.length }, (_, i) => `r-${i}-${padding}`)); // a prefix, in order, nothing wrong
      expect(statSync(segment).size).toBeGreaterThanOrEqual(sizeBefore); // the reader cut nothing
    }
    producer.child.stdin!.end();
    expect(await producer.exit).toBe(0);
    const after = loglab(["consume", "t", "--data-dir", dir, "--from-beginning"]);
    expect(after.stdout).toBe(longLines(0, written));
    expect(after.stderr).toBe(`Processed a total of ${written} messages\n`);
  });

  it("consume and topics --list of a missing data dir create nothing and say so", () => {
    const cwd = folder();
    for (const args of [["consume", "t", "--data-dir", "typo"], ["topics", "--list", "--data-dir", "typo"], ["topics", "--describe", "--data-dir", "typo"]]) {
      const result = loglab(args, { cwd });
      expect(result).toMatchObject({ status: 1, stdout: "", stderr: "error: no data dir typo\n" });
    }
    expect(readdirSync(cwd)).toEqual([]);
  });

  it("refuses a --data-dir that is a file in one line, for readers and writers", () => {
    const file = join(folder(), "file");
    writeFileSync(file, "x");
    for (const args of [["consume", "t", "--data-dir", file], ["produce", "t", "--data-dir", file], ["topics", "--list", "--data-dir", file]]) {
      expect(loglab(args, { input: "a\n" })).toMatchObject({ status: 1, stderr: `error: data dir ${file} is a file, not a folder\n` });
    }
  });

  it("topics --list and --describe beside a running produce change no file", async () => {
    const dir = folder();
    const producer = start(["produce", "t", "--data-dir", dir]);
    await write(producer.child, lines("x", 0, 100));
    await until(() => existsSync(join(dir, "t-0", "00000000000000000000.timeindex")), "the producer's files");
    const listing = () => readdirSync(dir, { recursive: true }).map(String).sort();
    const before = listing();
    expect(loglab(["topics", "--list", "--data-dir", dir])).toMatchObject({ status: 0, stdout: "t\n" });
    expect(loglab(["topics", "--describe", "--data-dir", dir]).stdout).toMatch(/^Topic: t\tPartitionCount: 1/);
    expect(listing()).toEqual(before);
    producer.child.stdin!.end();
    expect(await producer.exit).toBe(0);
  });
});

describe("topics --create", () => {
  it("in parallel processes: each succeeds or is refused by the lock, and no topic or config reported created is lost", async () => {
    const dir = folder();
    mkdirSync(dir, { recursive: true });
    const names = ["a", "b", "c", "d", "e", "f"];
    const runs = names.map((name) => start(["topics", "--create", name, "--data-dir", dir, "--config", "cleanup.policy=compact"]));
    for (const run of runs) run.child.stdin!.end();
    const codes = await Promise.all(runs.map((run) => run.exit));
    const created: string[] = [];
    codes.forEach((code, i) => {
      const { stdout, stderr } = runs[i]!.output();
      if (code === 0) {
        expect(stdout).toBe(`Created topic ${names[i]}.\n`);
        created.push(names[i]!);
      } else {
        expect(code).toBe(1);
        expect(stderr).toMatch(/^error: data dir .* is in use by process \d+ \(loglab topics\) since /);
      }
    });
    expect(created.length).toBeGreaterThan(0);
    const described = loglab(["topics", "--describe", "--data-dir", dir]).stdout;
    for (const name of created) expect(described).toContain(`Topic: ${name}\tPartitionCount: 1\tConfigs: cleanup.policy=compact\n`);
    expect(loglab(["topics", "--list", "--data-dir", dir]).stdout).toBe(created.sort().map((name) => `${name}\n`).join(""));
  });

  it("reports a stray folder and a nested one on stderr, and a file named x-1 refuses topic x cleanly", () => {
    const dir = folder();
    expect(loglab(["produce", "c", "--data-dir", dir], { input: "a\n" }).status).toBe(0);
    const segment = join(dir, "c-0", "00000000000000000000.log");
    for (const stray of ["foo-99999", join("c-0", "x-1")]) {
      mkdirSync(join(dir, stray));
      writeFileSync(join(dir, stray, "00000000000000000000.log"), new Uint8Array(0));
    }
    expect(existsSync(segment)).toBe(true);
    writeFileSync(join(dir, "x-1"), "not a folder");
    const listed = loglab(["topics", "--list", "--data-dir", dir]);
    expect(listed).toMatchObject({ status: 0, stdout: "c\n" });
    expect(listed.stderr).toBe(
      "warning: skipped folder c-0/x-1: partition folders sit directly in the data dir\n" +
        "warning: skipped folder foo-99999: partition 99999 is at or above the limit of 10000 partitions\n",
    );
    const create = loglab(["topics", "--create", "x", "--partitions", "3", "--data-dir", dir]);
    expect(create.status).toBe(1);
    expect(create.stderr).toMatch(/^(warning: .*\n)*error: cannot create topic x: the data dir holds a file named x-1 where its partition folder would go\n$/);
    expect(loglab(["topics", "--list", "--data-dir", dir]).stdout).toBe("c\n");
  });
});
