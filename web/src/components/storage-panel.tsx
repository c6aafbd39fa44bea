// Where the in-page log keeps its files: the storage in use (IndexedDB by
// default, OPFS or memory on request), how much it takes, a reset, and why
// the requested storage is not in use when the browser refused it.

import { useEffect, useState } from "preact/hooks";
import {
  logVersion, openPageLog, type PageLog, pageLog, resetPageLog, STORAGE_KINDS, type StorageKind, storageUsage,
} from "../engine/page-log.ts";
import { formatBytes } from "./format.ts";

export function StoragePanel() {
  const log = pageLog.value;
  const version = logVersion.value;
  const [usage, setUsage] = useState<Awaited<ReturnType<typeof storageUsage>> | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (log !== null) void storageUsage(log).then(setUsage);
  }, [log, version]);

  const act = async (work: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await work();
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="storage" aria-labelledby="storage-title">
      <h2 id="storage-title">Storage</h2>
      <label>
        Keep the log in{" "}
        <select
          value={log?.requested ?? "indexeddb"}
          disabled={busy || log === null}
          onChange={(event) => act(() => openPageLog(event.currentTarget.value as StorageKind))}
        >
          {STORAGE_KINDS.map(({ kind, label }) => <option key={kind} value={kind}>{label}</option>)}
        </select>
      </label>
      {log === null ? <p>Opening…</p> : (
        <p data-testid="storage-status">
          In use: <strong>{STORAGE_KINDS.find((s) => s.kind === log.kind)!.label}</strong>
          {usage === null ? null : <>, {formatBytes(usage.logBytes)} in {usage.partitions} partition(s)</>}
          {usage?.originBytes == null ? null : <>; this site uses {formatBytes(usage.originBytes)} of {formatBytes(usage.quotaBytes ?? 0)}</>}
        </p>
      )}
      {log?.problem == null ? null : <p class="problem" role="alert">{log.problem}</p>}
      {log === null ? null : <OfflinePartitions log={log} busy={busy} reopen={() => act(() => openPageLog(log.requested))} />}
      <button type="button" disabled={busy || log === null} onClick={() => {
        if (confirm("Delete every topic and record of this log?")) void act(resetPageLog);
      }}>
        Reset the log
      </button>
    </section>
  );
}

/**
 * Partitions whose save failed (quota, a revoked permission): the log takes
 * them offline rather than vouch for bytes the browser may not have kept.
 * Reopening recovers each from what was saved; nothing acknowledged is lost.
 */
function OfflinePartitions({ log, busy, reopen }: { log: PageLog; busy: boolean; reopen: () => void }) {
  void logVersion.value;
  const offline = log.broker.logs.allLogs().filter((partition) => partition.offline !== null);
  if (offline.length === 0) return null;
  return (
    <div class="problem" role="alert">
      <p>
        The browser failed to save to {offline.map((p) => p.topicPartition).join(", ")} ({offline[0]!.offline!.cause instanceof Error ? offline[0]!.offline!.cause.message : "storage error"}).
        Those partitions refuse reads and writes until the log is reopened. Every write they acknowledged was saved before its
        acknowledgement, and reopening recovers all of it; a write that timed out may or may not be there, as after any timeout.
      </p>
      <button type="button" disabled={busy} onClick={reopen}>Reopen the log</button>
    </div>
  );
}
