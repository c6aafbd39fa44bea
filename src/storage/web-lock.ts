// The writer lock of a browser store (an IndexedDB database, an OPFS folder):
// a Web Lock held for the storage's life, which every tab and worker of the
// origin sees, and which the browser releases when its holder goes away.
// Where the Web Locks API is missing (Node with an IndexedDB shim), an
// in-process flag stands in: there is only one process to exclude.

import { DataDirInUseError, type LockHolder } from "./storage.ts";

interface LockManagerSnapshot {
  readonly held?: readonly { readonly name?: string }[];
}

interface WebLocks {
  request(name: string, options: { ifAvailable: true }, callback: (lock: unknown) => Promise<void>): Promise<void>;
  query(): Promise<LockManagerSnapshot>;
}

/** The holder a refused opener can name: a Web Lock has no pid, so "another page or worker". */
const UNKNOWN_HOLDER_COMMAND = "another page or worker of this origin";

/** Names held in this process where the Web Locks API is missing, per store implementation (an IDBFactory). */
const heldInProcess = new WeakMap<object, Map<string, LockHolder>>();

function webLocks(): WebLocks | undefined {
  return (globalThis as { navigator?: { locks?: WebLocks } }).navigator?.locks;
}

/** Requests `name` without waiting; resolves with a release function, or null if someone holds it. */
function tryHold(locks: WebLocks, name: string): Promise<(() => void) | null> {
  return new Promise((resolve, reject) => {
    let release!: () => void;
    const released = new Promise<void>((done) => (release = done));
    locks
      .request(name, { ifAvailable: true }, async (lock) => {
        if (lock === null) {
          resolve(null);
          return;
        }
        resolve(release);
        await released;
      })
      .catch(reject);
  });
}

/**
 * Takes the writer lock called `name` for `command`, or throws
 * DataDirInUseError naming `dataDir` and, as far as the browser tells, the
 * holder. Resolves with the function that releases it. `scope` tells stores
 * apart where the in-process flag stands in (two IndexedDB shims in one process).
 */
export async function acquireWebLock(name: string, dataDir: string, command: string, scope: object = globalThis): Promise<() => void> {
  const holder: LockHolder = { pid: null, command, since: new Date().toISOString() };
  const locks = webLocks();
  if (locks === undefined) {
    let held = heldInProcess.get(scope);
    if (held === undefined) heldInProcess.set(scope, (held = new Map()));
    const other = held.get(name);
    if (other !== undefined) throw new DataDirInUseError(dataDir, other);
    held.set(name, holder);
    return () => held.delete(name);
  }
  const release = await tryHold(locks, name);
  if (release === null) throw new DataDirInUseError(dataDir, await describeWebLockHolder(locks, name));
  // A second lock whose name carries the holder, so a refused opener can say who holds the first.
  const holderPrefix = `${name}\n`;
  const releaseHolder = await tryHold(locks, `${holderPrefix}${JSON.stringify(holder)}`);
  return () => {
    releaseHolder?.();
    release();
  };
}

async function describeWebLockHolder(locks: WebLocks, name: string): Promise<LockHolder> {
  const unknown: LockHolder = { pid: null, command: UNKNOWN_HOLDER_COMMAND, since: null };
  try {
    const snapshot = await locks.query();
    const entry = snapshot.held?.find((lock) => lock.name?.startsWith(`${name}\n`));
    if (entry?.name === undefined) return unknown;
    const parsed = JSON.parse(entry.name.slice(name.length + 1)) as { command?: unknown; since?: unknown };
    return {
      pid: null,
      command: typeof parsed.command === "string" ? `${parsed.command} in ${UNKNOWN_HOLDER_COMMAND}` : UNKNOWN_HOLDER_COMMAND,
      since: typeof parsed.since === "string" ? parsed.since : null,
    };
  } catch {
    return unknown;
  }
}
