// Lesson 2, partitions and keys: the talk's P0–P3; the same keys routed by
// Java's murmur2 and librdkafka's CRC-32 (`consistent`) partitioners side by
// side; an explicit partition; and sticky partitioning for records without a key.

import { useState } from "preact/hooks";
import { type Broker, consistentPartition, murmur2Partition, type PartitionerName } from "../../../src/index.ts";
import { ErrorMessage } from "../components/error-message.tsx";
import { PartitionStrips } from "../components/partition-strips.tsx";
import { ProduceForm } from "../components/produce-form.tsx";
import { pageProducer } from "../engine/page-clients.ts";
import { changed, pageLog } from "../engine/page-log.ts";
import { route, setParams } from "../route.ts";
import { useAsync } from "../components/use-async.ts";
import { ensureTalkTopic, TALK_TOPIC } from "./log.tsx";

const DEFAULT_KEYS = "user-1,user-2,user-3,user-42,foo,bar";
const PARTITIONERS: readonly { readonly name: PartitionerName; readonly who: string }[] = [
  { name: "murmur2", who: "Java client (murmur2)" },
  { name: "consistent", who: "librdkafka consistent (CRC-32)" },
];

export function PartitionsLesson() {
  const log = pageLog.value;
  const { value: ready } = useAsync(async () => log !== null && (await ensureTalkTopic(log.broker), true), [log]);
  if (log === null || ready !== true) return <p>Opening the log…</p>;
  return <Partitions broker={log.broker} />;
}

function Partitions({ broker }: { broker: Broker }) {
  const keys = (route.value.params.get("keys") ?? DEFAULT_KEYS).split(",").map((k) => k.trim()).filter((k) => k !== "").slice(0, 20);
  const partitions = broker.logs.describeTopic(TALK_TOPIC).partitions;
  const [fresh, setFresh] = useState<Set<string>>(new Set());
  const [error, setError] = useState<unknown>(null);
  const encoder = new TextEncoder();

  const send = async (partitioner: PartitionerName, messages: { key: string | null; value: string }[]) => {
    setError(null);
    try {
      const sent = await pageProducer(broker, partitioner).send({ topic: TALK_TOPIC, messages });
      setFresh(new Set(sent.map((m) => `${m.partition}:${m.offset}`)));
      changed();
    } catch (problem) {
      setError(problem);
    }
  };

  return (
    <>
      <p>
        The talk's topic <code>{TALK_TOPIC}</code> has {partitions} partitions, P0–P{partitions - 1}. A record with a key goes to the
        partition its key hashes to, so all records of one key stay in order in one partition. But "hash" depends on the client:
        Kafka's Java client uses murmur2, librdkafka (and so php-rdkafka, the talk's client) defaults to CRC-32. Two programs in
        different languages can send the same key to different partitions — set <code>partitioner=murmur2</code> in librdkafka
        to agree with Java.
      </p>
      <label class="wide">
        Keys (comma-separated){" "}
        <input value={keys.join(",")} onChange={(e) => setParams({ keys: e.currentTarget.value })} aria-describedby="keys-help" />
      </label>
      <p id="keys-help" class="hint">Each key's partition out of {partitions}, computed by each client's partitioner.</p>
      <table class="partitioners">
        <thead>
          <tr><th scope="col">key</th>{PARTITIONERS.map((p) => <th key={p.name} scope="col">{p.who}</th>)}</tr>
        </thead>
        <tbody>
          {keys.map((key) => {
            const bytes = encoder.encode(key);
            const java = murmur2Partition(bytes, partitions);
            const rd = consistentPartition(bytes, partitions);
            return (
              <tr key={key} class={java === rd ? "" : "differs"} data-key={key}>
                <th scope="row"><code>{key}</code></th>
                <td>P{java}</td>
                <td>P{rd}{java === rd ? "" : " ≠"}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <div class="controls">
        {PARTITIONERS.map((p) => (
          <button key={p.name} type="button" onClick={() => send(p.name, keys.map((key) => ({ key, value: `from ${p.name}` })))}>
            Send the keys with the {p.who}
          </button>
        ))}
        <button type="button" class="secondary" onClick={() => send("murmur2", Array.from({ length: 5 }, (_, i) => ({ key: null, value: `no key ${i + 1}` })))}>
          Send 5 records without a key
        </button>
      </div>
      <p class="hint">
        Records without a key: Java's producer (KIP-480) sticks to one partition until the batch it is filling is sent, then
        picks another — the five go together, the next five most likely elsewhere. An explicit partition overrides any partitioner:
      </p>
      <ProduceForm broker={broker} topic={TALK_TOPIC} partitions={partitions} />
      <ErrorMessage error={error} />
      <PartitionStrips broker={broker} topic={TALK_TOPIC} highlight={fresh} />
    </>
  );
}
