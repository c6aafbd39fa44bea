// The log that lives in this page: a real loglab broker over IndexedDB (the
// default) or OPFS, opened once and shared by the lessons that produce and
// consume for real. When the browser refuses persistent storage (private
// mode, quota, a blocked database) the page says why and falls back to
// memory, so every lesson still runs; nothing already stored is touched.
// When another tab holds the stored log, this one opens it read-only too:
// the log lesson shows its records, its writing controls disabled.

import { signal } from "@preact/signals";
import { Broker, DataDirInUseError, LogManager, MemoryStorage, type Storage, systemRandom, systemScheduler } from "../../../src/index.ts";
import { IndexedDbStorage } from "../../../src/storage/indexeddb.ts";
import { OpfsStorage } from "../../../src/storage/opfs.ts";

export type StorageKind = "indexeddb" | "opfs" | "memory";

export const STORAGE_KINDS: readonly { readonly kind: StorageKind; readonly label: string }[] = [
  { kind: "indexeddb", label: "IndexedDB" },
  { kind: "opfs", label: "OPFS (origin private file system)" },
  { kind: "memory", label: "Memory (gone on reload)" },
];

export interface PageLog {
  readonly broker: Broker;
  readonly storage: Storage;
  /** The storage asked for. */
  readonly requested: StorageKind;
  /** The storage in use: "memory" when the requested one could not be opened. */
  readonly kind: StorageKind;
  /** Why the requested storage is not in use, in words for the reader. */
  readonly problem: string | null;
  /** The requested storage opened read-only, when another tab writes it (the broker then lives in memory). */
  readonly stored: StoredLog | null;
}

/** A log another tab writes, open here to read: nothing in it is created, cut or changed. */
export interface StoredLog {
  readonly logs: LogManager;
  readonly storage: Storage;
}

/** Who holds the stored log's writer lock, as a refused tab or a `loglab` process is told. */
const PAGE_COMMAND = "loglab web app";

/**
 * flush.messages=1: every acknowledged write is synced to storage before the
 * answer, so reloading the page (the browser's "crash") loses nothing.
 * Kafka's default leaves that to the OS and to replication; the simulator's
 * crash-unsynced-tail scenario shows what that costs a single broker.
 * No initial rebalance delay: a reader joining a group here should see its
 * assignment at once, not after Kafka's 3 s default.
 */
export const PAGE_BROKER_CONFIG = { "flush.messages": "1", "group.initial.rebalance.delay.ms": "0" } as const;

const DATABASE_NAME = "loglab";
const OPFS_DIRECTORY = "loglab";
const STORAGE_CHOICE_KEY = "loglab.storage";

/** The open log, or null while it opens. */
export const pageLog = signal<PageLog | null>(null);
/** Bumped after every change to the log, so views that read it refresh. */
export const logVersion = signal(0);

export function changed(): void {
  logVersion.value++;
}

export function chosenStorage(): StorageKind {
  const saved = safeLocalStorage()?.getItem(STORAGE_CHOICE_KEY);
  return saved === "opfs" || saved === "memory" ? saved : "indexeddb";
}

function safeLocalStorage(): globalThis.Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null; // Some private modes throw on access.
  }
}

async function openStorage(kind: StorageKind, readOnly = false): Promise<Storage> {
  switch (kind) {
    case "indexeddb":
      return IndexedDbStorage.open(DATABASE_NAME, { readOnly });
    case "opfs":
      return OpfsStorage.open({ directory: OPFS_DIRECTORY, readOnly });
    case "memory":
      return new MemoryStorage();
  }
}

/** Why `kind` is not in use; `readOnly`: the other tab's log is open here to read. */
export function explainStorageFailure(kind: StorageKind, error: unknown, readOnly = false): string {
  const name = kind === "opfs" ? "OPFS" : "IndexedDB";
  const detail = error instanceof Error ? error.message : String(error);
  if (error instanceof DataDirInUseError) {
    return `Another tab or window of this site is writing the ${name} log (${detail}). Only one may write it at a time, so ${readOnly ? "this tab shows the saved log read-only, and " : ""}what this tab's lessons write lives in memory and is gone on reload. Close the other tab and reload to write the saved log here.`;
  }
  if (/quota/i.test(detail) || (error as { name?: string })?.name === "QuotaExceededError") {
    return `${name} refused to store more (quota exceeded): this log now lives in memory. What was already stored is untouched; free some space or reset it.`;
  }
  return `${name} is not available here (${detail}). Private browsing and some embedded browsers block it. This log now lives in memory and is gone on reload.`;
}

