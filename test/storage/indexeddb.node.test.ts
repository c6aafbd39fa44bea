// The IndexedDB adapter in Node, over fake-indexeddb: a fresh in-memory
// IndexedDB per test. idb recognises IndexedDB objects by the global IDB
// classes, so the "auto" entry point installs fake-indexeddb's as globals.

import "fake-indexeddb/auto";
import { IDBFactory } from "fake-indexeddb";
import { IndexedDbStorage } from "../../src/storage/indexeddb.ts";
import { logConformance } from "../log/log-conformance.ts";
import { storageConformance } from "./conformance.ts";
import { type FreshDatabase, indexedDbCases } from "./indexeddb-cases.ts";

const freshDatabase = (): FreshDatabase => ({ databaseName: "loglab", indexedDB: new IDBFactory() });

storageConformance("indexeddb (fake-indexeddb)", async () => {
  const { databaseName, indexedDB } = freshDatabase();
  return {
    storage: await IndexedDbStorage.open(databaseName, { indexedDB }),
    reopen: () => IndexedDbStorage.open(databaseName, { indexedDB }),
  };
});

// Small chunks put many chunk boundaries in the way of every read, append and truncate.
storageConformance("indexeddb (fake-indexeddb, 1000-byte chunks)", async () => {
  const { databaseName, indexedDB } = freshDatabase();
  return {
    storage: await IndexedDbStorage.open(databaseName, { indexedDB, chunkBytes: 1000 }),
    reopen: () => IndexedDbStorage.open(databaseName, { indexedDB, chunkBytes: 1000 }),
  };
});

indexedDbCases(freshDatabase);

logConformance("indexeddb (fake-indexeddb)", async () => {
  const { databaseName, indexedDB } = freshDatabase();
  return {
    storage: await IndexedDbStorage.open(databaseName, { indexedDB }),
    reopen: () => IndexedDbStorage.open(databaseName, { indexedDB }),
  };
});
