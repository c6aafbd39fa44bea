// What the generated codecs in generated/ share beyond the primitives: version checks, the refusals Kafka's
// generated Java makes when a message does not fit a version, and the shape of one API's codecs.

import { UnsupportedVersionError, type Reader, type Writer } from "./primitives.ts";

export { Reader, type TaggedField, uuidZero, wireEqual, Writer } from "./primitives.ts";

export function checkVersion(message: string, version: number, min: number, max: number): void {
  if (!Number.isInteger(version) || version < min || version > max) {
    throw new UnsupportedVersionError(`${message} has versions ${min}–${max}, not ${version}`);
  }
}

/** A field that the version lacks holds a value other than its default, and the schema does not mark it ignorable. */
export function absent(field: string, version: number): never {
  throw new UnsupportedVersionError(`${field} is not in version ${version} and is not ignorable, but holds a non-default value`);
}

/** A null in a version whose nullableVersions exclude it. */
export function nonNullable(field: string, version: number): never {
  throw new UnsupportedVersionError(`${field} cannot be null in version ${version}`);
}

/** A version range, both ends included. */
export interface VersionRange {
  readonly min: number;
  readonly max: number;
}

/** One API: its schema's versions, what loglab advertises and answers, and its codecs (typed loosely for dispatch). */
export interface WireApi {
  readonly apiKey: number;
  readonly name: string;
  /** The versions the vendored schema defines, and the codecs accept. */
  readonly validVersions: VersionRange;
  /** The range ApiVersions advertises (Produce starts below what is answered; see kafka-wire.md). */
  readonly advertisedVersions: VersionRange;
  /** The versions loglab decodes and answers; others in the advertised range get UNSUPPORTED_VERSION. */
  readonly servedVersions: VersionRange;
  /** The first flexible version: request header v2 and response header v1 from here (but ApiVersions answers with v0). */
  readonly flexibleVersionsMin: number;
  readonly encodeRequest: (version: number, message: object) => Uint8Array;
  readonly decodeRequest: (version: number, bytes: Uint8Array) => object;
  readonly encodeResponse: (version: number, message: object) => Uint8Array;
  readonly decodeResponse: (version: number, bytes: Uint8Array) => object;
  readonly writeRequest: (w: Writer, version: number, message: object) => void;
  readonly readRequest: (r: Reader, version: number) => object;
  readonly writeResponse: (w: Writer, version: number, message: object) => void;
  readonly readResponse: (r: Reader, version: number) => object;
}
