// A live `serve()` under fire: fast-check opens connection after connection and sends each a request of any API and
// version the schemas define with random fields (unknown tagged fields included), that request cut short, one of
// its bytes changed, or random bytes behind a size prefix. Whatever arrives, the server answers or closes that one
// connection; it never throws, and a well-behaved client on a connection of its own keeps producing and consuming
// between the attacks and after them.

import { createConnection } from "node:net";
import fc from "fast-check";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryStorage } from "../../src/index.ts";
import { encodeRequestFrame, wireApisByKey } from "../../src/wire/index.ts";
import { serve, type WireServer } from "../../src/wire/node-server.ts";
import { messageArbitrary, messageCases } from "../support/wire-arbitraries.ts";

const RUNS = 250;
/** How long one attack's connection may stay open waiting for an answer (a long poll or a join may never answer). */
const ATTACK_MS = 150;

let server: WireServer;
const logLines: string[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (error: unknown): void => void unhandled.push(error);

beforeAll(async () => {
  process.on("unhandledRejection", onUnhandled);
  process.on("uncaughtException", onUnhandled);
  server = await serve({ storage: new MemoryStorage(), port: 0, config: { "group.initial.rebalance.delay.ms": "0" }, log: (line) => logLines.push(line) });
});

afterAll(async () => {
  await server?.close();
  process.off("unhandledRejection", onUnhandled);
  process.off("uncaughtException", onUnhandled);
});

const requestCases = messageCases.filter((c) => c.kind === "Request");
const apiKeyOf = (name: string): number => [...wireApisByKey.values()].find((api) => api.name === name)!.apiKey;

/** The bytes one attack sends: a whole request, a cut one, a corrupted one, or noise with a size prefix. */
const attackArbitrary = fc.constantFrom(...requestCases).chain((c) => fc.tuple(
  messageArbitrary(c.schema, c.version),
  fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  fc.constantFrom("whole", "cut", "flip", "noise"),
  fc.nat(),
  fc.uint8Array({ minLength: 1, maxLength: 64 }),
).map(([body, correlationId, how, at, noise]) => {
  const frame = encodeRequestFrame({ apiKey: apiKeyOf(c.api), apiVersion: c.version, correlationId, clientId: "fuzz" }, body);
  const label = `${c.api} v${c.version} ${how}`;
  switch (how) {
    case "whole":
      return { label, bytes: frame };
    case "cut":
      return { label, bytes: frame.subarray(0, at % frame.length) };
    case "flip": {
      const flipped = frame.slice();
      const index = 4 + (at % (frame.length - 4));
      flipped[index] = flipped[index]! ^ (1 + (at % 255));
      return { label, bytes: flipped };
    }
    default: {
      const sized = new Uint8Array(4 + noise.length);
      new DataView(sized.buffer).setInt32(0, noise.length);
      sized.set(noise, 4);
      return { label, bytes: sized };
    }
  }
}));

/** Sends `bytes` on a connection of its own, then waits for an answer, a close, or ATTACK_MS, and hangs up. */
function attack(bytes: Uint8Array): Promise<"answered" | "closed" | "silent"> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port: server.port });
    let outcome: "answered" | "closed" | "silent" = "silent";
    const timer = setTimeout(() => socket.destroy(), ATTACK_MS);
    socket.on("error", () => {});
    socket.on("data", () => {
      outcome = "answered";
      socket.destroy();
    });
    socket.on("end", () => {
      if (outcome === "silent") outcome = "closed";
    });
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(outcome);
    });
    socket.write(bytes);
  });
}

const kafka = () => new Kafka({ clientId: "well-behaved", brokers: [server.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 3 } });

/** A produce of `values` and a consume of everything in `topic` from the start, by a client that follows the rules. */
async function roundTrip(topic: string, values: readonly string[], expectTotal: number): Promise<string[]> {
  const producer = kafka().producer({ idempotent: true });
  await producer.connect();
  await producer.send({ topic, messages: values.map((value) => ({ value })) });
  await producer.disconnect();
  const consumer = kafka().consumer({ groupId: `reader-${topic}-${expectTotal}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`read ${seen.length} of ${expectTotal} records`)), 30_000);
    void consumer.run({
      eachMessage: async ({ message }) => {
        seen.push(message.value!.toString());
        if (seen.length === expectTotal) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return seen;
}

describe("a live server under random, cut and corrupted requests", () => {
  it("answers or closes each bad connection alone, never throws, and goes on serving a good client", async () => {
    expect(await roundTrip("steady", ["before"], 1)).toEqual(["before"]);
    const outcomes = { answered: 0, closed: 0, silent: 0 };
    await fc.assert(
      fc.asyncProperty(attackArbitrary, async ({ bytes }) => {
        outcomes[await attack(bytes)]++;
        expect(unhandled).toEqual([]);
      }),
      { numRuns: RUNS },
    );
    // The attacks did reach the server: some were answered, some made it close the connection.
    expect(outcomes.answered).toBeGreaterThan(0);
    expect(outcomes.closed).toBeGreaterThan(0);
    expect(logLines.some((line) => line.includes("closed:"))).toBe(true);
    expect(await roundTrip("steady", ["after"], 2)).toEqual(["before", "after"]);
    expect(unhandled).toEqual([]);
  });
});
