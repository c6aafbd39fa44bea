// `serve()` for Deno: loglab's Broker over Kafka's protocol on Deno.listen sockets, the counterpart of
// node-server.ts. Each connection gets its own Connection (connection.ts) and reads into fresh memory, since a
// request's records are views into the bytes read.

import { type FaultableWireServer, openServing, type ServeOptions, wireServer } from "./server.ts";

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
/** Answers queued for a client before its next requests wait for them to be written. */
const QUEUED_BYTES_MAX = 1024 * 1024;

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
  /** Each open connection's destroy(): closes it and wakes its loop. */
  const conns = new Map<DenoConn, () => void>();
  const served = new Set<Promise<void>>();

  const serveConn = async (conn: DenoConn): Promise<void> => {
    const peer = `${conn.remoteAddr.hostname}:${conn.remoteAddr.port}`;
    let closed = false;
    let readingAgain: () => void = () => {};
    const destroy = (): void => {
      if (closed) return;
      closed = true;
      readingAgain();
      try {
        conn.close();
      } catch {
        // Already closed by the peer.
      }
    };
    // Writes go out one after another, in the order the core sends them. Backpressure (connection.ts): over
    // QUEUED_BYTES_MAX not yet written, no request of this client starts; while requests wait, the socket is not read.
    let writing: Promise<void> = Promise.resolve();
    let queued = 0;
    let setWriteBlocked = (_blocked: boolean): void => {};
    let reading = true;
    const setReading = (value: boolean): void => {
      reading = value;
      if (value) readingAgain();
    };
    const write = (chunks: readonly Uint8Array[], written: () => void): void => {
      const size = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
      queued += size;
      if (queued > QUEUED_BYTES_MAX) setWriteBlocked(true);
      writing = writing.then(async () => {
        for (const bytes of chunks) {
          for (let at = 0; at < bytes.length && !closed;) at += await conn.write(bytes.subarray(at));
        }
      }).finally(() => {
        written();
        queued -= size;
        if (queued <= QUEUED_BYTES_MAX) setWriteBlocked(false);
      }).catch((error: unknown) => {
        log(`client ${peer} error: ${error instanceof Error ? error.message : String(error)}`);
        destroy();
      });
    };
    conns.set(conn, destroy);
    const client = { peer, host: conn.remoteAddr.hostname, write, destroy, setReading };
    const connection = serving.connect(client);
    setWriteBlocked = (blocked) => connection.setWriteBlocked(blocked);
    try {
      conn.setNoDelay(true);
      for (;;) {
        while (!reading && !closed) await new Promise<void>((resolve) => (readingAgain = resolve));
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
        const done = serveConn(conn);
        served.add(done);
        void done.finally(() => served.delete(done));
      }
    } catch {
      // The listener was closed.
    }
  })();

  return wireServer(serving, port, async () => {
    listener.close();
    for (const destroy of conns.values()) destroy();
    await accepting;
    await Promise.allSettled([...served]);
  });
}
