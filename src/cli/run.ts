// The loglab command line as a function: topics, produce, consume, dump and
// cleanup, after Kafka's console tools. main(argv) returns the exit code:
// 0 done, 1 refused or failed, 2 usage. src/cli/main.ts runs it as a program.

import { LoglabError } from "../format/index.ts";
import { LogManager } from "../log/index.ts";
import { systemClock, systemRandom } from "../runtime/index.ts";
import { cleanupCommand } from "./cleanup.ts";
import { consumeCommand } from "./consume.ts";
import { dumpCommand } from "./dump.ts";
import { folderStorage, Output, printError, stdinLines } from "./platform.ts";
import { produceCommand } from "./produce.ts";
import { topicsCommand } from "./topics.ts";
import { USAGE, UsageError } from "./usage.ts";

async function openManager(dataDir: string): Promise<LogManager> {
  const manager = await LogManager.open({ storage: await folderStorage(dataDir), clock: systemClock });
  for (const recovery of manager.recoveries) {
    if (recovery.truncatedBytes > 0 || recovery.deletedSegments.length > 0) {
      const reasons = recovery.recovered.filter((r) => r.error !== null).map((r) => r.error!.message).join("; ");
      printError(
        `recovered ${recovery.topicPartition}: truncated ${recovery.truncatedBytes} bytes` +
        (recovery.deletedSegments.length > 0 ? `, deleted segments ${recovery.deletedSegments.join(", ")}` : "") +
        (reasons === "" ? "" : ` (${reasons})`),
      );
    }
  }
  return manager;
}

async function run(argv: readonly string[]): Promise<number> {
  const [command, ...args] = argv;
  const out = new Output();
  switch (command) {
    case "topics":
      await topicsCommand(args, openManager, out);
      break;
    case "produce":
      await produceCommand(args, stdinLines(), openManager, systemClock, systemRandom);
      break;
    case "consume": {
      const count = await consumeCommand(args, openManager, out);
      printError(`Processed a total of ${count} messages`);
      break;
    }
    case "dump":
      await dumpCommand(args, folderStorage, out);
      break;
    case "cleanup":
      await cleanupCommand(args, openManager, out);
      break;
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

/** Runs one command and returns its exit code; errors that are not loglab's or a usage problem are thrown. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    return await run(argv);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      printError(`${(error as Error).message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof LoglabError) {
      printError(`error: ${error.message}`);
      return 1;
    }
    throw error;
  }
}
