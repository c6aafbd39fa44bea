// The loglab CLI as a user runs it: a built `loglab` process over a data
// folder in Kafka's layout, including one holding bytes Kafka's format wrote.

import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { consistentPartition, murmur2Partition } from "../../src/index.ts";
import { fromHex } from "../support/hex.ts";
import vectors from "../vectors/record-batches.json" with { type: "json" };

// The installed `loglab` command (package.json bin).
const cli = fileURLToPath(new URL("../../dist/src/cli/main.js", import.meta.url));

function loglab(args: string[], input = "") {
  if (!existsSync(cli)) throw new Error("dist/src/cli/main.js is missing: run `npm run build` first");
  const result = spawnSync(process.execPath, [cli, ...args], { input, encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const folder = () => mkdtempSync(join(tmpdir(), "loglab-cli-"));
const jsonLines = (stdout: string) => stdout.trim().split("\n").filter(Boolean).map((line) => JSON.parse(line));

describe("loglab produce and consume", () => {
  it("routes keyed lines by Java's murmur2 and reads them back as JSON", () => {
    const dir = folder();
    const keys = Array.from({ length: 20 }, (_, i) => `user-${i}`);
    const produced = loglab(["produce", "test", "--data-dir", dir, "--partitions", "4", "--key-separator", ":"], keys.map((k) => `${k}:hello ${k}`).join("\n"));
    expect(produced).toMatchObject({ status: 0, stderr: "" });
    const consumed = loglab(["consume", "test", "--data-dir", dir, "--from-beginning", "--format", "json"]);
    expect(consumed.status).toBe(0);
    expect(consumed.stderr).toBe("Processed a total of 20 messages\n");
    const records = jsonLines(consumed.stdout);
    for (const record of records) {
      expect(record.partition).toBe(murmur2Partition(new TextEncoder().encode(record.key), 4));
      expect(record.value).toBe(`hello ${record.key}`);
      expect(record.headers).toEqual([]);
    }
    expect(records.map((r) => r.key).sort()).toEqual([...keys].sort());
  });

  it("routes by librdkafka's CRC-32 with --partitioner consistent", () => {
    const dir = folder();
    loglab(["produce", "test", "--data-dir", dir, "--partitions", "12", "--key-separator", "=", "--partitioner", "consistent"], "a=1\nfoo=2\nuser-42=3");
    for (const record of jsonLines(loglab(["consume", "test", "--data-dir", dir, "--from-beginning", "--format", "json"]).stdout)) {
      expect(record.partition).toBe(consistentPartition(new TextEncoder().encode(record.key), 12));
    }
  });

  it("writes null as null, tombstones with --null-marker, and bytes in hex or base64", () => {
    const dir = folder();
    loglab(["produce", "docs", "--data-dir", dir, "--key-separator", "|", "--null-marker", "<null>"], "foo|create\nfoo|<null>\nno key here");
    const hex = jsonLines(loglab(["consume", "docs", "--data-dir", dir, "--from-beginning", "--format", "json", "--encoding", "hex"]).stdout);
    expect(hex.map((r) => [r.offset, r.key, r.value])).toEqual([[0, "666f6f", "637265617465"], [1, "666f6f", null], [2, null, "6e6f206b65792068657265"]]);
    const base64 = jsonLines(loglab(["consume", "docs", "--data-dir", dir, "--from-beginning", "--format", "json", "--encoding", "base64"]).stdout);
    expect(base64[0].value).toBe(btoa("create"));
    expect(loglab(["consume", "docs", "--data-dir", dir, "--from-beginning"]).stdout).toBe("create\nnull\nno key here\n");
  });

  it("starts at the log end by default, at an offset of one partition, and stops at --max-messages", () => {
    const dir = folder();
    loglab(["produce", "t", "--data-dir", dir], "a\nb\nc\nd");
    expect(loglab(["consume", "t", "--data-dir", dir])).toMatchObject({ status: 0, stdout: "", stderr: "Processed a total of 0 messages\n" });
    expect(loglab(["consume", "t", "--data-dir", dir, "--partition", "0", "--offset", "2"]).stdout).toBe("c\nd\n");
    expect(loglab(["consume", "t", "--data-dir", dir, "--from-beginning", "--max-messages", "3"]).stdout).toBe("a\nb\nc\n");
  });
});

describe("loglab on a folder Kafka's format wrote", () => {
  const vector = vectors.batches.find((b) => b.name === "talk-document-log")!;

  function kafkaFolder(): string {
    const dir = folder();
    mkdirSync(join(dir, "test-0"));
    writeFileSync(join(dir, "test-0", "00000000000000000000.log"), fromHex(vector.hex));
    return dir;
  }

  it("consumes its records", () => {
    const records = jsonLines(loglab(["consume", "test", "--data-dir", kafkaFolder(), "--from-beginning", "--format", "json", "--encoding", "hex"]).stdout);
    expect(records.map((r) => [r.offset, r.timestamp, r.key, r.value])).toEqual(vector.records.map((r) => [r.offset, r.timestamp, r.key, r.value]));
  });

  it("dumps each batch and record like kafka-dump-log", () => {
    const dir = kafkaFolder();
    const dump = loglab(["dump", join(dir, "test-0", "00000000000000000000.log"), "--print-data-log"]);
    expect(dump.status).toBe(0);
    const lines = dump.stdout.trim().split("\n");
    expect(lines[1]).toBe("Starting offset: 0");
    expect(lines[2]).toContain(`baseOffset: 0 lastOffset: 3 count: 4 baseSequence: -1 lastSequence: -1 producerId: -1`);
    expect(lines[2]).toContain(`position: 0 CreateTime: ${vector.maxTimestamp} size: ${vector.hex.length / 2} magic: 2 compresscodec: none crc: ${vector.crc} isvalid: true`);
    expect(lines[3]).toBe(`| offset: 0 CreateTime: ${vector.records[0]!.timestamp} keySize: 3 valueSize: 28 sequence: -1 headerKeys: [] key: foo payload: {"op":"create","data":"..."}`);
    expect(lines[6]).toBe(`| offset: 3 CreateTime: ${vector.records[3]!.timestamp} keySize: 3 valueSize: -1 sequence: -1 headerKeys: [] key: foo payload: null`);
  });

  it("reports a corrupt tail in dump, and truncates it on open, saying what it dropped", () => {
    const dir = kafkaFolder();
    const logFile = join(dir, "test-0", "00000000000000000000.log");
    appendFileSync(logFile, fromHex("00000000000000040000005000000000ff"));
    expect(loglab(["dump", logFile])).toMatchObject({
      status: 1,
      stdout: expect.stringContaining(`Found 17 invalid bytes at the end of 00000000000000000000.log`),
      stderr: expect.stringMatching(/^error: .*00000000000000000000\.log: 17 invalid bytes at the end/),
    });
    const consumed = loglab(["consume", "test", "--data-dir", dir, "--from-beginning"]);
    expect(consumed.status).toBe(0);
    // consume opens read-only: it reads up to the damage and leaves the bytes for a writer's recovery to move.
    expect(consumed.stderr).toMatch(/recovered test-0: read test-0\/00000000000000000000\.log up to byte \d+ and left the 17 bytes after it in place/);
    expect(consumed.stdout.trim().split("\n")).toHaveLength(4);
  });

  it("dumps index entries written every index.interval.bytes", () => {
    const dir = folder();
    expect(loglab(["topics", "--data-dir", dir, "--create", "idx", "--config", "index.interval.bytes=100"]).stdout).toBe("Created topic idx.\n");
    for (let i = 0; i < 5; i++) loglab(["produce", "idx", "--data-dir", dir], Array.from({ length: 10 }, (_, j) => `value-${i}-${j}`).join("\n"));
    // Five equal batches of ten records; each after the first is past the 100-byte interval.
    const batchBytes = statSync(join(dir, "idx-0", "00000000000000000000.log")).size / 5;
    expect(batchBytes).toBeGreaterThan(100);
    const lines = loglab(["dump", join(dir, "idx-0", "00000000000000000000.index")]).stdout.trim().split("\n");
    expect(lines.slice(1)).toEqual([1, 2, 3, 4].map((batch) => `offset: ${batch * 10 + 9} position: ${batch * batchBytes}`));
  });
});

describe("loglab refuses bad input clearly", () => {
  it("exits 1 naming the rule for a bad topic name or config", () => {
    const dir = folder();
    expect(loglab(["topics", "--data-dir", dir, "--create", "bad topic"])).toMatchObject({ status: 1, stderr: expect.stringContaining("legal characters") });
    expect(loglab(["topics", "--data-dir", dir, "--create", "t", "--config", "segment.bytes=1"])).toMatchObject({
      status: 1,
      stderr: expect.stringContaining("segment.bytes: expected an integer >= 14"),
    });
  });

  it("exits 1 on a record over max.message.bytes, keeping what came before", () => {
    const dir = folder();
    loglab(["topics", "--data-dir", dir, "--create", "small", "--config", "max.message.bytes=200"]);
    const result = loglab(["produce", "small", "--data-dir", dir], `ok\n${"x".repeat(20000)}\nlater\n`);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^error: line 2 makes a record batch of at least 20061 bytes, over max\.message\.bytes=200 of topic small; stored the 1 records before it/);
    expect(loglab(["consume", "small", "--data-dir", dir, "--from-beginning"]).stdout).toBe("ok\n");
  });

  it("exits 2 for an unknown command or flag, pointing to the usage, and 1 for a missing file", () => {
    expect(loglab(["frobnicate"])).toMatchObject({ status: 2, stderr: 'usage error: unknown command "frobnicate" (see "loglab help")\n' });
    expect(loglab(["help"]).stdout).toContain("Usage:");
    expect(loglab(["consume", "t", "--data-dir", folder(), "--offset", "5"])).toMatchObject({ status: 2, stderr: expect.stringContaining("--offset N needs --partition P") });
    expect(loglab(["dump", "/nonexistent/00000000000000000000.log"])).toMatchObject({ status: 1, stderr: expect.stringContaining("no such file") });
  });
});

describe("the talk's document log through the CLI", () => {
  it("round-trips create foo, update foo, create bar, remove foo, and compacts to bar plus foo's tombstone, then to bar", () => {
    const dir = folder();
    const created = loglab(["topics", "--data-dir", dir, "--create", "documents", "--config", "cleanup.policy=compact", "--config", "delete.retention.ms=0"]);
    expect(created.status).toBe(0);
    const talk = [
      'foo|{"op":"create","data":"…"}',
      'foo|{"op":"update","data":"…"}',
      'bar|{"op":"create","data":"…"}',
      "foo|<null>",
    ].join("\n");
    expect(loglab(["produce", "documents", "--data-dir", dir, "--key-separator", "|", "--null-marker", "<null>"], talk).status).toBe(0);
    const consume = () =>
      jsonLines(loglab(["consume", "documents", "--data-dir", dir, "--from-beginning", "--format", "json"]).stdout).map((r) => [r.offset, r.key, r.value]);
    expect(consume()).toEqual([
      [0, "foo", '{"op":"create","data":"…"}'],
      [1, "foo", '{"op":"update","data":"…"}'],
      [2, "bar", '{"op":"create","data":"…"}'],
      [3, "foo", null],
    ]);

    // Nothing is cleaned while it is all in the active segment.
    expect(loglab(["cleanup", "--data-dir", dir]).stdout).toBe("documents-0: compacted 0 records to 0 (0 tombstones removed)\n");
    expect(consume()).toHaveLength(4);

    // Rolled, it compacts to bar and foo's tombstone (offsets kept); the tombstone
    // gets its delete horizon now and, with delete.retention.ms=0, goes next time.
    expect(loglab(["cleanup", "--data-dir", dir, "--roll"]).stdout).toBe("documents-0: compacted 4 records to 2 (0 tombstones removed)\n");
    expect(consume()).toEqual([[2, "bar", '{"op":"create","data":"…"}'], [3, "foo", null]]);
    expect(loglab(["cleanup", "--data-dir", dir]).stdout).toBe("documents-0: compacted 2 records to 1 (1 tombstones removed)\n");
    expect(consume()).toEqual([[2, "bar", '{"op":"create","data":"…"}']]);
  });
});

describe("loglab sim", () => {
  it("runs a simulator scenario and prints each configuration's verdict", () => {
    const { status, stdout } = loglab(["sim", "two-generals", "--seed", "1"]);
    expect(status).toBe(0);
    expect(stdout).toMatch(/two-generals \(seed 1\), with idempotence: guarantee held \(no violation\)/);
    expect(stdout).toMatch(/two-generals \(seed 1\), without idempotence: \d+ violation\(s\) — this configuration promises nothing here/);
  });

  it("exits 2 on a malformed schedule file, and the help lists the sim command", () => {
    const file = join(folder(), "schedule.json");
    writeFileSync(file, `{"fsync": {"probability": -1}}`);
    const bad = loglab(["sim", "fsync-failure", "--schedule", file]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/schedule\.fsync\.probability: expected a probability from 0 to 1, got -1/);
    expect(loglab(["help"]).stdout).toMatch(/loglab sim NAME\|all --seed N/);
  });

  it("--help names every command on a line of its own, and sim --help every scenario with what it shows", () => {
    const help = loglab(["--help"]);
    expect(help.status).toBe(0);
    for (const command of ["topics", "produce", "consume", "dump", "cleanup", "check", "sim"]) {
      expect(help.stdout).toMatch(new RegExp(`^  ${command} +\\S`, "m"));
    }
    const simHelp = loglab(["sim", "--help"]);
    expect(simHelp).toMatchObject({ status: 0, stderr: "" });
    expect(simHelp.stdout).toMatch(/^Usage: loglab sim NAME\|all --seed N/);
    expect(simHelp.stdout).toMatch(/^  two-generals +lost acknowledgements plus retries duplicate records/m);
    expect(simHelp.stdout).toMatch(/^  exactly-once +\S/m);
  });
});
