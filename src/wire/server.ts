// What the socket shells (node-server.ts, deno-server.ts) share: serve()'s options and result, opening the broker
// with the data dir's lock, and one Connection per client that logs why it ended.

import { Broker } from "../broker/index.ts";
import { InvalidConfigError } from "../log/index.ts";
import { systemScheduler } from "../runtime/index.ts";
import type { Storage } from "../storage/index.ts";
import { Connection } from "./connection.ts";
import { frameBytesMax } from "./framing.ts";
import { BrokerHandler } from "./handlers.ts";

export interface ServeOptions {
  readonly storage: Storage;
  /** The address to listen on and advertise (default 127.0.0.1). */
  readonly host?: string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** Broker and topic configs by Kafka name, and socket.request.max.bytes. */
  readonly config?: Readonly<Record<string, string>>;
  /** One line per client connect, disconnect and error. */
  readonly log?: (line: string) => void;
  /** Who holds the data dir's lock (default "loglab serve"). */
  readonly command?: string;
}

export interface WireServer {
  /** host:port, for a client's bootstrap.servers. */
  readonly bootstrap: string;
  readonly port: number;
  /** Stops listening, ends every connection and closes the broker's logs cleanly. */
  close(): Promise<void>;
}

const REQUEST_BYTES_KEY = "socket.request.max.bytes";

/** A client's socket as a shell sees it. */
export interface ClientSocket {
  readonly peer: string;
  write(bytes: Uint8Array): void;
  destroy(): void;
}

export interface OpenedServing {
  readonly broker: Broker;
  readonly host: string;
  readonly log: (line: string) => void;
  /** Call once the port is known: the address Metadata advertises. */
  listening(port: number): void;
  /** A new client: the Connection its bytes go to; a handler failure logs why and destroys the socket. */
  connect(socket: ClientSocket): Connection;
}

/** Opens the broker (taking the data dir's lock) and prepares the connections' handler. */
export async function openServing(options: ServeOptions): Promise<OpenedServing> {
  const host = options.host ?? "127.0.0.1";
  const log = options.log ?? ((): void => {});
  const { [REQUEST_BYTES_KEY]: requestBytesText, ...brokerConfig } = options.config ?? {};
  const requestBytesMax = requestBytesText === undefined ? frameBytesMax : Number(requestBytesText);
  if (!Number.isInteger(requestBytesMax) || requestBytesMax < 1) {
    throw new InvalidConfigError(REQUEST_BYTES_KEY, `expected an integer >= 1, got "${requestBytesText}"`);
  }
  const broker = await Broker.open({ storage: options.storage, scheduler: systemScheduler, config: brokerConfig, command: options.command ?? "loglab serve" });
  const defaultPartitions = brokerConfig["num.partitions"] === undefined ? 1 : Number(brokerConfig["num.partitions"]);
  let handler: BrokerHandler | null = null;
  return {
    broker, host, log,
    listening(port) {
      handler = new BrokerHandler({ broker, scheduler: systemScheduler, host, port, defaultPartitions });
    },
    connect(socket) {
      if (handler === null) throw new Error("connect() before listening()");
      log(`client ${socket.peer} connected`);
      const end = (reason: string): void => {
        log(`client ${socket.peer} closed: ${reason}`);
        socket.destroy();
      };
      const connection = new Connection({ handler, requestBytesMax, send: (bytes) => socket.write(bytes), onClose: end });
      return connection;
    },
  };
}
