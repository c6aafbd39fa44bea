// Lesson 1, the log: produce records and watch them land at offsets; the
// talk's document log in one click; segments and their offset index; the
// raw bytes of a batch with every field labelled; and compaction, showing
// what it keeps and why a tombstone lingers. When another tab writes the
// stored log, this one shows it read-only, its writing controls disabled.

import { useState } from "preact/hooks";
import { type Broker, type CompactionReport, decodeBatches, type LogManager, type SegmentDescription } from "../../../src/index.ts";
import { ErrorMessage } from "../components/error-message.tsx";
import { formatBytes, showBytes } from "../components/format.ts";
import { HexView } from "../components/hex-view.tsx";
import { ProduceForm } from "../components/produce-form.tsx";
import { TopicPicker } from "../components/topic-picker.tsx";
import { useAsync } from "../components/use-async.ts";
import { pageProducer } from "../engine/page-clients.ts";
import { changed, ensureTopic, logVersion, pageLog } from "../engine/page-log.ts";
import { numberParam, route, setParams } from "../route.ts";

export const TALK_TOPIC = "test";
export const DOCUMENTS_TOPIC = "documents";
/** How long a tombstone outlives its first compaction here (Kafka's default is a day). */
const DOCUMENTS_DELETE_RETENTION_MS = 10_000;

/** The talk's topic: four partitions, an index entry for every batch so the index is worth looking at. */
export function ensureTalkTopic(broker: Broker): Promise<void> {
  return ensureTopic(broker, TALK_TOPIC, 4, { "index.interval.bytes": "1" });
}

/** The talk's document log: create foo, update foo, create bar, remove foo, on a compacted topic. */
export async function writeDocumentLog(broker: Broker): Promise<void> {
  await ensureTopic(broker, DOCUMENTS_TOPIC, 1, {
    "cleanup.policy": "compact", "delete.retention.ms": String(DOCUMENTS_DELETE_RETENTION_MS), "index.interval.bytes": "1",
  });
  const producer = pageProducer(broker);
  for (const [key, value] of [["foo", '{"op":"create","data":"…"}'], ["foo", '{"op":"update","data":"…"}'], ["bar", '{"op":"create","data":"…"}'], ["foo", null]] as const) {
    await producer.send({ topic: DOCUMENTS_TOPIC, messages: [{ key, value }] });
  }
}

export function LogLesson() {
  const log = pageLog.value;
  if (log === null) return <p>Opening the log…</p>;
  return <LogWorkbench broker={log.broker} logs={log.stored?.logs ?? log.broker.logs} />;
}

/** The log lesson over `logs`: the broker's own, or a stored log another tab writes (read-only: its writing controls disabled). */
function LogWorkbench({ broker, logs }: { broker: Broker; logs: LogManager }) {
  const readOnly = logs.readOnly;
  const { value: ready, error } = useAsync(async () => (readOnly || (await ensureTalkTopic(broker)), true), [broker, readOnly]);
  void logVersion.value;
  if (error !== undefined) return <ErrorMessage error={error} />;
  if (ready !== true) return <p>Creating the talk's topic…</p>;
  const topics = logs.listTopics().filter((name) => !name.startsWith("__")).sort();
  const topic = topics.includes(route.value.params.get("topic") ?? "") ? route.value.params.get("topic")! : readOnly ? topics[0] : TALK_TOPIC;
  const reason = readOnly ? (
    <p class="hint" id="read-only-reason" data-testid="read-only-reason">
      Another tab of this site is writing the saved log, so this tab shows it read-only, as it was when this tab opened it
      (reload to see newer records): producing, creating topics and compacting are disabled here. What the other lessons
      write in this tab lives in memory.
    </p>
  ) : null;
  if (topic === undefined) return <>{reason}<p>The saved log has no topics yet.</p></>;
  const partitions = logs.describeTopic(topic).partitions;
  const partition = numberParam("partition", 0, 0, partitions - 1);
  return (
    <>
      <p>
        A topic is split into partitions; each partition is an append-only log. A producer writes records at its end, and the
        broker gives each the next <em>offset</em>. Records are stored in Kafka's own bytes (RecordBatch v2, checksummed with
        CRC-32C) by the same engine the command line and the simulator use, here in your browser's storage.
      </p>
      {reason}
      <TopicPicker logs={logs} topic={topic} />
      <fieldset class="plain" disabled={readOnly}>
        <ProduceForm broker={broker} topic={topic} partitions={partitions} />
        <p>
          <button type="button" onClick={async () => {
            await writeDocumentLog(broker);
            setParams({ topic: DOCUMENTS_TOPIC, partition: 0, batch: null });
            changed();
          }}>
            Write the talk's document log
          </button>{" "}
          create foo, update foo, create bar, remove foo (a <em>tombstone</em>: key foo, value null), into the compacted topic{" "}
          <code>{DOCUMENTS_TOPIC}</code>.
        </p>
      </fieldset>
      <div role="tablist" aria-label="Partitions" class="tabs">
        {Array.from({ length: partitions }, (_, p) => (
          <button key={p} type="button" role="tab" aria-selected={p === partition} onClick={() => setParams({ partition: p, batch: null })}>
            P{p} <small>({logs.log(topic, p).logEndOffset})</small>
          </button>
        ))}
      </div>
      <PartitionView logs={logs} topic={topic} partition={partition} />
    </>
  );
}

