// Kafka's wire primitives: a Writer and a Reader over Uint8Array for the fixed-width integers, varints, strings,
// bytes, arrays and tagged fields that the generated codecs are made of. No I/O, no Node-only APIs.

import { LoglabError } from "../format/index.ts";

/** Bytes that do not parse as the Kafka message expected: truncated, a bad length, a bad varint, a stray null. */
export class WireFormatError extends LoglabError {
  /** The field being read when the input went wrong. */
  readonly field: string;
  /** The byte offset, from the start of the buffer being read, where it went wrong. */
  readonly offset: number;

  constructor(field: string, offset: number, problem: string) {
    super("CORRUPT_MESSAGE", `${field} at byte ${offset}: ${problem}`);
    this.field = field;
    this.offset = offset;
  }
}

/**
 * A message that cannot be written in the version asked for: a field the version lacks holds a non-default value
 * and is not ignorable, or a null where the version allows none (Kafka's UnsupportedVersionException).
 */
export class UnsupportedVersionError extends LoglabError {
  constructor(message: string) {
    super("UNSUPPORTED_VERSION", message);
  }
}

/** A tagged field the schema does not know in that version, kept as raw bytes so re-encoding is byte-identical. */
export interface TaggedField {
  readonly tag: number;
  readonly data: Uint8Array;
}

/** Kafka's all-zero UUID, the default of every uuid field. */
export const uuidZero = "00000000-0000-0000-0000-000000000000";

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder("utf-8", { fatal: true });
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const int16Max = 0x7fff;
const writerBytesInitial = 256;
/**
 * raw() bytes from this size on are kept by reference, not copied: `chunks()` hands them on as they are (a Fetch
 * answer's records go to the socket without a copy), and only `finish()` copies them, into the one array it returns.
 */
export const writerReferencedBytesMin = 4096;

/** A view raw() kept by reference: it follows the first `at` bytes of the Writer's own buffer. */
interface Referenced {
  readonly at: number;
  readonly bytes: Uint8Array;
}

/**
 * Appends Kafka primitives to a growing buffer; `finish()` returns the bytes written as one array, `chunks()` as
 * pieces that refer to large raw() inputs instead of copying them (their owner must not change them meanwhile).
 */
export class Writer {
  private buffer: Uint8Array;
  private view: DataView;
  private length = 0;
  private referenced: Referenced[] | null = null;
  private referencedBytes = 0;

  constructor(bytesInitial = writerBytesInitial) {
    this.buffer = new Uint8Array(bytesInitial);
    this.view = new DataView(this.buffer.buffer);
  }

  /** Bytes written so far, those kept by reference included. */
  get size(): number {
    return this.length + this.referencedBytes;
  }

  /** Everything written, in one array: a view of the buffer, or a copy when bytes were kept by reference. */
  finish(): Uint8Array {
    if (this.referenced === null) return this.buffer.subarray(0, this.length);
    const whole = new Uint8Array(this.size);
    let at = 0;
    for (const chunk of this.chunks()) {
      whole.set(chunk, at);
      at += chunk.length;
    }
    return whole;
  }

  /** Everything written, in order, as views of the buffer and the referenced inputs (no empty piece, at least one). */
  chunks(): Uint8Array[] {
    const own = this.buffer.subarray(0, this.length);
    if (this.referenced === null) return [own];
    const out: Uint8Array[] = [];
    let from = 0;
    for (const { at, bytes } of this.referenced) {
      if (at > from) out.push(own.subarray(from, at));
      out.push(bytes);
      from = at;
    }
    if (this.length > from) out.push(own.subarray(from));
    return out;
  }

  /** Makes room for `bytes` more and returns where they start; read `buffer` and `view` only after calling it. */
  private reserve(bytes: number): number {
    const at = this.length;
    if (at + bytes > this.buffer.length) {
      const grown = new Uint8Array(Math.max(this.buffer.length * 2, at + bytes));
      grown.set(this.buffer.subarray(0, at));
      this.buffer = grown;
      this.view = new DataView(grown.buffer);
    }
    this.length = at + bytes;
    return at;
  }

  int8(value: number): void {
    const at = this.reserve(1);
    this.view.setInt8(at, value);
  }

  int16(value: number): void {
    const at = this.reserve(2);
    this.view.setInt16(at, value);
  }

  uint16(value: number): void {
    const at = this.reserve(2);
    this.view.setUint16(at, value);
  }

  int32(value: number): void {
    const at = this.reserve(4);
    this.view.setInt32(at, value);
  }

