// Where produce and consume find their records: a data dir (--data-dir) or a Kafka cluster (--bootstrap), one or
// the other. A cluster is reached with loglab's Kafka wire transport on this runtime's sockets.

import type { KafkaTransport } from "../wire/index.ts";
import { parseBootstrap } from "../wire/index.ts";
import { isDeno } from "./platform.ts";
import { UsageError } from "./usage.ts";

export type RecordSource = { readonly kind: "data-dir"; readonly dataDir: string } | { readonly kind: "bootstrap"; readonly bootstrap: string };

/** request.timeout.ms for the command line: an unreachable cluster is reported within it. */
const CLI_REQUEST_TIMEOUT_MS = 15_000;

/** --data-dir DIR or --bootstrap HOST:PORT[,HOST:PORT], exactly one. */
export function recordSource(command: string, dataDir: string | undefined, bootstrap: string | undefined): RecordSource {
  if (dataDir !== undefined && bootstrap !== undefined) throw new UsageError(`${command} takes --data-dir DIR or --bootstrap HOST:PORT, not both`);
  if (dataDir !== undefined) return { kind: "data-dir", dataDir };
  if (bootstrap === undefined) throw new UsageError(`${command} needs --data-dir DIR or --bootstrap HOST:PORT[,HOST:PORT]`);
  try {
    parseBootstrap(bootstrap);
  } catch (error) {
    throw new UsageError(`--bootstrap ${error instanceof Error ? error.message.replace(/^invalid config bootstrap.servers: /, "") : String(error)}`);
  }
  return { kind: "bootstrap", bootstrap };
}

/** Flags that only mean something for a data dir: refused with --bootstrap rather than ignored. */
export function refuseWithBootstrap(command: string, source: RecordSource, given: Readonly<Record<string, unknown>>): void {
  if (source.kind !== "bootstrap") return;
  const flag = Object.keys(given).find((name) => given[name] !== undefined);
  if (flag !== undefined) throw new UsageError(`${command} --${flag} works with --data-dir only, not --bootstrap`);
}

/** A transport to the cluster; the caller closes it. */
export async function openCluster(bootstrap: string, clientId: string): Promise<KafkaTransport> {
  const { kafkaTransport } = isDeno ? await import("../wire/deno-client.ts") : await import("../wire/node-client.ts");
  return kafkaTransport({ bootstrap, clientId, requestTimeoutMs: CLI_REQUEST_TIMEOUT_MS });
}
