"""Exactly-once consume-transform-produce on librdkafka (confluent-kafka-python's transactions API).

Usage: exactly_once.py BOOTSTRAP INPUT OUTPUT GROUP TRANSACTIONAL_ID LAST_OFFSET PROCESS_MS

Reads partition 0 of INPUT from the group's committed offset, and for each batch of up to 5
records: begin_transaction, produce each value upper-cased to OUTPUT (taking PROCESS_MS per record),
send_offsets_to_transaction with the consumer's position, commit_transaction. Prints "polled
OFFSET" after the first batch arrives, "committed OFFSET" after each commit, and "done" once the
transaction holding LAST_OFFSET committed; "idle" when three seconds bring nothing.
"""

import sys
import time

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition


def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main():
    bootstrap, source, sink, group, transactional_id, last, process_ms = sys.argv[1:8]
    last = int(last)
    process_s = int(process_ms) / 1000.0

    consumer = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": group,
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "auto.offset.reset": "earliest",
        "isolation.level": "read_committed",
    })
    producer = Producer({
        "bootstrap.servers": bootstrap,
        "transactional.id": transactional_id,
        "transaction.timeout.ms": 60000,
    })
    # Fences an earlier process with the same transactional.id and aborts what it left open.
    producer.init_transactions(30)
    consumer.assign([TopicPartition(source, 0)])

    polled = False
    idle = 0
    while True:
        msgs = consumer.consume(num_messages=5, timeout=1.0)
        if not msgs:
            idle += 1
            if idle == 3:
                say("idle")
                return
            continue
        idle = 0
        for msg in msgs:
            if msg.error():
                raise KafkaException(msg.error())
        if not polled:
            say("polled %d" % msgs[0].offset())
            polled = True
        producer.begin_transaction()
        for msg in msgs:
            time.sleep(process_s)
            producer.produce(sink, key=msg.key(), value=msg.value().decode().upper().encode(),
                             headers=[("source-offset", str(msg.offset()).encode())])
        producer.send_offsets_to_transaction(consumer.position(consumer.assignment()),
                                             consumer.consumer_group_metadata(), 30)
        producer.commit_transaction(30)
        say("committed %d" % msgs[-1].offset())
        if msgs[-1].offset() >= last:
            consumer.close()
            say("done")
            return


if __name__ == "__main__":
    main()
