// Kafka's control records, the transaction markers a coordinator writes into
// each partition: the key is version (int16 0) and type (int16), the value is
// version (int16 0) and the coordinator epoch (int32).

import { InvalidRecordError } from "./errors.ts";

/** Control record types (the key's second int16). */
export const CONTROL_TYPE_ABORT = 0;
export const CONTROL_TYPE_COMMIT = 1;
export type ControlType = typeof CONTROL_TYPE_ABORT | typeof CONTROL_TYPE_COMMIT;

const CONTROL_KEY_BYTES = 4;
const CONTROL_KEY_TYPE_AT = 2;

/** The key of a marker of `type`, version 0. */
export function controlRecordKey(type: ControlType): Uint8Array {
  const key = new Uint8Array(CONTROL_KEY_BYTES);
  new DataView(key.buffer).setInt16(CONTROL_KEY_TYPE_AT, type);
  return key;
}

/** The value of a marker: version 0, coordinator epoch 0 (one coordinator that never moves). */
export function controlRecordValue(): Uint8Array {
  return new Uint8Array(6);
}

/** The type a control record's key carries; InvalidRecordError when the key is too short to hold one. */
export function controlRecordType(key: Uint8Array | null): number {
  if (key === null || key.length < CONTROL_KEY_BYTES) throw new InvalidRecordError("a control record needs a 4-byte key (version, type)");
  return new DataView(key.buffer, key.byteOffset, key.byteLength).getInt16(CONTROL_KEY_TYPE_AT);
}
