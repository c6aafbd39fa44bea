// What the request handlers share: the one node loglab serves as, the value Kafka sends for authorized operations
// not asked for, and the conversion of the wire's int64 to the safe integers src/broker and src/log use.

/** loglab serve is a one-node cluster: node 0 leads every partition and coordinates every group. */
export const NODE_ID = 0;

/** Kafka's "not requested" value for the authorized-operations fields (Integer.MIN_VALUE). */
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

/** An int64 from the wire as a safe integer; RangeError beyond 2^53 (the connection then closes). */
export function toSafeInteger(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) throw new RangeError(`${value} is beyond 2^53`);
  return Number(value);
}
