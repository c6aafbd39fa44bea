// Every partition of a topic as a row of records, newest last, so a reader
// sees where each send landed and at which offset.

import { type Broker, type LogRecord } from "../../../src/index.ts";
import { logVersion } from "../engine/page-log.ts";
import { partitionRecords } from "../engine/page-clients.ts";
import { showBytes } from "./format.ts";
import { useAsync } from "./use-async.ts";

export function PartitionStrips({ broker, topic, highlight = new Set<string>(), limit = 40 }: {
  broker: Broker; topic: string; highlight?: ReadonlySet<string>; limit?: number;
}) {
  const version = logVersion.value;
  const partitions = broker.logs.describeTopic(topic).partitions;
  const { value } = useAsync(async () => {
    const rows: LogRecord[][] = [];
    for (let p = 0; p < partitions; p++) rows.push(await partitionRecords(broker, topic, p, limit));
    return rows;
  }, [broker, topic, version]);
  return (
    <table class="strips">
      <caption>{topic}: each row a partition, each cell a record (offset, key, value)</caption>
      <tbody>
        {(value ?? []).map((records, p) => (
          <tr key={p} data-partition={p}>
            <th scope="row">P{p}</th>
            <td><div class="strip">
              {records.length === 0 ? <span class="hint">empty</span> : records.map((r) => (
                <span key={r.offset} class={`record${highlight.has(`${p}:${r.offset}`) ? " fresh" : ""}`}>
                  <span class="offset">{r.offset}</span>
                  <span class="key">{r.key === null ? "∅" : showBytes(r.key)}</span>
                  <span class="value">{r.value === null ? "tombstone" : showBytes(r.value)}</span>
                </span>
              ))}
            </div></td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
