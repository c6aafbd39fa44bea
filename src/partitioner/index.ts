// Key hashing and partition choice, compatible with Kafka's Java client and librdkafka.

export { crc32 } from "./crc32.ts";
export { murmur2, toPositive } from "./murmur2.ts";
export {
  consistentPartition, murmur2Partition, PARTITIONER_NAMES, partitionFor, type PartitionerName,
} from "./partitioners.ts";
