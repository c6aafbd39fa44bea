// What the socket shells (node-server.ts, deno-server.ts) share: serve()'s options and result, opening the broker
// with the data dir's lock, and one Connection per client that logs why it ended, behind the fault layer
// (faults.ts) and the trace recorder (trace.ts).

import { Broker } from "../broker/index.ts";
import { InvalidConfigError } from "../log/index.ts";
import { type Scheduler, systemScheduler } from "../runtime/index.ts";
import type { Storage } from "../storage/index.ts";
import { kafkaClientHost } from "./client-host.ts";
import { Connection } from "./connection.ts";
import { FaultInjector, type FaultSpec } from "./faults.ts";
import { frameBytesMax } from "./framing.ts";
import { BrokerHandler } from "./handlers.ts";
import { WireTraceRecorder } from "./trace.ts";

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
  /** Faults to inject from the start (see faults.ts); the server's faults() replaces them. */
  readonly faults?: FaultSpec;
  /** Takes the wire trace, one JSON line at a time, its header first (see trace.ts). */
  readonly trace?: (line: string) => void;
  /** The clock and timers of the broker, the delays and the pauses (default: the system's). */
  readonly scheduler?: Scheduler;
  /**
   * Bytes the logs may hold read and checked ahead of consumers going through them in order (default
   * READ_AHEAD_BYTES_DEFAULT; 0 reads nothing ahead): a catching-up consumer's next fetch finds its batches ready.
   */
  readonly readAheadBytes?: number;
}

/** About 64 partitions' next fetch of 1 MiB. */
export const READ_AHEAD_BYTES_DEFAULT = 64 << 20;

export interface WireServer {
  /** host:port, for a client's bootstrap.servers. */
  readonly bootstrap: string;
  readonly port: number;
  /** Stops listening, ends every connection and closes the broker's logs cleanly. */
  close(): Promise<void>;
}

/** What serve() returns: a WireServer whose injected faults can be replaced while it runs. */
export interface FaultableWireServer extends WireServer {
  /** Replaces the injected faults (checked first: throws FaultSpecError) and restarts their counts and seeded draws. */
  faults(spec: FaultSpec): void;
}

const REQUEST_BYTES_KEY = "socket.request.max.bytes";

/** A client's socket as a shell sees it. */
export interface ClientSocket {
  readonly peer: string;
  /** The peer's IP address as the runtime gives it (Node's remoteAddress, Deno's remoteAddr.hostname): DescribeGroups' client host. */
  readonly host: string;
  /**
   * Writes one response frame, given in pieces that go out back to back (the records among them are not copies),
   * and calls `written` once the socket has taken them all or will never send them (it failed, or was closed).
   */
  write(chunks: readonly Uint8Array[], written: () => void): void;
  destroy(): void;
  /** Stops (false) or resumes (true) reading the socket: the connection's backpressure. */
  setReading(reading: boolean): void;
}

export interface OpenedServing {
  readonly broker: Broker;
  readonly host: string;
  readonly log: (line: string) => void;
  readonly injector: FaultInjector;
  /** Call once the port is known: the address Metadata advertises. */
  listening(port: number): void;
  /** A new client: the Connection its bytes go to; a handler failure logs why and destroys the socket. */
  connect(socket: ClientSocket): Connection;
  /** The socket `connect` was given has closed, for whatever `reason`: the trace records it. */
  disconnected(socket: ClientSocket, reason: string): void;
}

/**
 * What serve() returns in either shell once it listens on `port`. close() stops the injected faults (so no delay or
 * pause holds it up), then the shell's own sockets and listener (`stopSockets`), then the broker's logs; it runs
 * once, and every call gets the same promise.
 */
export function wireServer(serving: OpenedServing, port: number, stopSockets: () => Promise<void>): FaultableWireServer {
  let closing: Promise<void> | null = null;
  return {
    bootstrap: `${serving.host}:${port}`,
    port,
    faults(spec) {
      serving.injector.set(spec, "server.faults()");
    },
    close() {
      closing ??= (async () => {
        serving.injector.stop();
        await stopSockets();
        await serving.broker.close();
      })();
      return closing;
    },
  };
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
  const scheduler = options.scheduler ?? systemScheduler;
  let recorder: WireTraceRecorder | null = null;
  const injector = new FaultInjector({
    scheduler,
    onInjection: (injection) => {
      log(`fault ${injection.fault} (${injection.kind}) on connection ${injection.connection}, ${injection.api} v${injection.version} correlation ${injection.correlationId}: ${injection.detail}`);
      recorder?.fault(injection);
    },
  }, options.faults ?? { faults: [] }, "serve() option faults");
  const broker = await Broker.open({
    storage: options.storage, scheduler, config: brokerConfig, command: options.command ?? "loglab serve",
    readAheadBytes: options.readAheadBytes ?? READ_AHEAD_BYTES_DEFAULT,
  });
  const defaultPartitions = brokerConfig["num.partitions"] === undefined ? 1 : Number(brokerConfig["num.partitions"]);
  let handler: BrokerHandler | null = null;
  let connections = 0;
  const ids = new WeakMap<ClientSocket, number>();
  return {
    broker, host, log, injector,
    listening(port) {
      handler = new BrokerHandler({ broker, scheduler, host, port, defaultPartitions });
      if (options.trace !== undefined) recorder = new WireTraceRecorder(options.trace, () => scheduler.nowMs(), `${host}:${port}`);
    },
    connect(socket) {
      if (handler === null) throw new Error("connect() before listening()");
      const id = ++connections;
      ids.set(socket, id);
      log(`client ${socket.peer} connected (connection ${id})`);
      recorder?.connected(id, socket.peer);
      const end = (reason: string): void => {
        log(`client ${socket.peer} closed: ${reason}`);
        socket.destroy();
      };
      const faulty = injector.wrap(handler, id);
      const connection = new Connection({ handler: recorder === null ? faulty : recorder.wrap(faulty, id), requestBytesMax, sendChunks: (chunks, written) => socket.write(chunks, written), onClose: end,
        clientHost: kafkaClientHost(socket.host),
        onReadingChange: (reading) => socket.setReading(reading),
      });
      return connection;
    },
    disconnected(socket, reason) {
      const id = ids.get(socket);
      if (id === undefined) return;
      ids.delete(socket);
      recorder?.disconnected(id, socket.peer, reason);
    },
  };
}
