// Ctrl-C and SIGTERM, as users send them to real `loglab` processes in Node
// and Deno: produce stops taking input, stores every line it has read (an
// unfinished last line is not a record), closes the data dir cleanly (no lock
// left, no recovery at the next open) and exits 130 or 143 saying how many
// records it stored; consume just stops; topics --create finishes the topic
// first.

import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, startCli, until } from "../support/cli.ts";

const start = startCli;

/** Bytes process `pid` has read so far, from any file (Linux's /proc/PID/io). */
const bytesRead = (pid: number) => Number(/^rchar: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, "utf8"))![1]);

const lines = (prefix: string, from: number, count: number) => Array.from({ length: count }, (_, i) => `${prefix}-${from + i}\n`).join("");
/** More than the data dir's own small files that opening it reads after taking the lock. */
const METADATA_BYTES_MAX = 16 * 1024;

describe.each(["node", "deno"] as const)("%s loglab", (runtime) => {
  it.each([["SIGINT", 130], ["SIGTERM", 143]] as const)("produce stopped by %s stores every line it read, releases the lock and exits %i", async (signal, code) => {
    const dir = mkdtempSync(join(tmpdir(), "loglab-signal-"));
    const producer = start(runtime, ["produce", "t", "--data-dir", dir]);
    await until(() => existsSync(join(dir, ".lock")), "the producer's lock");
    const before = bytesRead(producer.child.pid!);
    // Whole lines, padding past what opening the data dir may still read, and a line the signal cuts short.
    const input = lines("rec", 0, 3000) + lines("pad", 0, METADATA_BYTES_MAX / 8) + "unfinished";
    producer.child.stdin!.write(input);
    await until(() => bytesRead(producer.child.pid!) - before >= Buffer.byteLength(input), "the producer to read its input");
    producer.child.kill(signal);

    expect(await producer.exit).toBe(code);
    const stored = lines("rec", 0, 3000) + lines("pad", 0, METADATA_BYTES_MAX / 8);
    const count = stored.split("\n").length - 1;
    expect(producer.output()).toEqual({ stdout: "", stderr: `stopped by ${signal}: stored ${count} records\n` });
    expect(existsSync(join(dir, ".lock"))).toBe(false);
    expect(existsSync(join(dir, ".loglab_cleanshutdown"))).toBe(true);
    // Every record is readable, and opening needs no recovery: nothing but the count on stderr.
    expect(runCli(runtime, ["consume", "t", "--data-dir", dir, "--from-beginning"])).toEqual({
      status: 0, stdout: stored, stderr: `Processed a total of ${count} messages\n`,
    });
    expect(runCli(runtime, ["produce", "t", "--data-dir", dir], { input: "next\n" })).toEqual({ status: 0, stdout: "", stderr: "" });
  });

  it("consume stopped by SIGINT while its reader is stalled exits 130 after the records it printed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "loglab-signal-"));
    const padding = "x".repeat(200);
    const total = 50_000;
    expect(runCli(runtime, ["produce", "t", "--data-dir", dir], { input: lines(`r-${padding}`, 0, total) }).status).toBe(0);
    const consumer = start(runtime, ["consume", "t", "--data-dir", dir, "--from-beginning"]);
    await until(() => consumer.output().stdout.length > 0, "the first records");
    // Its reader stalls: it waits for the pipe to drain (a signal must still stop it).
    consumer.child.stdout!.pause();
    consumer.child.kill("SIGINT");
    consumer.child.stdout!.resume();
    expect(await consumer.exit).toBe(130);
    const { stdout, stderr } = consumer.output();
    const printed = stdout.split("\n").filter(Boolean);
    expect(printed.length).toBeGreaterThan(0);
    expect(printed.length).toBeLessThan(total);
    expect(printed).toEqual(lines(`r-${padding}`, 0, printed.length).split("\n").filter(Boolean));
    expect(stderr).toBe(`Processed a total of ${printed.length} messages\n`);
  });

  it("topics --create stopped by SIGTERM creates the whole topic first, then releases the lock and exits 143", async () => {
    const dir = mkdtempSync(join(tmpdir(), "loglab-signal-"));
    const creator = start(runtime, ["topics", "--create", "wide", "--partitions", "10000", "--data-dir", dir]);
    await until(() => existsSync(join(dir, ".lock")), "the lock");
    creator.child.kill("SIGTERM");
    expect(await creator.exit).toBe(143);
    expect(creator.output()).toEqual({ stdout: "Created topic wide.\n", stderr: "stopped by SIGTERM once topics was done\n" });
    expect(existsSync(join(dir, ".lock"))).toBe(false);
    expect(readdirSync(dir).filter((name) => name.startsWith("wide-"))).toHaveLength(10_000);
    expect(runCli(runtime, ["topics", "--describe", "--topic", "wide", "--data-dir", dir])).toMatchObject({
      status: 0, stdout: expect.stringMatching(/^Topic: wide\tPartitionCount: 10000\t/), stderr: "",
    });
  });
});
