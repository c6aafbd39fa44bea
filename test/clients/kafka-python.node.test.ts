// kafka-python 2.0.2 against `loglab serve`: a producer with acks=all writes
// keyed records into the partitions its murmur2 partitioner picks; a group
// member consumes and commits them; a second member resumes after the commit
// with nothing to read, then seeks to the beginning and reads everything
// again. The committed offsets are read back from the data dir by loglab's
// own broker after the server stopped.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Broker, murmur2Partition, systemScheduler } from "../../src/index.ts";
import { NodeFsStorage } from "../../src/storage/node-fs.ts";
import { here, PYTHON, run, startServe } from "./harness.ts";

const PARTITIONS = 3;
const COUNT = 30;
const utf8 = new TextEncoder();

type Row = [key: string, value: string, partition: number, offset: number];
interface Roundtrip {
  produced: Row[];
  consumed: Row[];
  committed: Record<string, number>;
  resumed: Row[];
  rewound: Row[];
  api_versions: Record<string, [number, number]>;
}

let server: Awaited<ReturnType<typeof startServe>>;
let found: Roundtrip;

beforeAll(async () => {
  server = await startServe({ "num.partitions": String(PARTITIONS) });
  const out = await run(PYTHON, [here("./kafka_python_roundtrip.py"), server.bootstrap, "python-keyed", "python-group", String(COUNT)], "", 60_000);
  found = JSON.parse(out) as Roundtrip;
}, 90_000);

afterAll(async () => {
  await server?.close();
});

const sorted = (rows: readonly Row[]) => [...rows].sort((a, b) => a[2] - b[2] || a[3] - b[3]);

describe("kafka-python 2.0.2 against loglab serve", () => {
  it("produces keyed records with acks=all into murmur2's partitions, offsets 0, 1, 2 … in each", () => {
    expect(found.produced).toHaveLength(COUNT);
    for (const [key, , partition] of found.produced) expect(partition).toBe(murmur2Partition(utf8.encode(key), PARTITIONS));
    expect(new Set(found.produced.map((row) => row[2])).size).toBe(PARTITIONS);
    for (let p = 0; p < PARTITIONS; p++) {
      const offsets = found.produced.filter((row) => row[2] === p).map((row) => row[3]);
      expect(offsets).toEqual(offsets.map((_, i) => i));
    }
  });

  it("consumes every record once as a group member, in partition order", () => {
    expect(sorted(found.consumed)).toEqual(sorted(found.produced));
    for (let p = 0; p < PARTITIONS; p++) {
      const offsets = found.consumed.filter((row) => row[2] === p).map((row) => row[3]);
      expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    }
  });

  it("commits the next offset of each partition, and a later member resumes there with nothing to read", () => {
    const expected = Object.fromEntries(Array.from({ length: PARTITIONS }, (_, p) => [String(p), found.produced.filter((row) => row[2] === p).length]));
    expect(found.committed).toEqual(expected);
    expect(found.resumed).toEqual([]);
  });

  it("reads everything again after seek_to_beginning", () => {
    expect(sorted(found.rewound)).toEqual(sorted(found.produced));
  });

  it("finds the versions it needs advertised", () => {
    // Produce, Fetch, ListOffsets, Metadata, OffsetCommit, OffsetFetch, FindCoordinator, JoinGroup, Heartbeat, LeaveGroup, SyncGroup.
    for (const key of [0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14]) expect(found.api_versions[String(key)], `api ${key}`).toBeDefined();
  });

  it("leaves the committed offsets in the data dir, where loglab's broker reads them after the server stopped", async () => {
    await server.stop();
    const broker = await Broker.open({ storage: new NodeFsStorage(server.dir), scheduler: systemScheduler });
    try {
      const { partitions } = await broker.offsetFetch("python-group");
      const offsets = Object.fromEntries(partitions.map((p) => [String(p.partition), p.offset]));
      expect(partitions.every((p) => p.topic === "python-keyed" && p.error === null)).toBe(true);
      expect(offsets).toEqual(found.committed);
    } finally {
      await broker.close();
    }
  });
});
