// `loglab check`: verifies every segment and index of a data dir without
// changing anything (the storage is opened read-only, so it needs no lock and
// can run beside a writer) and prints one line per problem and a summary.

import { checkDataDir } from "../log/index.ts";
import type { Clock } from "../runtime/index.ts";
import type { Storage } from "../storage/index.ts";
import { parseFlags, required } from "./flags.ts";
import type { Output } from "./platform.ts";

const FLAGS = { "data-dir": { type: "string" } } as const;

/** Runs the check; returns whether the data dir is clean (exit 0) or has problems (exit 1). */
export async function checkCommand(
  args: readonly string[],
  openStorage: (dataDir: string, options: { readOnly: boolean }) => Promise<Storage>,
  clock: Clock,
  out: Output,
): Promise<boolean> {
  const { values } = parseFlags("check", args, FLAGS);
  const dataDir = required("check", "data-dir", values["data-dir"], "DIR");
  const storage = await openStorage(dataDir, { readOnly: true });
  try {
    const report = await checkDataDir(storage, clock);
    for (const problem of report.problems) {
      out.line(`${problem.fileName} at byte ${problem.position}: ${problem.reason} (${problem.detail})`);
    }
    const found = report.problems.length === 0 ? "no problems" : `${report.problems.length} problem${report.problems.length === 1 ? "" : "s"}`;
    out.line(`checked ${report.partitions} partitions, ${report.segments} segments, ${report.batches} batches in ${dataDir}: ${found}`);
    return report.problems.length === 0;
  } finally {
    await storage.close();
  }
}
