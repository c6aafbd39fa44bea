// The IndexedDB adapter on Chromium's real IndexedDB: a database per test,
// deleted at the end of the run. A reopen is a new connection to the same
// database after the old one closed.

import { deleteDB } from "idb";
import { afterAll } from "vitest";
import { IndexedDbStorage } from "../../src/storage/indexeddb.ts";
import { logConformance } from "../log/log-conformance.ts";
import { storageConformance } from "./conformance.ts";
import { type FreshDatabase, indexedDbCases } from "./indexeddb-cases.ts";

const databases: string[] = [];
function freshDatabase(): FreshDatabase {
  const databaseName = `loglab-test-${crypto.randomUUID()}`;
  databases.push(databaseName);
  return { databaseName, indexedDB };
}

// Connections a test left open close themselves when a deletion asks them to.
afterAll(() => Promise.all(databases.map((name) => deleteDB(name))));

storageConformance("indexeddb", async () => {
  const { databaseName } = freshDatabase();
  return { storage: await IndexedDbStorage.open(databaseName), reopen: () => IndexedDbStorage.open(databaseName) };
});

indexedDbCases(freshDatabase);

logConformance("indexeddb", async () => {
  const { databaseName } = freshDatabase();
  return { storage: await IndexedDbStorage.open(databaseName), reopen: () => IndexedDbStorage.open(databaseName) };
});
