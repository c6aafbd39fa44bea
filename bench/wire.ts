// Kafka's wire protocol on loopback. First what the wire costs loglab's own clients: the end-to-end run of e2e.ts
// (a producer and a consumer at once) over TCP to `serve()`, next to the same run in process ("in-process" is the
// peer: the ratio printed is TCP over in-process). Then `loglab serve` (on the filesystem, as users run it) fed and
// drained by librdkafka through kcat, one million 100-byte records from a file; each kcat figure is from spawning
// kcat to its exit, so librdkafka's start and metadata round trips are in it, as they are for a user.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryStorage } from "../src/index.ts";
import { NodeFsStorage } from "../src/storage/node-fs.ts";
import { kafkaTransport } from "../src/wire/node-client.ts";
import { serve } from "../src/wire/node-server.ts";
import { type BrokerPath, endToEnd, inProcessPath } from "./e2e.ts";
import type { Report } from "./harness.ts";
import { kcatConsume, kcatMissing, kcatProduce, recordFile } from "./peers.ts";

const RECORDS = 1_000_000;
const SIZE = 100;

/** A `serve()` in this process on a free loopback port, reached over TCP by loglab's Kafka transport. */
async function tcpPath(): Promise<BrokerPath> {
  const server = await serve({ storage: new MemoryStorage(), port: 0 });
  const transport = kafkaTransport({ bootstrap: server.bootstrap, fetchMaxWaitMs: 100 });
  await transport.metadata(["bench"]); // auto-creates it, one partition
  return {
    transport,
    close: async () => {
      transport.close();
      await server.close();
    },
  };
}

export async function benchWire(report: Report): Promise<void> {
  for (const acks of ["1", "all"] as const) {
    const inProcess = await endToEnd(acks, await inProcessPath());
    const tcp = await endToEnd(acks, await tcpPath());
    report.add(`wire-e2e-acks-${acks}`, "loglab", tcp.rate, "records/s");
    report.add(`wire-e2e-acks-${acks}`, "in-process", inProcess.rate, "records/s");
    report.add(`wire-e2e-acks-${acks}-latency-p50`, "loglab", tcp.p50, "ms");
    report.add(`wire-e2e-acks-${acks}-latency-p50`, "in-process", inProcess.p50, "ms");
    report.add(`wire-e2e-acks-${acks}-latency-p99`, "loglab", tcp.p99, "ms");
    report.add(`wire-e2e-acks-${acks}-latency-p99`, "in-process", inProcess.p99, "ms");
  }
  const missing = kcatMissing();
  if (missing !== null) {
    console.error(`bench wire: librdkafka rows skipped (${missing})`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "loglab-bench-wire-"));
  try {
    const file = recordFile(dir, RECORDS, SIZE);
    const server = await serve({ storage: new NodeFsStorage(join(dir, "data")), port: 0 });
    try {
      for (const acks of ["1", "all"] as const) {
        const topic = `kcat-acks-${acks}`;
        report.add(`wire-kcat-produce-100B-acks-${acks}`, "loglab", await kcatProduce(server.bootstrap, topic, file, RECORDS, acks), "records/s");
      }
      report.add("wire-kcat-consume-100B", "loglab", await kcatConsume(server.bootstrap, "kcat-acks-1", RECORDS), "records/s");
    } finally {
      await server.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
