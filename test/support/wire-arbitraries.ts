// fast-check arbitraries for Kafka messages, built from the same schemas the codecs were generated from: every
// field the version has, nulls where the version allows them, and unknown tagged fields in flexible versions.

import fc from "fast-check";
import { type MessageSchema, messageSchemas, type SchemaField } from "../../src/wire/generated/schemas.ts";

type Range = readonly [number, number];

function parseVersions(spec: string | undefined): Range | null {
  if (spec === undefined || spec === "none") return null;
  if (spec.endsWith("+")) return [Number(spec.slice(0, -1)), Number.MAX_SAFE_INTEGER];
  const [lo, hi] = spec.split("-");
  return [Number(lo), Number(hi ?? lo)];
}

const within = (spec: string | undefined, version: number) => {
  const range = parseVersions(spec);
  return range !== null && version >= range[0] && version <= range[1];
};

const camel = (name: string) => name.replace(/^[A-Z]+(?=[A-Z][a-z]|\d|$)|^[A-Z]/, (s) => s.toLowerCase());

/** Tags no schema here uses, so they stay unknown to every decoder. */
const unknownTagArbitrary = fc.integer({ min: 100, max: 20_000 });

const unknownTaggedFieldsArbitrary = fc.uniqueArray(
  fc.record({ tag: unknownTagArbitrary, data: fc.uint8Array({ maxLength: 6 }) }),
  { selector: (field) => field.tag, minLength: 1, maxLength: 3 },
).map((fields) => fields.sort((a, b) => a.tag - b.tag));

const int = (bits: number) => fc.integer({ min: -(2 ** (bits - 1)), max: 2 ** (bits - 1) - 1 });

const primitiveArbitraries: Record<string, fc.Arbitrary<unknown>> = {
  int8: int(8),
  int16: int(16),
  int32: int(32),
  uint16: fc.integer({ min: 0, max: 0xffff }),
  uint32: fc.integer({ min: 0, max: 0xffff_ffff }),
  int64: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  float64: fc.double(),
  bool: fc.boolean(),
  string: fc.string({ unit: "grapheme", maxLength: 6 }),
  uuid: fc.oneof(fc.constant("00000000-0000-0000-0000-000000000000"), fc.uuid()),
  bytes: fc.uint8Array({ maxLength: 8 }),
  records: fc.uint8Array({ maxLength: 16 }),
};

/** A message of `schema` in `version`, shaped as the generated decoder returns it. */
export function messageArbitrary(schema: MessageSchema, version: number): fc.Arbitrary<Record<string, unknown>> {
  const structs = new Map<string, SchemaField[]>();
  const collect = (fields: readonly SchemaField[]) => {
    for (const f of fields) {
      if (f.fields !== undefined) structs.set(f.type.replace(/^\[\]/, ""), f.fields);
      collect(f.fields ?? []);
    }
  };
  for (const common of schema.commonStructs) structs.set(common.name, common.fields);
  schema.commonStructs.forEach((common) => collect(common.fields));
  collect(schema.fields);
  const flexible = within(schema.flexibleVersions, version);

  const valueOf = (field: SchemaField, depth: number): fc.Arbitrary<unknown> => {
    const array = field.type.startsWith("[]");
    const element = array ? field.type.slice(2) : field.type;
    const one = primitiveArbitraries[element] ?? structOf(structs.get(element)!, depth + 1);
    const value = array ? fc.array(one, { maxLength: depth < 2 ? 3 : 1 }) : one;
    return within(field.nullableVersions, version) ? fc.option(value, { nil: null }) : value;
  };

  const structOf = (fields: readonly SchemaField[], depth: number): fc.Arbitrary<Record<string, unknown>> => {
    const shape: Record<string, fc.Arbitrary<unknown>> = {};
    for (const field of fields) if (within(field.versions, version)) shape[camel(field.name)] = valueOf(field, depth);
    const unknown = flexible ? fc.option(unknownTaggedFieldsArbitrary, { nil: undefined }) : fc.constant(undefined);
    return fc.tuple(fc.record(shape), unknown).map(([struct, unknownTaggedFields]) =>
      unknownTaggedFields === undefined ? struct : { ...struct, unknownTaggedFields });
  };

  return structOf(schema.fields, 0);
}

export interface MessageCase {
  readonly schema: MessageSchema;
  readonly api: string;
  readonly kind: "Request" | "Response";
  readonly version: number;
}

/** Every message of every API in every version its schema defines. */
export const messageCases: readonly MessageCase[] = messageSchemas.flatMap((schema) => {
  const [min, max] = parseVersions(schema.validVersions)!;
  const kind = schema.type === "request" ? "Request" : "Response";
  const api = schema.name.slice(0, -kind.length);
  return Array.from({ length: max - min + 1 }, (_, i) => ({ schema, api, kind, version: min + i }) as const);
});
