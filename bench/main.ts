// `npm run bench`: loglab's figures next to peers measured in the same run.
//   --json          one JSON object per measurement instead of a table
//   --only format   only the format benchmarks (or: --only log, --only e2e, --only sim, --only resources, --only wire, --only kafka)
//   --rows a,b      kafka only: just the rows whose name holds one of these words (`--rows consume`,
//                   `--rows java-produce-100B`); a consume row still produces the records it reads, unmeasured

import { benchEndToEnd } from "./e2e.ts";
import { benchFormat } from "./format.ts";
import { benchKafka } from "./kafka.ts";
import { Report } from "./harness.ts";
import { benchLog } from "./log.ts";
import { benchResources } from "./resources.ts";
import { benchSimulator } from "./sim.ts";
import { benchWire } from "./wire.ts";

const suites = { format: benchFormat, log: benchLog, e2e: benchEndToEnd, sim: benchSimulator, resources: benchResources, wire: benchWire, kafka: benchKafka } as const;
const args = process.argv.slice(2);
const json = args.includes("--json");
const only = args.includes("--only") ? args[args.indexOf("--only") + 1] : undefined;
const rows = args.includes("--rows") ? args[args.indexOf("--rows") + 1]?.split(",") : undefined;
if (only !== undefined && !(only in suites)) {
  console.error(`--only takes one of ${Object.keys(suites).join(", ")}, got ${only}`);
  process.exit(2);
}
const report = new Report();
for (const [name, run] of Object.entries(suites)) {
  if (only === undefined || only === name) await run(report, { rows });
}
console.log(json ? report.toJsonLines() : report.toTable());
