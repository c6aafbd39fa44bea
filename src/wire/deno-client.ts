// A Kafka client transport for Deno: KafkaTransport (kafka-transport.ts) with Deno.connect sockets and the system
// scheduler, the counterpart of node-client.ts. Each read goes into fresh memory, so nothing read is overwritten.

import { systemScheduler } from "../runtime/index.ts";
import type { Dial } from "./broker-link.ts";
import { KafkaTransport, type KafkaTransportOptions } from "./kafka-transport.ts";

export { KafkaTransport, type KafkaTransportOptions } from "./kafka-transport.ts";

// The slice of Deno's API used here (the project type-checks with Node's types only).
interface DenoConn {
  read(buffer: Uint8Array): Promise<number | null>;
  write(bytes: Uint8Array): Promise<number>;
  setNoDelay(noDelay?: boolean): void;
  close(): void;
}

declare const Deno: {
  connect(options: { hostname: string; port: number; transport: "tcp" }): Promise<DenoConn>;
};

const READ_BYTES = 64 * 1024;

/** Dials host:port with Deno.connect; rejects when the connection cannot be made. */
export const denoDial: Dial = async (host, port, events) => {
  const conn = await Deno.connect({ hostname: host, port, transport: "tcp" });
  conn.setNoDelay(true);
  let closed = false;
  const close = (reason: string): void => {
    if (closed) return;
    closed = true;
    try {
      conn.close();
    } catch {
      // Already closed by the peer.
    }
    events.closed(reason);
  };
  // Writes go out one after another, in the order the transport sends them.
  let writing: Promise<void> = Promise.resolve();
  void (async () => {
    try {
      for (;;) {
        const buffer = new Uint8Array(READ_BYTES);
        const read = await conn.read(buffer);
        if (read === null) break;
        events.data(buffer.subarray(0, read));
      }
      close("connection closed");
    } catch (error) {
      close(error instanceof Error ? error.message : String(error));
    }
  })();
  return {
    write(bytes) {
      writing = writing.then(async () => {
        for (let at = 0; at < bytes.length && !closed;) at += await conn.write(bytes.subarray(at));
      }).catch((error: unknown) => close(error instanceof Error ? error.message : String(error)));
    },
    close: () => close("closed by the client"),
  };
};

/** A KafkaTransport on Deno.connect and the system clock. */
export function kafkaTransport(options: Omit<KafkaTransportOptions, "dial" | "scheduler"> & Partial<Pick<KafkaTransportOptions, "scheduler">>): KafkaTransport {
  return new KafkaTransport({ scheduler: systemScheduler, ...options, dial: denoDial });
}