async function openBroker(storage: Storage): Promise<Broker> {
  return Broker.open({ storage, scheduler: systemScheduler, random: systemRandom, config: PAGE_BROKER_CONFIG, command: PAGE_COMMAND });
}

/** The stored log of `kind` opened read-only beside the tab that writes it, or null if even that fails. */
async function openStoredReadOnly(kind: StorageKind): Promise<StoredLog | null> {
  let storage: Storage | null = null;
  try {
    storage = await openStorage(kind, true);
    return { logs: await LogManager.open({ storage, clock: systemScheduler, readOnly: true }), storage };
  } catch (error) {
    await storage?.close().catch(() => {});
    console.warn(`the saved log could not be opened read-only either:`, error);
    return null;
  }
}

/** Opens the log on `kind` (the saved choice by default), closing the one open now. */
export async function openPageLog(kind: StorageKind = chosenStorage()): Promise<PageLog> {
  await closePageLog();
  safeLocalStorage()?.setItem(STORAGE_CHOICE_KEY, kind);
  let opened: PageLog;
  try {
    const storage = await openStorage(kind);
    opened = { broker: await openBroker(storage), storage, requested: kind, kind, problem: null, stored: null };
  } catch (error) {
    const storage = new MemoryStorage();
    const stored = error instanceof DataDirInUseError && kind !== "memory" ? await openStoredReadOnly(kind) : null;
    const problem = explainStorageFailure(kind, error, stored !== null);
    opened = { broker: await openBroker(storage), storage, requested: kind, kind: "memory", problem, stored };
  }
  pageLog.value = opened;
  changed();
  return opened;
}

const topicsBeingCreated = new WeakMap<Broker, Map<string, Promise<void>>>();

/**
 * Creates `topic` on `broker` unless it exists, once however many views ask
 * at the same time; closing the log waits for creations in progress.
 */
export function ensureTopic(broker: Broker, topic: string, partitions: number, config: Readonly<Record<string, string>> = {}): Promise<void> {
  let pending = topicsBeingCreated.get(broker);
  if (pending === undefined) topicsBeingCreated.set(broker, (pending = new Map()));
  let created = pending.get(topic);
  if (created === undefined) {
    created = broker.logs.hasTopic(topic) ? Promise.resolve() : broker.logs.createTopic(topic, partitions, config).then(() => undefined);
    pending.set(topic, created);
  }
  return created;
}

export async function closePageLog(): Promise<void> {
  const open = pageLog.value;
  if (open === null) return;
  pageLog.value = null;
  await Promise.allSettled(topicsBeingCreated.get(open.broker)?.values() ?? []);
  try {
    await open.broker.close();
  } catch (error) {
    // A partition offline after a failed save cannot shut down cleanly; the
    // next open recovers it from what was saved, which is all it acknowledged.
    console.warn("the log did not close cleanly; it will be recovered when reopened:", error);
  }
  await open.storage.close();
  if (open.stored !== null) {
    await open.stored.logs.close();
    await open.stored.storage.close();
  }
}

/** Deletes every file of the log in use and opens it again, empty. */
export async function resetPageLog(): Promise<PageLog> {
  const open = pageLog.value ?? (await openPageLog());
  await open.broker.close();
  for (const name of await open.storage.list()) await open.storage.delete(name);
  await open.storage.close();
  await open.stored?.logs.close();
  await open.stored?.storage.close();
  pageLog.value = null;
  return openPageLog(open.requested);
}

/** Bytes the log's partitions take, and what the browser reports for this origin. */
export async function storageUsage(log: PageLog): Promise<{ logBytes: number; partitions: number; originBytes: number | null; quotaBytes: number | null }> {
  const logs = log.broker.logs.allLogs();
  const logBytes = logs.reduce((sum, partition) => sum + partition.sizeInBytes, 0);
  const estimate = await navigator.storage?.estimate?.().catch(() => null);
  return { logBytes, partitions: logs.length, originBytes: estimate?.usage ?? null, quotaBytes: estimate?.quota ?? null };
}
