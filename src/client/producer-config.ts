// The producer's configuration under Kafka's names and defaults (Kafka 4.0:
// acks=all, idempotence on, linger.ms=5), with the consistency rules Kafka's
// producer enforces.

import { COMPRESSION_CODECS, WRITABLE_COMPRESSION_CODECS, type CompressionCodec, type WritableCompressionCodec } from "../format/index.ts";
import { InvalidConfigError, UnwritableCompressionTypeError } from "../log/index.ts";
import { PARTITIONER_NAMES, type PartitionerName } from "../partitioner/index.ts";
import type { Acks } from "../broker/index.ts";

export interface ProducerConfig {
  readonly "client.id"?: string;
  readonly acks?: "all" | "-1" | "0" | "1" | Acks;
  readonly retries?: number;
  readonly "retry.backoff.ms"?: number;
  readonly "delivery.timeout.ms"?: number;
  readonly "request.timeout.ms"?: number;
  readonly "linger.ms"?: number;
  readonly "batch.size"?: number;
  readonly "enable.idempotence"?: boolean;
  /** murmur2 (Java's default, sticky for null keys), or librdkafka's consistent, consistent_random, murmur2_random, random. */
  readonly partitioner?: PartitionerName;
  /** Makes the producer transactional (and idempotent): one transactional.id, one live producer. */
  readonly "transactional.id"?: string;
  /** none (default), gzip or snappy; lz4 and zstd are read but not written (UnwritableCompressionTypeError). */
  readonly "compression.type"?: CompressionCodec;
  /**
   * How long transaction(), sendOffsets(), commit(), abort() and a send's wait for its topic's metadata may
   * retry requests that go unanswered before failing with RequestTimedOutError (Kafka's default: 60000).
   */
  readonly "max.block.ms"?: number;
}

export interface ResolvedProducerConfig {
  readonly clientId: string;
  readonly acks: Acks;
  readonly retries: number;
  readonly retryBackoffMs: number;
  readonly deliveryTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly maxBlockMs: number;
  readonly lingerMs: number;
  readonly batchSize: number;
  readonly idempotent: boolean;
  readonly partitioner: PartitionerName;
  readonly transactionalId: string | null;
  readonly compressionType: WritableCompressionCodec;
}

const INT32_MAX = 0x7fff_ffff;

function nonNegative(key: string, value: number | undefined, fallback: number): number {
  const resolved = value ?? fallback;
  if (!Number.isInteger(resolved) || resolved < 0) throw new InvalidConfigError(key, `expected an integer >= 0, got ${resolved}`);
  return resolved;
}

function compressionType(codec: string): WritableCompressionCodec {
  if (!(COMPRESSION_CODECS as readonly string[]).includes(codec)) {
    throw new InvalidConfigError("compression.type", `expected one of ${COMPRESSION_CODECS.join(", ")}, got ${codec}`);
  }
  const writable = WRITABLE_COMPRESSION_CODECS.find((c) => c === codec);
  if (writable === undefined) throw new UnwritableCompressionTypeError(codec, WRITABLE_COMPRESSION_CODECS);
  return writable;
}

export function resolveProducerConfig(config: ProducerConfig): ResolvedProducerConfig {
  const acksValue = config.acks ?? "all";
  const acks: Acks = acksValue === "all" || acksValue === "-1" || acksValue === -1 ? -1 : acksValue === "0" || acksValue === 0 ? 0 : acksValue === "1" || acksValue === 1 ? 1 : NaN as Acks;
  if (Number.isNaN(acks)) throw new InvalidConfigError("acks", `expected all, -1, 0 or 1, got ${String(acksValue)}`);
  const retries = nonNegative("retries", config.retries, INT32_MAX);
  // Idempotence needs acks=all and retries: Kafka refuses an explicit conflict and
  // otherwise turns idempotence off when the user chose weaker settings.
  const explicitIdempotence = config["enable.idempotence"];
  if (explicitIdempotence === true && acks !== -1) throw new InvalidConfigError("enable.idempotence", `requires acks=all, got acks=${acks}`);
  if (explicitIdempotence === true && retries === 0) throw new InvalidConfigError("enable.idempotence", "requires retries > 0");
  const transactionalId = config["transactional.id"] ?? null;
  if (transactionalId !== null && explicitIdempotence === false) throw new InvalidConfigError("transactional.id", "requires enable.idempotence=true");
  if (transactionalId !== null && acks !== -1) throw new InvalidConfigError("transactional.id", `requires acks=all, got acks=${acks}`);
  const idempotent = explicitIdempotence ?? (transactionalId !== null || (acks === -1 && retries > 0));
  const partitioner = config.partitioner ?? "murmur2";
  if (!PARTITIONER_NAMES.includes(partitioner)) throw new InvalidConfigError("partitioner", `expected one of ${PARTITIONER_NAMES.join(", ")}, got ${partitioner}`);
  const lingerMs = nonNegative("linger.ms", config["linger.ms"], 5);
  const requestTimeoutMs = nonNegative("request.timeout.ms", config["request.timeout.ms"], 30_000);
  const deliveryTimeoutMs = nonNegative("delivery.timeout.ms", config["delivery.timeout.ms"], 120_000);
  if (deliveryTimeoutMs < lingerMs + requestTimeoutMs) {
    throw new InvalidConfigError("delivery.timeout.ms", `must be at least linger.ms + request.timeout.ms = ${lingerMs + requestTimeoutMs}`);
  }
  return {
    compressionType: compressionType(config["compression.type"] ?? "none"),
    clientId: config["client.id"] ?? "producer",
    acks,
    retries,
    retryBackoffMs: nonNegative("retry.backoff.ms", config["retry.backoff.ms"], 100),
    deliveryTimeoutMs,
    requestTimeoutMs,
    maxBlockMs: nonNegative("max.block.ms", config["max.block.ms"], 60_000),
    lingerMs,
    batchSize: nonNegative("batch.size", config["batch.size"], 16384),
    idempotent,
    partitioner,
    transactionalId,
  };
}
