// The Node filesystem adapter against the conformance suite, in a fresh
// temporary folder per test.

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NodeFsStorage } from "../../src/storage/node-fs.ts";
import { storageConformance } from "./conformance.ts";

storageConformance("node fs", async () => {
  const root = mkdtempSync(join(tmpdir(), "loglab-storage-"));
  return { storage: new NodeFsStorage(root), reopen: async () => new NodeFsStorage(root) };
});
