// `loglab serve`: the data dir's broker over Kafka's wire protocol, for kcat, kafkajs, librdkafka and other real
// clients, until SIGINT or SIGTERM closes it cleanly (its logs closed, its lock released). --faults injects the
// faults of a JSON file (src/wire/faults.ts); --trace writes every request, response and fault as JSON Lines.

import { closeSync, openSync, readFileSync, writeSync } from "node:fs";

import { parseConfigPairs } from "../log/index.ts";
import { type FaultSpec, FaultSpecError, parseFaultSpec } from "../wire/index.ts";
import { optionalIntegerFlag, parseFlags, required } from "./flags.ts";
import { folderStorage, isDeno, type Output } from "./platform.ts";
import type { StopRequest } from "./signals.ts";
import { UsageError } from "./usage.ts";

const FLAGS = {
  "data-dir": { type: "string" },
  host: { type: "string" },
  port: { type: "string" },
  config: { type: "string", multiple: true },
  faults: { type: "string" },
  trace: { type: "string" },
} as const;

const PORT_DEFAULT = 9092;

/** Serves until `stop`; prints its address, then a line per client connect, disconnect and error. */
export async function serveCommand(args: readonly string[], out: Output, stop: StopRequest): Promise<void> {
  const { values } = parseFlags("serve", args, FLAGS);
  const dataDir = required("serve", "data-dir", values["data-dir"], "DIR");
  const port = optionalIntegerFlag("port", values.port, 0, 65_535, PORT_DEFAULT);
  const config = parseConfigPairs(values.config ?? []);
  const faults = values.faults === undefined ? undefined : readFaults(values.faults);
  // Opened before serving, so a trace file that cannot be written fails at once.
  const trace = values.trace === undefined ? undefined : openSync(values.trace, "w");
  let tracing = trace !== undefined;
  const line = (text: string): void => {
    out.line(text);
    out.flush();
  };
  // Deno's own sockets under Deno, node:net under Node.
  const { serve } = isDeno ? await import("../wire/deno-server.ts") : await import("../wire/node-server.ts");
  try {
    const server = await serve({
      storage: await folderStorage(dataDir), host: values.host ?? "127.0.0.1", port, config, log: line, command: "loglab serve",
      ...(faults === undefined ? {} : { faults }),
      ...(trace === undefined ? {} : { trace: (json: string) => { if (tracing) writeSync(trace, `${json}\n`); } }),
    });
    line(`loglab serve: listening on ${server.bootstrap}${faults === undefined ? "" : `, injecting ${faults.faults.length} fault(s) from ${values.faults}`}`);
    await stop.stopped;
    await server.close();
  } finally {
    tracing = false;
    if (trace !== undefined) closeSync(trace);
  }
  line("loglab serve: closed cleanly");
}

/** Reads and checks a --faults file; a file that breaks the format is a usage error naming the file and the path. */
function readFaults(file: string): FaultSpec {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read the faults file ${file}: ${(error as Error).message}`);
  }
  try {
    return parseFaultSpec(text, file);
  } catch (error) {
    if (error instanceof FaultSpecError) throw new UsageError(error.message);
    throw error;
  }
}