function PartitionView({ logs, topic, partition }: { logs: LogManager; topic: string; partition: number }) {
  const version = logVersion.value;
  const log = logs.log(topic, partition);
  const { value: batches } = useAsync(async () => {
    const out = [];
    for await (const batch of log.batches()) out.push(batch);
    return out;
  }, [log, version]);
  const chosen = numberParam("batch", -1);
  const selected = batches?.find((b) => b.header.baseOffset === chosen);
  const segments = log.describeSegments();
  return (
    <section aria-label={`Partition ${partition}`}>
      <p>
        Log start offset <strong>{log.logStartOffset}</strong>, log end offset <strong data-testid="log-end-offset">{log.logEndOffset}</strong>,
        {" "}{formatBytes(log.sizeInBytes)} in {segments.length} segment(s).
      </p>
      {batches === undefined ? <p>Reading…</p> : batches.length === 0 ? <p>No records yet: produce one.</p> : (
        <ol class="log-strip" aria-label="Batches in offset order">
          {batches.map(({ header, bytes }) => (
            <li key={header.baseOffset} class={header.isControl ? "control" : ""}>
              {/* The name begins with the records it shows, so someone who says what they see (voice control) reaches it. */}
              <button type="button" aria-pressed={header.baseOffset === chosen} onClick={() => setParams({ batch: header.baseOffset })}>
                <BatchRecords bytes={bytes} isControl={header.isControl} />
                <span class="visually-hidden">: the batch at offsets {header.baseOffset} to {header.lastOffset}; show its bytes</span>
              </button>
            </li>
          ))}
        </ol>
      )}
      {selected === undefined ? <p class="hint">Pick a batch to see its bytes.</p> : (
        <details open>
          <summary>Bytes of the batch at offset {selected.header.baseOffset} ({selected.bytes.length} bytes)</summary>
          <HexView bytes={selected.bytes} />
        </details>
      )}
      <SegmentTable segments={segments} />
      {log.config.cleanupPolicy === "delete" ? null : <CompactionPanel logs={logs} topic={topic} partition={partition} />}
    </section>
  );
}

function BatchRecords({ bytes, isControl }: { bytes: Uint8Array; isControl: boolean }) {
  if (isControl) return <span class="record control">transaction marker</span>;
  const records = decodeBatches(bytes)[0]!.records;
  return (
    <>
      {records.map((r) => (
        <span key={r.offset} class={`record${r.value === null ? " tombstone" : ""}`} data-offset={r.offset}>
          <span class="offset">{r.offset}</span>
          <span class="key">{r.key === null ? "∅" : showBytes(r.key)}</span>
          <span class="value">{r.value === null ? "tombstone" : showBytes(r.value)}</span>
          {r.headers.length === 0 ? null : <span class="headers">{r.headers.map((h) => `${h.key}=${showBytes(h.value)}`).join(" ")}</span>}
        </span>
      ))}
    </>
  );
}