  /** Overwrites four bytes already written (a size prefix filled in afterwards), before any kept by reference. */
  int32At(at: number, value: number): void {
    const firstReferenced = this.referenced?.[0]?.at ?? this.length;
    if (at < 0 || at + 4 > firstReferenced) throw new RangeError(`int32At(${at}) is not within the first ${firstReferenced} bytes written`);
    this.view.setInt32(at, value);
  }

  uint32(value: number): void {
    const at = this.reserve(4);
    this.view.setUint32(at, value);
  }

  int64(value: bigint): void {
    const at = this.reserve(8);
    this.view.setBigInt64(at, value);
  }

  float64(value: number): void {
    const at = this.reserve(8);
    this.view.setFloat64(at, value);
  }

  bool(value: boolean): void {
    const at = this.reserve(1);
    this.buffer[at] = value ? 1 : 0;
  }

  uuid(value: string): void {
    if (!uuidPattern.test(value)) throw new UnsupportedVersionError(`not a uuid: ${JSON.stringify(value)}`);
    const hex = value.replaceAll("-", "");
    const at = this.reserve(16);
    for (let i = 0; i < 16; i++) this.buffer[at + i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  }

  /** An unsigned varint (LEB128) of a value in [0, 2^32). */
  unsignedVarint(value: number): void {
    let rest = value >>> 0;
    while (rest >= 0x80) {
      const at = this.reserve(1);
      this.buffer[at] = (rest & 0x7f) | 0x80;
      rest >>>= 7;
    }
    const at = this.reserve(1);
    this.buffer[at] = rest;
  }

  /** Appends `bytes`: copied when small, kept by reference from writerReferencedBytesMin on (see chunks()). */
  raw(bytes: Uint8Array): void {
    if (bytes.length >= writerReferencedBytesMin) {
      (this.referenced ??= []).push({ at: this.length, bytes });
      this.referencedBytes += bytes.length;
      return;
    }
    const at = this.reserve(bytes.length);
    this.buffer.set(bytes, at);
  }

  /** A length prefix: compact (unsigned varint N+1, 0 = null) or classic (int16 for strings, int32 otherwise; -1 = null). */
  private lengthPrefix(length: number | null, compact: boolean, int16Length: boolean): void {
    if (compact) this.unsignedVarint(length === null ? 0 : length + 1);
    else if (int16Length) this.int16(length ?? -1);
    else this.int32(length ?? -1);
  }

  string(value: string | null, compact: boolean): void {
    if (value === null) return this.lengthPrefix(null, compact, true);
    const bytes = textEncoder.encode(value);
    if (bytes.length > int16Max) throw new UnsupportedVersionError(`a string of ${bytes.length} bytes is over Kafka's ${int16Max}`);
    this.lengthPrefix(bytes.length, compact, true);
    this.raw(bytes);
  }

  bytes(value: Uint8Array | null, compact: boolean): void {
    this.lengthPrefix(value === null ? null : value.length, compact, false);
    if (value !== null) this.raw(value);
  }

  array<T>(items: readonly T[] | null, compact: boolean, writeItem: (item: T) => void): void {
    this.lengthPrefix(items === null ? null : items.length, compact, false);
    if (items !== null) for (const item of items) writeItem(item);
  }

  /** A tagged-field section: known fields already encoded plus unknown ones kept from decoding, in ascending tag order. */
  taggedFields(fields: readonly TaggedField[]): void {
    const sorted = [...fields].sort((a, b) => a.tag - b.tag);
    this.unsignedVarint(sorted.length);
    for (const { tag, data } of sorted) {
      this.unsignedVarint(tag);
      this.unsignedVarint(data.length);
      this.raw(data);
    }
  }
}

/** Reads Kafka primitives from a buffer; every read names its field so a bad input says where it went wrong. */
export class Reader {
  private readonly view: DataView;
  private position = 0;

  constructor(private readonly buffer: Uint8Array) {
    this.view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }

  get offset(): number {
    return this.position;
  }

  get remaining(): number {
    return this.buffer.length - this.position;
  }

  private take(bytes: number, field: string): number {
    const at = this.position;
    if (bytes > this.buffer.length - at) {
      throw new WireFormatError(field, at, `needs ${bytes} bytes, ${this.buffer.length - at} left`);
    }
    this.position = at + bytes;
    return at;
  }

  int8(field: string): number {
    return this.view.getInt8(this.take(1, field));
  }

  int16(field: string): number {
    return this.view.getInt16(this.take(2, field));
  }

  uint16(field: string): number {
    return this.view.getUint16(this.take(2, field));
  }

  int32(field: string): number {
    return this.view.getInt32(this.take(4, field));
  }

  uint32(field: string): number {
    return this.view.getUint32(this.take(4, field));
  }

  int64(field: string): bigint {
    return this.view.getBigInt64(this.take(8, field));
  }

