"""The talk's consumer loops on librdkafka (confluent-kafka-python), against a Kafka-protocol broker.

Usage: talk_loops.py BOOTSTRAP TOPIC GROUP LOOP HISTORY LAST_OFFSET PROCESS_MS [--crash-after-first]

The consumer is assigned partition 0 of TOPIC at the group's stored offset (librdkafka's
consumeStart(0, RD_KAFKA_OFFSET_STORED) of the talk), with auto.commit.interval.ms=100.
"Processing" a record takes PROCESS_MS milliseconds and then appends "offset value" to HISTORY,
flushed and fsynced. LOOP is one of:

  basic        auto-commit of what poll() handed out (enable.auto.offset.store=true)
  store-first  the talk's at-most-once loop: store_offsets(), then process (the timer commits)
  process-first the talk's at-least-once loop: process, then store_offsets()
  commit-first store and commit synchronously, then process

After the first poll the program prints "polled OFFSET" on stdout. When it has processed
LAST_OFFSET it closes the consumer (which commits what is stored) and prints "done"; when three
polls of a second each find nothing, it closes and prints "idle".
With --crash-after-first, it processes one record, prints "stored S committed C" (the offset it
stored and the one the broker holds for the group), and kills itself with SIGKILL.
"""

import os
import signal
import sys
import time

from confluent_kafka import OFFSET_STORED, Consumer, KafkaException, TopicPartition


IDLE_POLLS = 3


def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main():
    bootstrap, topic, group, loop, history_path, last, process_ms = sys.argv[1:8]
    last = int(last)
    process_s = int(process_ms) / 1000.0
    crash_after_first = "--crash-after-first" in sys.argv[8:]
    if loop not in ("basic", "store-first", "process-first", "commit-first"):
        raise SystemExit("unknown loop " + loop)

    consumer = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": group,
        "enable.auto.commit": True,
        "auto.commit.interval.ms": 100,
        "enable.auto.offset.store": loop == "basic",
        "auto.offset.reset": "earliest",
        "enable.partition.eof": False,
    })
    consumer.assign([TopicPartition(topic, 0, OFFSET_STORED)])
    history = open(history_path, "a")

    def process(msg):
        time.sleep(process_s)
        history.write("%d %s\n" % (msg.offset(), msg.value().decode()))
        history.flush()
        os.fsync(history.fileno())

    polled = False
    idle = 0
    while True:
        msg = consumer.poll(1.0)
        if msg is None:
            idle += 1
            if idle == IDLE_POLLS:
                # Nothing left past the stored offset: an earlier run got to the end.
                consumer.close()
                say("idle")
                return
            continue
        idle = 0
        if msg.error():
            raise KafkaException(msg.error())
        if not polled:
            say("polled %d" % msg.offset())
            polled = True
        if loop == "store-first":
            consumer.store_offsets(message=msg)
            process(msg)
        elif loop == "process-first":
            process(msg)
            consumer.store_offsets(message=msg)
        elif loop == "commit-first":
            consumer.store_offsets(message=msg)
            consumer.commit(asynchronous=False)
            process(msg)
        else:
            process(msg)
        if crash_after_first:
            committed = consumer.committed([TopicPartition(topic, 0)], timeout=10)[0].offset
            say("stored %d committed %d" % (msg.offset() + 1, committed))
            os.kill(os.getpid(), signal.SIGKILL)
        if msg.offset() >= last:
            consumer.close()
            say("done")
            return


if __name__ == "__main__":
    main()
