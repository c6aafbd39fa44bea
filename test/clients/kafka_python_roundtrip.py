"""kafka-python 2.0.2 against a Kafka-protocol broker: produce keyed records with acks=all,
consume them in a group, commit, resume, and seek to the beginning.

Usage: kafka_python_roundtrip.py BOOTSTRAP TOPIC GROUP COUNT

Prints one JSON object on stdout:
  produced: [[key, value, partition, offset], ...] as the producer's futures reported them
  consumed: [[key, value, partition, offset], ...] read by the first group member, which then commits
  committed: {partition: offset} as the first member reads them back from the broker
  resumed: records a second member of the group got after the commit (none expected)
  rewound: records the second member got after seek_to_beginning
  api_versions: the broker's API versions as kafka-python chose its own
"""

import json
import sys

from kafka import KafkaConsumer, KafkaProducer, TopicPartition


def drain(consumer, want, polls=40):
    got = []
    for _ in range(polls):
        batches = consumer.poll(timeout_ms=250)
        for records in batches.values():
            for r in records:
                got.append([r.key.decode(), r.value.decode(), r.partition, r.offset])
        if want is not None and len(got) >= want:
            break
    return got


def main():
    bootstrap, topic, group, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])

    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", retries=3, linger_ms=5)
    futures = [
        (i, producer.send(topic, key=("key-%d" % i).encode(), value=("value-%d" % i).encode()))
        for i in range(count)
    ]
    producer.flush()
    produced = []
    for i, future in futures:
        meta = future.get(timeout=10)
        produced.append(["key-%d" % i, "value-%d" % i, meta.partition, meta.offset])
    producer.close()

    common = dict(
        bootstrap_servers=bootstrap, group_id=group, auto_offset_reset="earliest",
        enable_auto_commit=False, session_timeout_ms=10000, heartbeat_interval_ms=1000,
    )
    first = KafkaConsumer(topic, **common)
    consumed = drain(first, count)
    first.commit()
    partitions = sorted(first.assignment(), key=lambda tp: tp.partition)
    committed = {tp.partition: first.committed(tp) for tp in partitions}
    versions = {str(k): v for k, v in sorted(first._client.get_api_versions().items())}
    first.close()

    second = KafkaConsumer(topic, **common)
    resumed = drain(second, None, polls=12)
    second.seek_to_beginning()
    rewound = drain(second, count)
    second.close()

    print(json.dumps({
        "produced": produced, "consumed": consumed, "committed": committed,
        "resumed": resumed, "rewound": rewound, "api_versions": versions,
    }))


if __name__ == "__main__":
    main()