  float64(field: string): number {
    return this.view.getFloat64(this.take(8, field));
  }

  bool(field: string): boolean {
    const at = this.take(1, field);
    const value = this.buffer[at]!;
    if (value > 1) throw new WireFormatError(field, at, `a bool must be 0 or 1, not ${value}`);
    return value === 1;
  }

  uuid(field: string): string {
    const at = this.take(16, field);
    let hex = "";
    for (let i = 0; i < 16; i++) hex += this.buffer[at + i]!.toString(16).padStart(2, "0");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  /** An unsigned varint of at most five bytes whose value fits in 32 bits, as Kafka's ByteUtils.readUnsignedVarint. */
  unsignedVarint(field: string): number {
    const start = this.position;
    let value = 0;
    for (let shift = 0; shift <= 28; shift += 7) {
      const byte = this.buffer[this.take(1, field)]!;
      if (shift === 28 && byte > 0x0f) throw new WireFormatError(field, start, "varint over 32 bits");
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
    }
    throw new WireFormatError(field, start, "varint over 32 bits");
  }

  /** A view of the next `length` bytes, not a copy. */
  raw(length: number, field: string): Uint8Array {
    const at = this.take(length, field);
    return this.buffer.subarray(at, at + length);
  }

  /** A length prefix read as in Writer; null for a null length, which the caller refuses when the field is not nullable. */
  private lengthPrefix(field: string, compact: boolean, int16Length: boolean): number | null {
    const at = this.position;
    if (compact) {
      const encoded = this.unsignedVarint(field);
      return encoded === 0 ? null : encoded - 1;
    }
    const length = int16Length ? this.int16(field) : this.int32(field);
    if (length === -1) return null;
    if (length < 0) throw new WireFormatError(field, at, `negative length ${length}`);
    return length;
  }

  private nonNull<T>(value: T | null, nullable: boolean, field: string, at: number): T | null {
    if (value === null && !nullable) throw new WireFormatError(field, at, "null in a field that is not nullable");
    return value;
  }

  /** A string that may be null when `nullable` (the field's nullableVersions hold this version). */
  nullableString(field: string, compact: boolean, nullable: boolean): string | null {
    const at = this.position;
    const length = this.nonNull(this.lengthPrefix(field, compact, true), nullable, field, at);
    if (length === null) return null;
    const bytes = this.raw(length, field);
    try {
      return textDecoder.decode(bytes);
    } catch {
      throw new WireFormatError(field, at, "string is not valid UTF-8");
    }
  }

  string(field: string, compact: boolean): string {
    return this.nullableString(field, compact, false)!;
  }

  nullableBytes(field: string, compact: boolean, nullable: boolean): Uint8Array | null {
    const at = this.position;
    const length = this.nonNull(this.lengthPrefix(field, compact, false), nullable, field, at);
    return length === null ? null : this.raw(length, field);
  }

  bytes(field: string, compact: boolean): Uint8Array {
    return this.nullableBytes(field, compact, false)!;
  }

  /**
   * An array, or null. Each element takes at least one byte, so a count above the bytes left is malformed:
   * refusing it here keeps a forged length from allocating or looping far beyond the input.
   */
  nullableArray<T>(field: string, compact: boolean, nullable: boolean, readItem: () => T): T[] | null {
    const at = this.position;
    const length = this.nonNull(this.lengthPrefix(field, compact, false), nullable, field, at);
    if (length === null) return null;
    if (length > this.remaining) throw new WireFormatError(field, at, `array of ${length} elements in ${this.remaining} bytes`);
    const items: T[] = [];
    for (let i = 0; i < length; i++) items.push(readItem());
    return items;
  }

  array<T>(field: string, compact: boolean, readItem: () => T): T[] {
    return this.nullableArray(field, compact, false, readItem)!;
  }

  /** Checks that a tagged field's decoder consumed exactly the size its header gave. */
  endTaggedField(field: string, end: number): void {
    if (this.position !== end) throw new WireFormatError(field, this.position, `tagged field should end at byte ${end}`);
  }

  /** Checks that a whole message was consumed: trailing bytes mean the version or the framing is wrong. */
  end(field: string): void {
    if (this.remaining !== 0) throw new WireFormatError(field, this.position, `${this.remaining} bytes left over`);
  }
}

/** Structural equality over decoded values (bigint, Uint8Array, arrays, plain objects): a tagged field equal to its default is not written. */
export function wireEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    return a.length === b.length && a.every((byte, i) => byte === b[i]);
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => wireEqual(item, b[i]));
  if (typeof a === "object" && typeof b === "object" && a !== null && b !== null) {
    const keysA = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
    const keysB = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
    return keysA.length === keysB.length &&
      keysA.every((k) => wireEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return false;
}
