// A form that sends one record with the page's real producer: key, value,
// headers (one "name=value" a line) and either an explicit partition or the
// partitioner's choice. It reports the partition and offset the broker gave.

import { useState } from "preact/hooks";
import type { Broker, PartitionerName, RecordMetadata } from "../../../src/index.ts";
import { changed } from "../engine/page-log.ts";
import { pageProducer } from "../engine/page-clients.ts";
import { ErrorMessage } from "./error-message.tsx";

export function parseHeaders(text: string): { key: string; value: string }[] {
  return text.split("\n").map((line) => line.trim()).filter((line) => line !== "").map((line) => {
    const at = line.indexOf("=");
    return at < 0 ? { key: line, value: "" } : { key: line.slice(0, at).trim(), value: line.slice(at + 1).trim() };
  });
}

export function ProduceForm({ broker, topic, partitions, partitioner = "murmur2" }: {
  broker: Broker; topic: string; partitions: number; partitioner?: PartitionerName;
}) {
  const [key, setKey] = useState("");
  const [value, setValue] = useState("");
  const [headers, setHeaders] = useState("");
  const [partition, setPartition] = useState("auto");
  const [sent, setSent] = useState<RecordMetadata | null>(null);
  const [error, setError] = useState<unknown>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    setError(null);
    try {
      const [metadata] = await pageProducer(broker, partitioner).send({
        topic,
        messages: [{
          key: key === "" ? null : key,
          value: value === "" ? null : value,
          headers: parseHeaders(headers),
          ...(partition === "auto" ? {} : { partition: Number(partition) }),
        }],
      });
      setSent(metadata!);
    } catch (problem) {
      setError(problem);
    } finally {
      // A refused write can change the log too: a partition whose save failed goes offline.
      changed();
    }
  };

  return (
    <form class="produce" onSubmit={submit} aria-label={`Produce to ${topic}`}>
      <label>Key <input name="key" value={key} onInput={(e) => setKey(e.currentTarget.value)} placeholder="none (null)" /></label>
      <label>Value <input name="value" value={value} onInput={(e) => setValue(e.currentTarget.value)} placeholder="empty = null (a tombstone)" /></label>
      <label>Headers <textarea name="headers" rows={2} value={headers} onInput={(e) => setHeaders(e.currentTarget.value)} placeholder="name=value, one a line" /></label>
      <label>
        Partition{" "}
        <select name="partition" value={partition} onChange={(e) => setPartition(e.currentTarget.value)}>
          <option value="auto">chosen by the {partitioner} partitioner</option>
          {Array.from({ length: partitions }, (_, p) => <option key={p} value={String(p)}>P{p}</option>)}
        </select>
      </label>
      <button type="submit">Produce</button>
      <p aria-live="polite" data-testid="produced">
        {sent === null ? null : <>Written to <strong>{sent.topic}</strong> partition <strong>P{sent.partition}</strong> at offset <strong>{sent.offset}</strong>.</>}
      </p>
      <ErrorMessage error={error} />
    </form>
  );
}
