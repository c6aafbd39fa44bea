// Damaged data dirs through the real CLI, in Node and in Deno: a corrupt
// batch stops `consume` with the file and byte after the records before it,
// a wrong index entry costs a warning and not the records, a garbage middle
// segment is a reported gap, and `loglab check` finds each without changing
// a byte.

import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type CliRuntime, runCli } from "../support/cli.ts";

function loglab(runtime: CliRuntime, args: string[], input = "") {
  return runCli(runtime, args, { input });
}

const RECORDS = 3000;

/** A data dir holding topic c with rec-000001… (segment.bytes=20000: several segments). */
function dataDir(runtime: "node" | "deno", segmentBytes = 20_000): { dir: string; logs: string[] } {
  const dir = mkdtempSync(join(tmpdir(), "loglab-corrupt-"));
  const configs = ["--config", `segment.bytes=${segmentBytes}`, "--config", "index.interval.bytes=1024"];
  expect(loglab(runtime, ["topics", "--data-dir", dir, "--create", "c", ...configs]).status).toBe(0);
  const lines = Array.from({ length: RECORDS }, (_, i) => `rec-${String(i + 1).padStart(6, "0")}`).join("\n");
  expect(loglab(runtime, ["produce", "c", "--data-dir", dir], lines).status).toBe(0);
  const logs = readdirSync(join(dir, "c-0")).filter((name) => name.endsWith(".log")).sort();
  expect(logs.length).toBeGreaterThanOrEqual(segmentBytes < RECORDS * 10 ? 3 : 1);
  return { dir, logs };
}

function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) files.set(join(entry.parentPath, entry.name), readFileSync(join(entry.parentPath, entry.name)).toString("hex"));
  }
  return files;
}

const baseOf = (log: string) => Number(log.slice(0, 20));