function SegmentTable({ segments }: { segments: readonly SegmentDescription[] }) {
  return (
    <table class="segments">
      <caption>Segments: the .log holds batches; the .index maps offsets to byte positions in it (one entry per batch here, index.interval.bytes=1; Kafka's default of 4096 makes it sparse)</caption>
      <thead><tr><th scope="col">segment file</th><th scope="col">offsets</th><th scope="col">size</th><th scope="col">offset index (offset → position)</th></tr></thead>
      <tbody>
        {segments.map((s) => (
          <tr key={s.baseOffset}>
            <td><code>{s.fileNames[0]}</code></td>
            <td>{s.nextOffset === s.baseOffset ? `empty (next: ${s.baseOffset})` : `${s.baseOffset}–${s.nextOffset - 1}`}</td>
            <td>{formatBytes(s.sizeInBytes)}</td>
            <td>{s.offsetIndex.length > 0 ? s.offsetIndex.map((e) => `${s.baseOffset + e.relativeOffset} → ${e.position}`).join(", ")
              : s.nextOffset === s.baseOffset ? "—" : "(no entries: the first batch sits at position 0)"}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function CompactionPanel({ logs, topic, partition }: { logs: LogManager; topic: string; partition: number }) {
  const [report, setReport] = useState<CompactionReport | null>(null);
  const [error, setError] = useState<unknown>(null);
  const log = logs.log(topic, partition);
  const compact = async () => {
    setError(null);
    try {
      // The cleaner never touches the active segment: close it first, as `loglab cleanup --roll` does.
      await log.roll();
      setReport(await log.compact());
      changed();
    } catch (problem) {
      setError(problem);
    }
  };
  return (
    <section class="compaction" aria-labelledby="compaction-title">
      <h2 id="compaction-title">Compaction</h2>
      <p>
        A compacted topic keeps the latest record of each key and drops older ones, offsets unchanged: the log becomes a table.
        A tombstone (value null) stays for <code>delete.retention.ms</code> ({log.config.deleteRetentionMs / 1000} s here) after the
        first compaction that sees it, so a reader that is behind still learns the key was removed; the next compaction after that drops it.
      </p>
      <button type="button" onClick={compact} disabled={logs.readOnly} aria-describedby={logs.readOnly ? "read-only-reason" : undefined}>Compact now</button>
      {report === null ? null : (
        <p aria-live="polite" data-testid="compaction-report">
          Cleaned {report.cleanedSegments} segment(s): {report.recordsBefore} records before, {report.recordsAfter} after
          {report.tombstonesRemoved > 0 ? `, ${report.tombstonesRemoved} tombstone(s) past their delete horizon removed` : ""}.
        </p>
      )}
      <TombstoneHorizons logs={logs} topic={topic} partition={partition} />
      <ErrorMessage error={error} />
    </section>
  );
}

/** The tombstones compaction has seen, and when each may go: its batch's delete horizon (attributes bit 6, baseTimestamp). */
function TombstoneHorizons({ logs, topic, partition }: { logs: LogManager; topic: string; partition: number }) {
  const version = logVersion.value;
  const { value: tombstones } = useAsync(async () => {
    const found: { key: string; offset: number; horizonMs: number }[] = [];
    for await (const { header, bytes } of logs.log(topic, partition).batches()) {
      if (!header.hasDeleteHorizon) continue;
      for (const record of decodeBatches(bytes)[0]!.records) {
        if (record.value === null) found.push({ key: showBytes(record.key), offset: record.offset, horizonMs: header.baseTimestamp });
      }
    }
    return found;
  }, [logs, topic, partition, version]);
  if (tombstones === undefined || tombstones.length === 0) return null;
  return (
    <ul class="why" data-testid="tombstones">
      {tombstones.map((t) => (
        <li key={t.offset}>
          The tombstone for <code>{t.key}</code> (offset {t.offset}) stays until {new Date(t.horizonMs).toLocaleTimeString()}: its
          delete horizon, set when compaction first saw it. Compact again after that and it is gone.
        </li>
      ))}
    </ul>
  );
}
