// Lesson 3, consumers and groups: two readers at their own offsets of one
// partition (the talk's consumerA and consumerB), then a live group whose
// members join, stall and leave, with generations, the assignment and the
// committed offsets next to each member's current position.

import { useEffect, useMemo, useState } from "preact/hooks";
import type { Broker, Consumer } from "../../../src/index.ts";
import { showBytes } from "../components/format.ts";
import { useAsync } from "../components/use-async.ts";
import { GroupLab, LESSON_GROUP } from "../engine/group-lab.ts";
import { pageConsumer, pageProducer } from "../engine/page-clients.ts";
import { changed, logVersion, pageLog } from "../engine/page-log.ts";
import { ensureTalkTopic, TALK_TOPIC } from "./log.tsx";

export function GroupsLesson() {
  const log = pageLog.value;
  const { value: ready } = useAsync(async () => log !== null && (await ensureTalkTopic(log.broker), true), [log]);
  if (log === null || ready !== true) return <p>Opening the log…</p>;
  return (
    <>
      <IndependentReaders broker={log.broker} />
      <LiveGroup broker={log.broker} />
    </>
  );
}

const READERS = ["consumerA", "consumerB"] as const;

function IndependentReaders({ broker }: { broker: Broker }) {
  const readers = useMemo(() => READERS.map((name) => {
    const consumer = pageConsumer(broker, { "client.id": name, "auto.offset.reset": "earliest", "max.poll.records": 1 });
    consumer.assign([{ topic: TALK_TOPIC, partition: 0 }]);
    return { name, consumer };
  }), [broker]);
  useEffect(() => () => readers.forEach((r) => void r.consumer.close()), [readers]);
  const endOffset = broker.logs.log(TALK_TOPIC, 0).logEndOffset;
  void logVersion.value;
  return (
    <section aria-labelledby="readers-title">
      <h2 id="readers-title">Two readers, two offsets</h2>
      <p>
        Reading does not remove anything: the log keeps every record, and each reader just remembers the offset of the next one
        it wants. consumerA and consumerB read partition P0 of <code>{TALK_TOPIC}</code> at their own pace.
      </p>
      <p>
        P0's log end offset: <strong>{endOffset}</strong>{" "}
        <button type="button" class="secondary" onClick={async () => {
          await pageProducer(broker).send({ topic: TALK_TOPIC, messages: [{ value: `message ${endOffset + 1}`, partition: 0 }] });
          changed();
        }}>Produce a record to P0</button>
      </p>
      <div class="panels">
        {readers.map(({ name, consumer }) => <Reader key={name} name={name} consumer={consumer} />)}
      </div>
    </section>
  );
}

function Reader({ name, consumer }: { name: string; consumer: Consumer }) {
  const [read, setRead] = useState<string[]>([]);
  const [position, setPosition] = useState<number | undefined>(undefined);
  const next = async () => {
    const records = await consumer.poll(200);
    setRead((before) => [...before, ...records.map((r) => `${r.offset}: ${showBytes(r.value)}`)]);
    setPosition(consumer.position({ topic: TALK_TOPIC, partition: 0 }));
  };
  return (
    <div class="panel" data-reader={name}>
      <h3>{name}</h3>
      <p aria-live="polite">Next offset to read: <strong data-testid={`${name}-position`}>{position ?? 0}</strong></p>
      <button type="button" onClick={next}>{name}: read the next record</button>
      <ol class="reads">{read.map((line) => <li key={line}>{line}</li>)}</ol>
    </div>
  );
}

function LiveGroup({ broker }: { broker: Broker }) {
  const lab = useMemo(() => new GroupLab(broker, TALK_TOPIC), [broker]);
  useEffect(() => () => void lab.stop(), [lab]);
  const members = lab.members.value;
  const version = logVersion.value;
  const partitions = broker.logs.describeTopic(TALK_TOPIC).partitions;
  const { value: committed } = useAsync(async () => {
    const answer = await broker.offsetFetch(LESSON_GROUP, Array.from({ length: partitions }, (_, partition) => ({ topic: TALK_TOPIC, partition })));
    return answer.partitions.map((p) => p.offset);
  }, [broker, members, version]);
  const owner = (partition: number) => members.find((m) => m.assignment.some((tp) => tp.partition === partition));
  const generations = [...new Set(members.filter((m) => m.state !== "left").map((m) => m.generation))];
  return (
    <section aria-labelledby="group-title">
      <h2 id="group-title">A consumer group: {LESSON_GROUP}</h2>
      <p>
        Members of one group share the topic's partitions: each partition has exactly one owner per <em>generation</em>. When a
        member joins, leaves, or stops polling for longer than <code>max.poll.interval.ms</code>, the coordinator starts a
        rebalance and a new generation with a new assignment. Members auto-commit the offsets they have read every{" "}
        <code>auto.commit.interval.ms</code>; the committed offset is where a new owner starts.
      </p>
      <div class="controls">
        <button type="button" onClick={() => lab.addMember()}>Add a member</button>
        <span aria-live="polite">Generation{generations.length > 1 ? "s" : ""}: <strong data-testid="generation">{generations.join(", ") || "—"}</strong></span>
      </div>
      <div class="panels">
        {members.map((m) => (
          <div class={`panel member ${m.state}`} key={m.name} data-member={m.name}>
            <h3>{m.name} <small>({m.state})</small></h3>
            <p>Owns: <strong data-testid={`${m.name}-owns`}>{m.assignment.map((tp) => `P${tp.partition}`).join(", ") || "nothing"}</strong>; read {m.consumed} record(s)</p>
            <div class="controls">
              {m.state === "paused"
                ? <button type="button" class="secondary" onClick={() => lab.resume(m.name)}>Resume {m.name}</button>
                : m.state === "left" ? null
                : <button type="button" class="secondary" onClick={() => lab.pause(m.name)}>Stall {m.name}</button>}
              {m.state === "left" ? null : <button type="button" class="secondary" onClick={() => void lab.leave(m.name)}>{m.name} leaves</button>}
            </div>
          </div>
        ))}
      </div>
      <table>
        <caption>Per partition: the owner's current position (next offset it will read) against the group's committed offset</caption>
        <thead><tr><th scope="col">partition</th><th scope="col">owner</th><th scope="col">current position</th><th scope="col">committed</th><th scope="col">log end</th></tr></thead>
        <tbody>
          {Array.from({ length: partitions }, (_, p) => {
            const m = owner(p);
            return (
              <tr key={p} data-partition={p}>
                <th scope="row">P{p}</th>
                <td>{m?.name ?? "—"}</td>
                <td>{m?.positions[`${TALK_TOPIC}-${p}`] ?? "—"}</td>
                <td>{committed === undefined || committed[p] === -1 ? "none" : committed[p]}</td>
                <td>{broker.logs.log(TALK_TOPIC, p).logEndOffset}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <h3>What happened</h3>
      <ol class="events" aria-live="polite" reversed>{lab.events.value.map((event, i) => <li key={lab.events.value.length - i}>{event}</li>)}</ol>
    </section>
  );
}
