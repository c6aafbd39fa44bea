// `npm run bench`: loglab's figures next to peers measured in the same run.
// `npm run bench -- --json` prints one JSON object per measurement instead.

import { benchFormat } from "./format.ts";
import { Report } from "./harness.ts";
import { benchLog } from "./log.ts";

const json = process.argv.includes("--json");
const report = new Report();
await benchFormat(report);
await benchLog(report);
console.log(json ? report.toJsonLines() : report.toTable());
