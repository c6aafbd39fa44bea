// The generated codecs against the schemas they came from: random messages of every API, version and direction
// survive decode(encode(m)) and re-encode byte for byte; broken input raises WireFormatError and nothing else.
// Replay a failure with the seed fast-check prints: fc.assert(..., { seed, path }).

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeRequestFrame, decodeResponseFrame, encodeRequestFrame, encodeResponseFrame, readFrame, type RequestHeader,
  UnsupportedVersionError, type WireApi, wireApisByKey, WireFormatError,
} from "../../src/wire/index.ts";
import { type MessageCase, messageArbitrary, messageCases } from "../support/wire-arbitraries.ts";

const runsPerVersion = 12;

const codecs = (c: MessageCase) => {
  const api = [...wireApisByKey.values()].find((a) => a.name === c.api)!;
  return {
    api,
    encode: (m: object) => (c.kind === "Request" ? api.encodeRequest : api.encodeResponse)(c.version, m),
    decode: (bytes: Uint8Array) => (c.kind === "Request" ? api.decodeRequest : api.decodeResponse)(c.version, bytes),
  };
};

/** Whatever `run` does with broken input, it either returns or throws WireFormatError. */
function onlyWireFormatErrors(run: () => unknown): void {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(WireFormatError);
  }
}

const apis = [...new Set(messageCases.map((c) => c.api))];

describe("generated codecs", () => {
  it("cover every API loglab serves, request and response, in every version of the schema", () => {
    expect(apis).toHaveLength(22);
    expect(new Set(messageCases.map((c) => `${c.api}${c.kind}`)).size).toBe(44);
    for (const api of wireApisByKey.values()) {
      expect(api.servedVersions.min).toBeGreaterThanOrEqual(api.validVersions.min);
      expect(api.servedVersions.max).toBeLessThanOrEqual(api.validVersions.max);
    }
  });

  describe.each(apis)("%s", (apiName) => {
    const cases = messageCases.filter((c) => c.api === apiName);

    it("decode(encode(m)) equals m and re-encodes byte for byte, in every version, both directions", () => {
      for (const c of cases) {
        const { encode, decode } = codecs(c);
        fc.assert(
          fc.property(messageArbitrary(c.schema, c.version), (message) => {
            const bytes = encode(message);
            const decoded = decode(bytes);
            expect(decoded, `${c.api}${c.kind} v${c.version}`).toEqual(message);
            expect(encode(decoded)).toEqual(bytes);
          }),
          { numRuns: runsPerVersion },
        );
      }
    });

    it("every truncation of a valid message raises WireFormatError", () => {
      for (const c of cases) {
        const { encode, decode } = codecs(c);
        fc.assert(
          fc.property(messageArbitrary(c.schema, c.version), fc.nat(), (message, cut) => {
            const bytes = encode(message);
            if (bytes.length === 0) return; // ApiVersionsRequest v0 and ListGroupsRequest v0 have no fields
            const short = bytes.subarray(0, cut % bytes.length);
            expect(() => decode(short)).toThrow(WireFormatError);
          }),
          { numRuns: runsPerVersion },
        );
      }
    });

    it("random and corrupted bytes decode or raise WireFormatError, never another exception", () => {
      for (const c of cases) {
        const { encode, decode } = codecs(c);
        fc.assert(
          fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => onlyWireFormatErrors(() => decode(bytes))),
          { numRuns: runsPerVersion },
        );
        fc.assert(
          fc.property(messageArbitrary(c.schema, c.version), fc.nat(), fc.integer({ min: 0, max: 255 }), (message, at, byte) => {
            const bytes = encode(message).slice();
            if (bytes.length > 0) bytes[at % bytes.length] = byte;
            onlyWireFormatErrors(() => decode(bytes));
          }),
          { numRuns: runsPerVersion },
        );
      }
    });
  });
});

const clientIdArbitrary = fc.option(fc.string({ maxLength: 10 }), { nil: null });

