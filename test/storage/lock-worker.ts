// A dedicated worker that tries to take a data dir's writer lock, as a second
// tab would: the page tells it which IndexedDB database or OPFS folder, and
// it answers whether the lock was refused, and with what message.

import { DataDirInUseError } from "../../src/storage/index.ts";
import { IndexedDbStorage } from "../../src/storage/indexeddb.ts";
import { OpfsStorage } from "../../src/storage/opfs.ts";

export interface LockAttempt {
  readonly store: "indexeddb" | "opfs";
  readonly name: string;
}

export interface LockAttemptResult {
  readonly refused: boolean;
  readonly inUse: boolean;
  readonly message: string;
}

async function attempt({ store, name }: LockAttempt): Promise<LockAttemptResult> {
  const storage = store === "indexeddb" ? await IndexedDbStorage.open(name) : await OpfsStorage.open({ directory: name });
  try {
    await storage.lock("loglab worker");
    return { refused: false, inUse: false, message: "" };
  } catch (error) {
    return { refused: true, inUse: error instanceof DataDirInUseError, message: (error as Error).message };
  } finally {
    await storage.close();
  }
}

addEventListener("message", (event: MessageEvent<LockAttempt>) => {
  // Any other failure is an answer too, so the page never waits for one that will not come.
  void attempt(event.data).then(postMessage, (error: unknown) => postMessage({ refused: true, inUse: false, message: String(error) }));
});

// A module worker can miss messages sent while its imports load: say when the listener is in place.
postMessage("ready");
