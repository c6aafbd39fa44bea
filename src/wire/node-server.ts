// `serve()` for Node: loglab's Broker over Kafka's protocol on node:net sockets. Each socket gets its own
// Connection (connection.ts); a request that closes one connection leaves the others serving.

import { createServer, type Socket } from "node:net";
import { type FaultableWireServer, openServing, type ServeOptions, wireServer } from "./server.ts";

export type { FaultableWireServer, ServeOptions, WireServer } from "./server.ts";
export { checkFaultSpec, type Fault, type FaultSpec, FaultSpecError, parseFaultSpec } from "./faults.ts";

export async function serve(options: ServeOptions): Promise<FaultableWireServer> {
  const serving = await openServing(options);
  const { broker, host, log } = serving;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    // Backpressure (connection.ts): while the socket's buffer is full no request of this client starts, and while
    // requests wait the socket is not read, as Kafka mutes such a channel: a slow reader cannot pile up answers here.
    let setWriteBlocked = (_blocked: boolean): void => {};
    // A frame's pieces (header bytes, then the log's record bytes, not copied) leave in one writev: cork holds them.
    // The last piece's callback comes once all of them were written, or failed, or were dropped with the socket.
    const write = (chunks: readonly Uint8Array[], written: () => void): void => {
      if (chunks.length > 1) socket.cork();
      let room = true;
      chunks.forEach((chunk, i) => {
        room = i === chunks.length - 1 ? socket.write(chunk, () => written()) : socket.write(chunk);
      });
      if (chunks.length > 1) socket.uncork();
      if (!room) setWriteBlocked(true);
    };
    socket.on("drain", () => setWriteBlocked(false));
    const setReading = (reading: boolean): void => void (reading ? socket.resume() : socket.pause());
    const client = { peer, host: socket.remoteAddress ?? "", write, destroy: () => socket.destroy(), setReading };
    const connection = serving.connect(client);
    setWriteBlocked = (blocked) => connection.setWriteBlocked(blocked);
    socket.on("data", (chunk: Buffer) => {
      const outcome = connection.receive(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
      if (outcome.kind === "close" && !socket.destroyed) {
        log(`client ${peer} closed: ${outcome.reason}`);
        socket.destroy();
      }
    });
    socket.on("error", (error) => log(`client ${peer} error: ${error.message}`));
    socket.on("close", () => {
      sockets.delete(socket);
      if (connection.closedReason === null) log(`client ${peer} disconnected`);
      serving.disconnected(client, connection.closedReason ?? "the client disconnected");
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, host, () => resolve());
    });
  } catch (error) {
    await broker.close();
    throw error;
  }
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  serving.listening(port);
  return wireServer(serving, port, async () => {
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await stopped;
  });
}
