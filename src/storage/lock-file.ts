// The writer lock of a data dir on a file system, as Kafka keeps a `.lock` in
// each log dir: a file created only if absent, holding its holder as JSON.
// A holder that died (kill -9) leaves it behind; the next writer sees that the
// process is gone and takes the lock over, saying so. Environment-free: the
// Node and Deno adapters hand in their file calls.

import { DataDirInUseError, type LockHolder } from "./storage.ts";

export const LOCK_FILE = ".lock";

/** Create, judge stale, move aside: a race with other openers can cost a round, never more than this many. */
const LOCK_ATTEMPTS_MAX = 4;

/** The file calls the lock needs; all synchronous, so an exit handler can release the lock. */
export interface LockFileSystem {
  /** This process's id. */
  readonly pid: number;
  /** Creates `path` holding `text`, atomically (a reader never sees it part-written), only if absent; false if it exists. */
  createExclusive(path: string, text: string): boolean;
  /** The file's text, or null if it is missing. */
  read(path: string): string | null;
  /** Renames `from` to `to`; false if `from` is missing. */
  rename(from: string, to: string): boolean;
  /** Removes `path` if it exists. */
  remove(path: string): void;
  /**
   * Whether the process holding the lock at `path` still runs (and so may
   * still write); `holder` is null when the file names none (Kafka's own
   * `.lock` is empty), which only an OS lock on the file can tell.
   */
  isAlive(holder: LockHolder | null, path: string): boolean;
}

export interface HeldLock {
  readonly path: string;
  /** The lock file's content: what release checks before removing it. */
  readonly text: string;
  /** What the user should hear about taking the lock (a takeover), or null. */
  readonly note: string | null;
}

/** Lock files this process holds: one of them naming our own pid is live, any other is a leftover of a reused pid. */
const heldHere = new Set<string>();

/** Whether the lock at `path` naming this process's pid is held by this process now. */
export function heldByThisProcess(path: string): boolean {
  return heldHere.has(path);
}

/** The holder a lock file names, or null if its text is not one (a foreign or damaged lock file). */
export function parseLockHolder(text: string): LockHolder | null {
  try {
    const value = JSON.parse(text) as Partial<Record<keyof LockHolder, unknown>>;
    if (typeof value.pid !== "number" || !Number.isSafeInteger(value.pid) || value.pid <= 0 || typeof value.command !== "string") return null;
    return { pid: value.pid, command: value.command, since: typeof value.since === "string" ? value.since : null };
  } catch {
    return null;
  }
}

/**
 * Takes the lock at `path` for `command`, or throws DataDirInUseError naming
 * the live holder. `dataDir` is the folder as the user named it.
 */
export function acquireLockFile(fs: LockFileSystem, dataDir: string, path: string, command: string): HeldLock {
  const holder: LockHolder = { pid: fs.pid, command, since: new Date().toISOString() };
  const text = `${JSON.stringify(holder)}\n`;
  let note: string | null = null;
  let lastHolder: LockHolder | null = null;
  for (let attempt = 0; attempt < LOCK_ATTEMPTS_MAX; attempt++) {
    if (fs.createExclusive(path, text)) {
      heldHere.add(path);
      return { path, text, note };
    }
    const existing = fs.read(path);
    if (existing === null) continue; // released meanwhile
    const other = parseLockHolder(existing);
    lastHolder = other;
    if (fs.isAlive(other, path)) throw new DataDirInUseError(dataDir, other);
    // Stale. Move it aside and drop it only if what moved is what was judged
    // stale: another opener may have taken the lock over in between.
    const aside = `${path}.stale-${fs.pid}`;
    if (!fs.rename(path, aside)) continue;
    const moved = fs.read(aside);
    if (moved !== existing) {
      if (moved !== null) fs.createExclusive(path, moved);
      fs.remove(aside);
      continue;
    }
    fs.remove(aside);
    note = other === null
      ? `took over data dir ${dataDir}: its ${LOCK_FILE} file named no loglab process`
      : `took over data dir ${dataDir} from process ${other.pid} (${other.command}), which locked it${other.since === null ? "" : ` at ${other.since}`} and is no longer running`;
  }
  throw new DataDirInUseError(dataDir, lastHolder);
}

/** Removes the lock file if it is still the one `held` created. */
export function releaseLockFile(fs: LockFileSystem, held: HeldLock): void {
  heldHere.delete(held.path);
  if (fs.read(held.path) === held.text) fs.remove(held.path);
}
