// Binary search over Kafka's sparse index files, entries big-endian as on disk:
// .index = (relativeOffset: int32, position: int32), .timeindex =
// (timestamp: int64, relativeOffset: int32). Both answer "the greatest entry
// at or below the target", from which the log scans forward.

/** Index of the last offset-index entry whose relativeOffset <= target, or -1. */
export function offsetIndexLookup(ptr: usize, count: i32, targetRelativeOffset: i32): i32 {
  let low = 0;
  let high = count - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    if (bswap<i32>(load<i32>(ptr + (<usize>middle << 3))) <= targetRelativeOffset) {
      found = middle;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return found;
}

/** Index of the last time-index entry whose timestamp <= target (ms), or -1. */
export function timeIndexLookup(ptr: usize, count: i32, targetTimestamp: f64): i32 {
  const target = <i64>targetTimestamp;
  let low = 0;
  let high = count - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    if (bswap<i64>(load<i64>(ptr + <usize>middle * 12)) <= target) {
      found = middle;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return found;
}
