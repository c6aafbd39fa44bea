// `serve()` for Deno: loglab's Broker over Kafka's protocol on Deno.listen sockets, the counterpart of
// node-server.ts. Each connection gets its own Connection (connection.ts) and reads into fresh memory, since a
// request's records are views into the bytes read.

import { type FaultableWireServer, openServing, type ServeOptions } from "./server.ts";

export type { FaultableWireServer, ServeOptions, WireServer } from "./server.ts";
export { checkFaultSpec, type Fault, type FaultSpec, FaultSpecError, parseFaultSpec } from "./faults.ts";

// The slice of Deno's API used here (the project type-checks with Node's types only).
interface DenoConn {
  readonly remoteAddr: { readonly hostname: string; readonly port: number };
  read(buffer: Uint8Array): Promise<number | null>;
  write(bytes: Uint8Array): Promise<number>;
  setNoDelay(noDelay?: boolean): void;
  close(): void;
}

interface DenoListener extends AsyncIterable<DenoConn> {
  readonly addr: { readonly hostname: string; readonly port: number };
  close(): void;
}

declare const Deno: {
  listen(options: { hostname: string; port: number; transport: "tcp" }): DenoListener;
};

const READ_BYTES = 64 * 1024;

export async function serve(options: ServeOptions): Promise<FaultableWireServer> {
  const serving = await openServing(options);
  const { broker, host, log } = serving;
  let listener: DenoListener;
  try {
    listener = Deno.listen({ hostname: host, port: options.port ?? 0, transport: "tcp" });
  } catch (error) {
    await broker.close();
    throw error;
  }
  const port = listener.addr.port;
  serving.listening(port);
  const conns = new Set<DenoConn>();
  const served = new Set<Promise<void>>();

  const serveConn = async (conn: DenoConn): Promise<void> => {
    const peer = `${conn.remoteAddr.hostname}:${conn.remoteAddr.port}`;
    let closed = false;
    const destroy = (): void => {
      if (closed) return;
      closed = true;
      try {
        conn.close();
      } catch {
        // Already closed by the peer.
      }
    };
    // Writes go out one after another, in the order the core sends them.
    let writing: Promise<void> = Promise.resolve();
    const write = (bytes: Uint8Array): void => {
      writing = writing.then(async () => {
        for (let at = 0; at < bytes.length && !closed;) at += await conn.write(bytes.subarray(at));
      }).catch((error: unknown) => {
        log(`client ${peer} error: ${error instanceof Error ? error.message : String(error)}`);
        destroy();
      });
    };
    const client = { peer, write, destroy };
    const connection = serving.connect(client);
    try {
      conn.setNoDelay(true);
      for (;;) {
        const buffer = new Uint8Array(READ_BYTES);
        const read = await conn.read(buffer);
        if (read === null) break;
        const outcome = connection.receive(buffer.subarray(0, read));
        if (outcome.kind === "close") {
          log(`client ${peer} closed: ${outcome.reason}`);
          break;
        }
      }
      if (connection.closedReason === null && !closed) log(`client ${peer} disconnected`);
    } catch (error) {
      if (!closed) log(`client ${peer} error: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      await writing;
      destroy();
      conns.delete(conn);
      serving.disconnected(client, connection.closedReason ?? "the client disconnected");
    }
  };

  const accepting = (async () => {
    try {
      for await (const conn of listener) {
        conns.add(conn);
        const done = serveConn(conn);
        served.add(done);
        void done.finally(() => served.delete(done));
      }
    } catch {
      // The listener was closed.
    }
  })();

  let closing: Promise<void> | null = null;
  return {
    bootstrap: `${host}:${port}`,
    port,
    faults(spec) {
      serving.injector.set(spec, "server.faults()");
    },
    close() {
      closing ??= (async () => {
        serving.injector.stop();
        listener.close();
        for (const conn of conns) {
          try {
            conn.close();
          } catch {
            // Already closed.
          }
        }
        await accepting;
        await Promise.allSettled([...served]);
        await broker.close();
      })();
      return closing;
    },
  };
}
