// `npm run sim -- NAME|all --seed N [--schedule FILE] [--trace FILE]`: the
// simulator's command (sim/command.ts) as a program of its own.

import { simCommand } from "./command.ts";

process.exitCode = await simCommand(process.argv.slice(2));
