// `loglab serve`: the data dir's broker over Kafka's wire protocol, for kcat, kafkajs, librdkafka and other real
// clients, until SIGINT or SIGTERM closes it cleanly (its logs closed, its lock released).

import { parseConfigPairs } from "../log/index.ts";
import { optionalIntegerFlag, parseFlags, required } from "./flags.ts";
import { folderStorage, isDeno, type Output } from "./platform.ts";
import type { StopRequest } from "./signals.ts";

const FLAGS = {
  "data-dir": { type: "string" },
  host: { type: "string" },
  port: { type: "string" },
  config: { type: "string", multiple: true },
} as const;

const PORT_DEFAULT = 9092;

/** Serves until `stop`; prints its address, then a line per client connect, disconnect and error. */
export async function serveCommand(args: readonly string[], out: Output, stop: StopRequest): Promise<void> {
  const { values } = parseFlags("serve", args, FLAGS);
  const dataDir = required("serve", "data-dir", values["data-dir"], "DIR");
  const port = optionalIntegerFlag("port", values.port, 0, 65_535, PORT_DEFAULT);
  const config = parseConfigPairs(values.config ?? []);
  const line = (text: string): void => {
    out.line(text);
    out.flush();
  };
  // Deno's own sockets under Deno, node:net under Node.
  const { serve } = isDeno ? await import("../wire/deno-server.ts") : await import("../wire/node-server.ts");
  const server = await serve({ storage: await folderStorage(dataDir), host: values.host ?? "127.0.0.1", port, config, log: line, command: "loglab serve" });
  line(`loglab serve: listening on ${server.bootstrap}`);
  await stop.stopped;
  await server.close();
  line("loglab serve: closed cleanly");
}
