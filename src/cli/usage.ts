// The CLI's usage text and its usage error (exit code 2).

export const USAGE = `loglab — a Kafka-style commit log in Kafka's on-disk format

Commands:
  topics     create, list and describe the topics of a data dir
  produce    append lines from standard input to a topic
  consume    print a topic's records, as text or JSON
  dump       print a .log, .index, .timeindex or .txnindex file entry by entry
  cleanup    apply retention and compaction now
  check      look for problems in a data dir without changing it
  serve      serve a data dir over Kafka's wire protocol, for real Kafka clients
  sim        run a simulator scenario ("loglab sim --help" lists them)

Usage:
  loglab topics --data-dir DIR [--list | --describe] [--topic TOPIC]
  loglab topics --data-dir DIR --create TOPIC [--partitions N] [--config key=value]...
  loglab produce TOPIC --data-dir DIR [--partitions N] [--key-separator SEP] [--null-marker STR] [--skip-oversized]
                 [--partitioner murmur2|consistent|murmur2_random|consistent_random|random]
  loglab produce TOPIC --bootstrap HOST:PORT[,HOST:PORT] [--key-separator SEP] [--null-marker STR]
  loglab consume TOPIC --data-dir DIR [--from-beginning] [--partition P] [--offset earliest|latest|N]
                 [--max-messages N] [--format text|json] [--encoding utf8|hex|base64]
  loglab consume TOPIC --bootstrap HOST:PORT[,HOST:PORT] [the same flags as with --data-dir]
  loglab dump FILE [--print-data-log]        (exit 1 when the file is not wholly valid)
  loglab cleanup --data-dir DIR [--topic TOPIC] [--roll]
  loglab check --data-dir DIR                (changes nothing; exit 1 when it finds a problem)
  loglab serve --data-dir DIR [--host 127.0.0.1] [--port 9092] [--config key=value]...
               [--faults FILE] [--trace FILE]
                                             (until SIGINT or SIGTERM; port 0 picks a free one)
  loglab sim NAME|all --seed N [--schedule FILE] [--trace FILE] [--timeline faults|all|none]
                                             (exit 1 when a promised guarantee broke)

The data folder uses Kafka's layout (DIR/TOPIC-P/00000000000000000000.log), so
Kafka's tools read what loglab writes and loglab reads what Kafka wrote.
produce reads records from standard input, one per line ("key<SEP>value" with
--key-separator; a value equal to --null-marker is a tombstone), its bytes
as they are; a line over the topic's max.message.bytes stops it, after every
line before it is stored, unless --skip-oversized skips it. consume prints
values (or JSON objects with --format json). cleanup applies retention and
compaction now, as Kafka's log cleaner would in the background; --roll first
closes the active segments, which the cleaner never touches. With --bootstrap,
produce and consume reach a Kafka cluster (or loglab serve) over Kafka's wire
protocol instead of a data dir, with loglab's Producer and Consumer.

Exit codes: 0 done, 1 refused or failed, 2 usage, 130 or 143 stopped by
SIGINT (Ctrl-C) or SIGTERM: produce after storing every line it read,
topics and cleanup once done.
Errors are one line on stderr; LOGLAB_DEBUG=1 adds the stack trace.`;

export class UsageError extends Error {}
