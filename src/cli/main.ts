#!/usr/bin/env node
// The installed `loglab` command (Node and Deno): the command line of run.ts
// as a program. Exit codes: 0 done, 1 refused or failed, 2 usage, 130 and
// 143 stopped by SIGINT and SIGTERM.

import { exitOnUncaughtErrors } from "./failure.ts";
import { main } from "./run.ts";
import { readLeftWaiting } from "./signals.ts";

exitOnUncaughtErrors();
process.exitCode = await main(process.argv.slice(2));
// A read of standard input that a signal left waiting would keep the process alive.
if (readLeftWaiting()) process.exit();
