// The loglab command line as a function: topics, produce, consume, dump,
// cleanup, check and serve, after Kafka's console tools, and the simulator's sim.
// main(argv) returns the exit code: 0 done, 1 refused or failed, 2 usage.
// src/cli/main.ts, the installed `loglab` bin, runs it as a program.

import { LogManager } from "../log/index.ts";
import { systemClock, systemRandom } from "../runtime/index.ts";
import { checkCommand } from "./check.ts";
import { cleanupCommand } from "./cleanup.ts";
import { consumeCommand } from "./consume.ts";
import { dumpCommand } from "./dump.ts";
import { reportFailure } from "./failure.ts";
import { fileSize, readFileBytes, stdinChunks } from "./input.ts";
import { folderStorage, Output, printError } from "./platform.ts";
import { produceCommand } from "./produce.ts";
import { serveCommand } from "./serve.ts";
import { SIGNAL_EXIT_CODES, untilSignalled } from "./signals.ts";
import { describeRecovery } from "./recovery-report.ts";
import { topicsCommand } from "./topics.ts";
import { USAGE, UsageError } from "./usage.ts";

/** What a command asks of the data dir: to write it (holding its lock) or only read it, and which topics' logs. */
export interface OpenRequest {
  readonly readOnly?: boolean;
  /** Only these topics' logs are opened (default: all). */
  readonly topics?: readonly string[];
}

export type OpenManager = (dataDir: string, request?: OpenRequest) => Promise<LogManager>;

/**
 * How `command` opens a data dir: by default as `defaults` say. A writer takes
 * the lock as "loglab <command>", so a second writer is refused naming it; a
 * reader creates nothing, not even a missing data dir.
 */
function managerOpener(command: string, defaults: OpenRequest = {}): OpenManager {
  return async (dataDir, request = {}) => {
    const readOnly = request.readOnly ?? defaults.readOnly ?? false;
    const topics = request.topics ?? defaults.topics;
    const manager = await LogManager.open({
      storage: await folderStorage(dataDir, { readOnly }),
      clock: systemClock,
      readOnly,
      command: `loglab ${command}`,
      onLogWarning: (warning) => printError(`warning: ${warning.message}`),
      ...(topics === undefined ? {} : { topics }),
    });
    for (const warning of manager.warnings) printError(`warning: ${warning}`);
    for (const recovery of manager.recoveries) for (const line of describeRecovery(recovery)) printError(line);
    return manager;
  };
}

/**
 * Runs a writer that takes no input (topics, cleanup) to its end even when
 * SIGINT or SIGTERM comes (a second one ends it at once): a topic is created
 * whole, and the data dir is closed cleanly, its lock released.
 */
async function finishing(command: string, work: () => Promise<unknown>, out: Output): Promise<number> {
  const { signal } = await untilSignalled(work);
  out.flush();
  if (signal === null) return 0;
  printError(`stopped by ${signal} once ${command} was done`);
  return SIGNAL_EXIT_CODES[signal];
}

async function run(argv: readonly string[]): Promise<number> {
  const [command, ...args] = argv;
  const out = new Output();
  switch (command) {
    case "topics":
      return finishing("topics", () => topicsCommand(args, managerOpener("topics"), out), out);
    case "produce": {
      const input = stdinChunks();
      const { result: stored, signal } = await untilSignalled((stop) =>
        produceCommand(args, input, managerOpener("produce"), systemClock, systemRandom, printError, stop)
      );
      if (signal === null) break;
      printError(`stopped by ${signal}: stored ${stored} record${stored === 1 ? "" : "s"}`);
      return SIGNAL_EXIT_CODES[signal];
    }
    case "consume": {
      const { result: count, signal } = await untilSignalled((stop) => consumeCommand(args, managerOpener("consume", { readOnly: true }), out, stop));
      printError(`Processed a total of ${count} messages`);
      if (signal === null) break;
      return SIGNAL_EXIT_CODES[signal];
    }
    case "serve": {
      const { signal } = await untilSignalled((stop) => serveCommand(args, out, stop));
      return signal === null ? 0 : SIGNAL_EXIT_CODES[signal];
    }
    case "dump":
      await dumpCommand(args, { read: readFileBytes, size: fileSize }, out);
      break;
    case "cleanup":
      return finishing("cleanup", () => cleanupCommand(args, managerOpener("cleanup"), out), out);
    case "check": {
      const clean = await checkCommand(args, folderStorage, systemClock, out);
      out.flush();
      return clean ? 0 : 1;
    }
    case "sim": {
      // Loaded only when asked for, so the other commands start without the simulator.
      const { simCommand } = await import("../../sim/command.ts");
      return await simCommand(args, "loglab sim");
    }
    case undefined:
    case "help":
    case "--help":
    case "-h":
      out.line(USAGE);
      break;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
  out.flush();
  return 0;
}

/**
 * Runs one command and returns its exit code. Whatever ends it early, one of
 * loglab's errors or not, is one line on stderr: 2 for usage, 1 otherwise.
 */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    return await run(argv);
  } catch (error) {
    return reportFailure(error);
  }
}