for (const runtime of ["node", "deno"] as const) {
  describe(`damaged data dirs (${runtime})`, () => {
    it("consume prints the records before a corrupt batch, then names the file and byte and exits 1; check finds it and changes nothing", () => {
      const { dir, logs } = dataDir(runtime);
      const victim = join(dir, "c-0", logs[1]!);
      const bytes = readFileSync(victim);
      bytes[100]! ^= 0x01; // inside the segment's first batch, under its CRC
      writeFileSync(victim, bytes);

      const consumed = loglab(runtime, ["consume", "c", "--data-dir", dir, "--from-beginning"]);
      expect(consumed.status).toBe(1);
      expect(consumed.stdout.trim().split("\n").length).toBe(baseOf(logs[1]!));
      expect(consumed.stderr).toMatch(new RegExp(`c-0/${logs[1]!.replace(".", "\\.")} at byte 0: crc-mismatch`));
      expect(consumed.stderr).not.toMatch(/\n\s+at /); // no stack trace

      const before = snapshot(dir);
      const checked = loglab(runtime, ["check", "--data-dir", dir]);
      expect(checked.status).toBe(1);
      expect(checked.stdout).toContain(`c-0/${logs[1]} at byte 0: crc-mismatch`);
      expect(checked.stdout).toMatch(/: 1 problem\n$/);
      expect(snapshot(dir)).toEqual(before);
    });

    it("a wrong position in an .index entry costs a warning, not the records", () => {
      const { dir, logs } = dataDir(runtime, 1 << 20);
      const index = join(dir, "c-0", logs[0]!.replace(".log", ".index"));
      const entries = readFileSync(index);
      expect(entries.length).toBeGreaterThanOrEqual(24);
      entries.copy(entries, 12, 20, 24); // entry 1 points at entry 2's batch
      writeFileSync(index, entries);
      const target = entries.readInt32BE(8);

      const checked = loglab(runtime, ["check", "--data-dir", dir]);
      expect(checked.status).toBe(1);
      expect(checked.stdout).toMatch(/c-0\/00000000000000000000\.index at byte 8: index-entry-invalid/);

      const consumed = loglab(runtime, ["consume", "c", "--data-dir", dir, "--partition", "0", "--offset", String(target), "--max-messages", "2"]);
      expect(consumed.status).toBe(0);
      expect(consumed.stdout).toBe(`rec-${String(target + 1).padStart(6, "0")}\nrec-${String(target + 2).padStart(6, "0")}\n`);
      expect(consumed.stderr).toMatch(/warning: index entry for offset \d+ points at byte \d+/);
    });

    it("a garbage middle segment after a clean shutdown is a reported gap; its neighbours and later writes stay readable", () => {
      const { dir, logs } = dataDir(runtime);
      const victim = join(dir, "c-0", logs[1]!);
      writeFileSync(victim, Buffer.alloc(readFileSync(victim).length, 0x5a));

      const consumed = loglab(runtime, ["consume", "c", "--data-dir", dir, "--from-beginning"]);
      const [gapFrom, gapTo] = [baseOf(logs[1]!), baseOf(logs[2]!)];
      expect(consumed.stderr).toContain(`offsets ${gapFrom} to ${gapTo - 1} are missing`);
      expect(consumed.stdout.trim().split("\n").length).toBe(RECORDS - (gapTo - gapFrom));
      // Every record it could read is printed, and then the missing offsets end it with exit 1 so a script notices.
      expect(consumed.status).toBe(1);
      expect(consumed.stderr).toMatch(new RegExp(
        `\nerror: read past missing offsets ${gapFrom} to ${gapTo - 1} of c-0 \\(c-0/${logs[1]!.replace(".", "\\.")} is damaged from byte 0: truncated-batch\\)\n$`,
      ));
      // A range that skips nothing ends as usual: before the gap, and after it.
      const before = loglab(runtime, ["consume", "c", "--data-dir", dir, "--partition", "0", "--offset", "0", "--max-messages", String(gapFrom)]);
      expect(before.status).toBe(0);
      expect(before.stdout.trim().split("\n")).toHaveLength(gapFrom);
      const after = loglab(runtime, ["consume", "c", "--data-dir", dir, "--partition", "0", "--offset", String(gapTo)]);
      expect(after.status).toBe(0);
      expect(after.stdout.trim().split("\n")).toHaveLength(RECORDS - gapTo);
      // Starting inside the gap skips its rest.
      expect(loglab(runtime, ["consume", "c", "--data-dir", dir, "--partition", "0", "--offset", String(gapFrom + 1), "--max-messages", "1"]).status).toBe(1);
      expect(loglab(runtime, ["produce", "c", "--data-dir", dir], "after").status).toBe(0);
      expect(loglab(runtime, ["consume", "c", "--data-dir", dir, "--from-beginning"]).stdout).toMatch(/rec-003000\nafter\n$/);
      expect(readFileSync(victim).every((b) => b === 0x5a)).toBe(true);
      expect(loglab(runtime, ["check", "--data-dir", dir]).stdout).toContain(`c-0/${logs[1]} at byte 0: truncated-batch`);
    });

    it("after an unclean stop a writer cuts at a garbage segment and moves it and every later segment to the quarantine", () => {
      const { dir, logs } = dataDir(runtime);
      const victim = join(dir, "c-0", logs[1]!);
      const size = readFileSync(victim).length;
      writeFileSync(victim, Buffer.alloc(size, 0x5a));
      const later = readFileSync(join(dir, "c-0", logs[2]!));
      rmSync(join(dir, ".loglab_cleanshutdown"), { force: true });
      rmSync(join(dir, "recovery-point-offset-checkpoint"), { force: true });

      const produced = loglab(runtime, ["produce", "c", "--data-dir", dir], "after");
      expect(produced.status).toBe(0);
      expect(produced.stderr).toContain(`moved bytes 0-${size} of c-0/${logs[1]} to c-0.quarantine/${logs[1]}.0-${size}.truncated-batch.`);
      const quarantine = readdirSync(join(dir, "c-0.quarantine"));
      expect(quarantine.filter((name) => name.startsWith(logs[2]!))).toHaveLength(1);
      expect(readFileSync(join(dir, "c-0.quarantine", quarantine.find((name) => name.startsWith(logs[2]!))!))).toEqual(later);
      const consumed = loglab(runtime, ["consume", "c", "--data-dir", dir, "--from-beginning"]);
      expect(consumed.stdout.trim().split("\n")).toHaveLength(baseOf(logs[1]!) + 1);
      expect(consumed.stdout).toMatch(/\nafter\n$/);
      expect(loglab(runtime, ["topics", "--data-dir", dir, "--list"]).stdout).toBe("c\n");
    });

    it("check of an intact data dir says so and exits 0", () => {
      const { dir } = dataDir(runtime);
      const checked = loglab(runtime, ["check", "--data-dir", dir]);
      expect(checked).toMatchObject({ status: 0, stderr: "" });
      expect(checked.stdout).toMatch(/^checked 1 partitions, \d+ segments, \d+ batches in .*: no problems\n$/);
    });
  });
}
