// What backpressure promises, for each socket shell of `serve()`: a client that sends many Fetch requests and does
// not read the answers gets only a few of them handled (the shell stops reading its requests while answers wait),
// and once it reads, every answer comes, in order and whole.

import { createConnection } from "node:net";
import { expect } from "vitest";
import { BATCH_CRC_START, encodeBatch } from "../../src/index.ts";
import { apiKeys, decodeResponseFrame, encodeRequestFrame, type FetchResponse, type ProduceResponse, readFrame } from "../../src/wire/index.ts";

const FETCHES = 300;
const VALUE_BYTES = 256 * 1024;
/** Answers the kernel's socket buffers and the shell's own high-water mark may hold: far below FETCHES. */
const HANDLED_WHILE_STALLED_MAX = 100;

/** Counts the Fetch requests a server's trace shows it handled. */
export function fetchCounter(): { trace: (line: string) => void; handled: () => number } {
  let handled = 0;
  return {
    trace: (line) => {
      const event = JSON.parse(line) as { type?: string; api?: string };
      if (event.type === "request" && event.api === "Fetch") handled++;
    },
    handled: () => handled,
  };
}

/** A raw client: collects response frames; `stall()` stops reading them, `resume()` reads again. */
function rawClient(port: number) {
  const socket = createConnection({ host: "127.0.0.1", port });
  const frames: Uint8Array[] = [];
  let buffer = new Uint8Array(0);
  socket.on("data", (chunk: Buffer) => {
    const all = new Uint8Array(buffer.length + chunk.length);
    all.set(buffer);
    all.set(chunk, buffer.length);
    let at = 0;
    for (let found = readFrame(all, at); found !== null; found = readFrame(all, at)) {
      frames.push(found.frame.slice());
      at = found.next;
    }
    buffer = all.slice(at);
  });
  socket.on("error", () => {});
  const connected = new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  return { socket, frames, connected };
}

const waitFor = async (done: () => boolean, what: string, ms = 60_000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

export async function checkBackpressure(port: number, handled: () => number): Promise<void> {
  const client = rawClient(port);
  await client.connected;
  // One batch of three 256 KiB records (under max.message.bytes): each Fetch answer carries all of it.
  const records = encodeBatch({ baseOffset: 0, records: Array.from({ length: 3 }, (_, i) => ({ key: null, value: new Uint8Array(VALUE_BYTES).fill(i), timestamp: 1 })) });
  client.socket.write(encodeRequestFrame({ apiKey: apiKeys.Produce, apiVersion: 7, correlationId: 0, clientId: "bp" }, {
    transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: "big", partitionData: [{ index: 0, records }] }],
  }));
  await waitFor(() => client.frames.length === 1, "the produce answer");
  const produced = decodeResponseFrame(apiKeys.Produce, 7, client.frames.shift()!).body as ProduceResponse;
  expect(produced.responses[0]!.partitionResponses[0]!.errorCode).toBe(0);

  client.socket.pause();
  const fetch = (correlationId: number) => encodeRequestFrame({ apiKey: apiKeys.Fetch, apiVersion: 11, correlationId, clientId: "bp" }, {
    maxWaitMs: 0, minBytes: 1, maxBytes: 4 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1, rackId: "", forgottenTopicsData: [],
    topics: [{ topic: "big", partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, logStartOffset: -1n, partitionMaxBytes: 4 << 20 }] }],
  });
  client.socket.write(Buffer.concat(Array.from({ length: FETCHES }, (_, i) => fetch(i + 1))));
  // Let the server go as far as it will while the client reads nothing.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const whileStalled = handled();
  expect(whileStalled).toBeGreaterThan(0);
  expect(whileStalled).toBeLessThan(HANDLED_WHILE_STALLED_MAX);

  client.socket.resume();
  await waitFor(() => client.frames.length === FETCHES, "every fetch answer");
  expect(handled()).toBe(FETCHES);
  client.frames.forEach((frame, i) => {
    const { header, body } = decodeResponseFrame(apiKeys.Fetch, 11, frame);
    expect(header.correlationId).toBe(i + 1);
    // The batch as stored: the broker stamps its partition leader epoch, ahead of the bytes the CRC covers.
    const fetched = (body as FetchResponse).responses[0]!.partitions[0]!.records!;
    expect(fetched.length).toBe(records.length);
    expect(Buffer.compare(fetched.subarray(BATCH_CRC_START - 4), records.subarray(BATCH_CRC_START - 4))).toBe(0);
  });
  client.socket.destroy();
}