describe("framing", () => {
  const requestCases = messageCases.filter((c) => c.kind === "Request");
  const responseCases = messageCases.filter((c) => c.kind === "Response");

  it("request frames carry header v1 or v2 and their body, and readFrame finds them back to back", () => {
    fc.assert(
      fc.property(fc.constantFrom(...requestCases).chain((c) => fc.tuple(
        fc.constant(c), messageArbitrary(c.schema, c.version), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), clientIdArbitrary,
      )), ([c, body, correlationId, clientId]) => {
        const api = codecs(c).api;
        const header: RequestHeader = { apiKey: api.apiKey, apiVersion: c.version, correlationId, clientId };
        const frame = encodeRequestFrame(header, body);
        const two = new Uint8Array([...frame, ...frame]);
        const first = readFrame(two)!;
        expect(first.next).toBe(frame.length);
        expect(decodeRequestFrame(first.frame)).toEqual({ header, body });
        expect(readFrame(two, first.next)!.next).toBe(two.length);
        expect(readFrame(two.subarray(0, frame.length - 1))).toBeNull();
      }),
      { numRuns: 300 },
    );
  });

  it("response frames carry header v0 or v1 and their body", () => {
    fc.assert(
      fc.property(fc.constantFrom(...responseCases).chain((c) => fc.tuple(
        fc.constant(c), messageArbitrary(c.schema, c.version), fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      )), ([c, body, correlationId]) => {
        const api = codecs(c).api;
        const frame = readFrame(encodeResponseFrame(api.apiKey, c.version, { correlationId }, body))!.frame;
        expect(decodeResponseFrame(api.apiKey, c.version, frame)).toEqual({ header: { correlationId }, body });
      }),
      { numRuns: 300 },
    );
  });

  it("the client id keeps its int16 length in request header v2", () => {
    const frame = encodeRequestFrame({ apiKey: 18, apiVersion: 3, correlationId: 7, clientId: "ab" }, {
      clientSoftwareName: "x", clientSoftwareVersion: "1",
    });
    // size(4) api_key(2) api_version(2) correlation_id(4) then client_id: int16 length 2, "ab", empty tagged fields.
    expect([...frame.subarray(12, 17)]).toEqual([0, 2, 0x61, 0x62, 0]);
  });

  it("ApiVersions answers with response header v0 even in its flexible versions; others use v1 when flexible", () => {
    const apiVersions = encodeResponseFrame(18, 3, { correlationId: 1 }, {
      errorCode: 35, apiKeys: [], throttleTimeMs: 0,
    });
    // size, correlation id, then the body's error code (35, UNSUPPORTED_VERSION) straight away: no tagged-field byte.
    expect([...apiVersions.subarray(4, 10)]).toEqual([0, 0, 0, 1, 0, 35]);
    const heartbeat = encodeResponseFrame(12, 4, { correlationId: 1 }, { throttleTimeMs: 0, errorCode: 0 });
    expect([...heartbeat.subarray(4, 9)]).toEqual([0, 0, 0, 1, 0]);
    expect(heartbeat.length).toBe(4 + 5 + 4 + 2 + 1);
  });

  it("a frame size over the limit or negative is malformed", () => {
    const size = (n: number) => new Uint8Array([(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
    expect(() => readFrame(size(1025), 0, 1024)).toThrow(WireFormatError);
    expect(() => readFrame(size(-5))).toThrow(WireFormatError);
    expect(readFrame(size(1024), 0, 1024)).toBeNull();
  });

  it("random request frames parse, or raise WireFormatError, or UnsupportedVersionError for APIs and versions it lacks", () => {
    const known = fc.constantFrom(...requestCases).map((c) => [codecs(c).api.apiKey, c.version] as const);
    const prefix = fc.oneof(known, fc.tuple(fc.integer({ min: -1, max: 80 }), fc.integer({ min: -1, max: 20 })));
    fc.assert(
      fc.property(prefix, fc.uint8Array({ maxLength: 48 }), ([apiKey, apiVersion], rest) => {
        const frame = new Uint8Array([apiKey >> 8 & 0xff, apiKey & 0xff, apiVersion >> 8 & 0xff, apiVersion & 0xff, ...rest]);
        try {
          decodeRequestFrame(frame);
        } catch (error) {
          expect(error instanceof WireFormatError || error instanceof UnsupportedVersionError).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe("version rules the schemas set", () => {
  const api = (name: string): WireApi => [...wireApisByKey.values()].find((a) => a.name === name)!;

  it("refuses to encode a non-default field the version lacks unless it is ignorable", () => {
    const heartbeat = { groupId: "g", generationId: 1, memberId: "m" };
    expect(() => api("Heartbeat").encodeRequest(2, { ...heartbeat, groupInstanceId: "static" })).toThrow(UnsupportedVersionError);
    expect(api("Heartbeat").decodeRequest(2, api("Heartbeat").encodeRequest(2, { ...heartbeat, groupInstanceId: null })))
      .toEqual(heartbeat);
    // ListOffsetsRequest's CurrentLeaderEpoch (v4+) is ignorable: dropped in v3 rather than refused.
    const partition = { partitionIndex: 0, currentLeaderEpoch: 3, timestamp: -1n };
    const request = { replicaId: -1, isolationLevel: 0, topics: [{ name: "t", partitions: [partition] }] };
    const { currentLeaderEpoch: _dropped, ...inV3 } = partition;
    expect(api("ListOffsets").decodeRequest(3, api("ListOffsets").encodeRequest(3, request)))
      .toEqual({ ...request, topics: [{ name: "t", partitions: [inV3] }] });
  });

  it("refuses null where the version's nullableVersions exclude it, in both directions", () => {
    // MetadataRequest's Topics is nullable from v1: in v0 a null array is malformed.
    expect(() => api("Metadata").encodeRequest(0, { topics: null })).toThrow(UnsupportedVersionError);
    expect(() => api("Metadata").decodeRequest(0, new Uint8Array([0xff, 0xff, 0xff, 0xff]))).toThrow(WireFormatError);
    expect(api("Metadata").decodeRequest(1, new Uint8Array([0xff, 0xff, 0xff, 0xff]))).toEqual({ topics: null });
  });

  it("refuses versions outside the schema's range", () => {
    expect(() => api("Produce").encodeRequest(2, {})).toThrow(UnsupportedVersionError);
    expect(() => api("Fetch").decodeResponse(19, new Uint8Array(0))).toThrow(UnsupportedVersionError);
  });
});
