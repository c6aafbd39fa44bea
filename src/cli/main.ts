#!/usr/bin/env node
// The loglab command line (Node and Deno): topics, produce, consume, dump and
// cleanup, after Kafka's console tools. Exit codes: 0 done, 1 refused or failed, 2 usage.

import { main } from "./run.ts";

process.exitCode = await main(process.argv.slice(2));
