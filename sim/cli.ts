#!/usr/bin/env node
// The installed `loglab` command: `loglab sim …` runs the simulator, every
// other command goes to the command line in src/cli unchanged. It lives in
// sim/ because src/ never imports the simulator.

import { exitOnUncaughtErrors } from "../src/cli/failure.ts";
import { main } from "../src/cli/run.ts";
import { simCommand } from "./command.ts";

const SIM_USAGE = `
  loglab sim NAME|all --seed N [--schedule FILE] [--trace FILE]
                 runs a simulator scenario; "loglab sim" alone lists them`;

exitOnUncaughtErrors();
const argv = process.argv.slice(2);
const [command, ...rest] = argv;
if (command === "sim") {
  process.exitCode = await simCommand(rest, "loglab sim");
} else {
  process.exitCode = await main(argv);
  if (command === undefined || ["help", "--help", "-h"].includes(command)) console.log(SIM_USAGE);
}
