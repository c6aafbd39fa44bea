// Backpressure in the Node shell of `serve()` (node:net): see backpressure-check.ts.

import { it } from "vitest";
import { MemoryStorage } from "../../src/index.ts";
import { serve } from "../../src/wire/node-server.ts";
import { checkBackpressure, fetchCounter } from "./backpressure-check.ts";

it("stops reading a client's requests while its answers wait, then answers every one in order", async () => {
  const counter = fetchCounter();
  const server = await serve({ storage: new MemoryStorage(), port: 0, trace: counter.trace });
  try {
    await checkBackpressure(server.port, counter.handled);
  } finally {
    await server.close();
  }
}, 120_000);
