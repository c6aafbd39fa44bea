// A Kafka client transport for Node: KafkaTransport (kafka-transport.ts) with node:net sockets and the system
// scheduler. Each socket delivers its bytes as they are read; the transport keeps its own copies.

import { connect } from "node:net";
import { systemScheduler } from "../runtime/index.ts";
import type { Dial } from "./broker-link.ts";
import { KafkaTransport, type KafkaTransportOptions } from "./kafka-transport.ts";

export { KafkaTransport, type KafkaTransportOptions } from "./kafka-transport.ts";

/** Dials host:port with node:net; rejects with the socket's error when the connection cannot be made. */
export const nodeDial: Dial = (host, port, events) => new Promise((resolve, reject) => {
  const socket = connect({ host, port, noDelay: true });
  let open = false;
  socket.once("connect", () => {
    open = true;
    resolve({ write: (bytes) => void socket.write(bytes), close: () => socket.destroy() });
  });
  socket.on("data", (chunk: Buffer) => events.data(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length)));
  socket.on("error", (error) => {
    if (!open) reject(error);
  });
  socket.on("close", () => {
    if (open) events.closed("connection closed");
  });
});

/** A KafkaTransport on node:net and the system clock. */
export function kafkaTransport(options: Omit<KafkaTransportOptions, "dial" | "scheduler"> & Partial<Pick<KafkaTransportOptions, "scheduler">>): KafkaTransport {
  return new KafkaTransport({ scheduler: systemScheduler, ...options, dial: nodeDial });
}
