// Storage: the Storage interface and the adapters that run everywhere. The
// environment-specific adapters have their own entry points so that a browser
// bundle never pulls in node:fs, and Node never pulls in IndexedDB:
//   loglab/storage/node-fs, loglab/storage/deno-fs, loglab/storage/indexeddb, loglab/storage/opfs.

export { type CrashOptions, MemoryStorage, type MemoryStorageOptions } from "./memory.ts";
export {
  checkFileName, DataDirInUseError, FileNotFoundError, type LockHolder, ReadOnlyStorageError, type Storage, StorageError, type StorageFile,
  StorageQuotaError,
} from "./storage.ts";
export { readTextFile, writeTextFileAtomically } from "./text-files.ts";
