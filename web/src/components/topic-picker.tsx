// Picks one of the log's topics (kept in the URL) and creates new ones
// (unless the log is read-only: then the form is there, disabled).

import { useState } from "preact/hooks";
import type { LogManager } from "../../../src/index.ts";
import { changed, logVersion } from "../engine/page-log.ts";
import { setParams } from "../route.ts";
import { ErrorMessage } from "./error-message.tsx";

export function TopicPicker({ logs, topic }: { logs: LogManager; topic: string }) {
  void logVersion.value;
  const topics = logs.listTopics().filter((name) => !name.startsWith("__")).sort();
  const [name, setName] = useState("");
  const [partitions, setPartitions] = useState("4");
  const [error, setError] = useState<unknown>(null);
  const create = async (event: Event) => {
    event.preventDefault();
    setError(null);
    try {
      await logs.createTopic(name.trim(), Number(partitions), { "index.interval.bytes": "1" });
      setParams({ topic: name.trim(), partition: 0, batch: null });
      setName("");
      changed();
    } catch (problem) {
      setError(problem);
    }
  };
  return (
    <div class="topic-picker">
      <label>
        Topic{" "}
        <select value={topic} onChange={(e) => setParams({ topic: e.currentTarget.value, partition: 0, batch: null })}>
          {topics.map((t) => <option key={t} value={t}>{t} ({logs.describeTopic(t).partitions} partitions)</option>)}
        </select>
      </label>
      <form onSubmit={create} class="inline" aria-label="Create a topic">
        <fieldset class="plain" disabled={logs.readOnly}>
          <label>New topic <input value={name} onInput={(e) => setName(e.currentTarget.value)} placeholder="name" required /></label>
          <label>partitions <input type="number" min={1} max={64} value={partitions} onInput={(e) => setPartitions(e.currentTarget.value)} /></label>
          <button type="submit">Create</button>
        </fieldset>
      </form>
      <ErrorMessage error={error} />
    </div>
  );
}
