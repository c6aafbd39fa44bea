// Picks one of the log's topics (kept in the URL) and creates new ones.

import { useState } from "preact/hooks";
import type { Broker } from "../../../src/index.ts";
import { changed, logVersion } from "../engine/page-log.ts";
import { userTopics } from "../engine/page-clients.ts";
import { setParams } from "../route.ts";
import { ErrorMessage } from "./error-message.tsx";

export function TopicPicker({ broker, topic }: { broker: Broker; topic: string }) {
  void logVersion.value;
  const topics = userTopics(broker);
  const [name, setName] = useState("");
  const [partitions, setPartitions] = useState("4");
  const [error, setError] = useState<unknown>(null);
  const create = async (event: Event) => {
    event.preventDefault();
    setError(null);
    try {
      await broker.logs.createTopic(name.trim(), Number(partitions), { "index.interval.bytes": "1" });
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
          {topics.map((t) => <option key={t} value={t}>{t} ({broker.logs.describeTopic(t).partitions} partitions)</option>)}
        </select>
      </label>
      <form onSubmit={create} class="inline" aria-label="Create a topic">
        <label>New topic <input value={name} onInput={(e) => setName(e.currentTarget.value)} placeholder="name" required /></label>
        <label>partitions <input type="number" min={1} max={64} value={partitions} onInput={(e) => setPartitions(e.currentTarget.value)} /></label>
        <button type="submit">Create</button>
      </form>
      <ErrorMessage error={error} />
    </div>
  );
}
