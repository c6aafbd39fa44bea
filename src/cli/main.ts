#!/usr/bin/env node
// The loglab command line (Node and Deno): topics, produce, consume, dump and
// cleanup, after Kafka's console tools. Exit codes: 0 done, 1 refused or failed, 2 usage.

import { exitOnUncaughtErrors } from "./failure.ts";
import { main } from "./run.ts";

exitOnUncaughtErrors();
process.exitCode = await main(process.argv.slice(2));
