// Topic configs are looked up by their own keys only: names that objects
// inherit ("__proto__", "constructor", "toString") are unknown keys like any other.

import { describe, expect, it } from "vitest";
import { DEFAULT_LOG_CONFIG, InvalidConfigError, parseConfigPairs, parseLogConfig } from "../../src/log/index.ts";

describe("log config keys", () => {
  it.each(["__proto__", "constructor", "toString", "hasOwnProperty"])("refuses %s as an unknown key", (key) => {
    const pairs = parseConfigPairs([`${key}=1`]);
    expect(Object.keys(pairs)).toEqual([key]);
    expect(() => parseLogConfig(pairs)).toThrow(InvalidConfigError);
    expect(() => parseLogConfig(pairs)).toThrow(`invalid config ${key}: unknown key`);
  });

  it("refuses a key given twice and still parses known keys", () => {
    expect(() => parseConfigPairs(["segment.bytes=100", "segment.bytes=200"])).toThrow("invalid config segment.bytes: given more than once");
    expect(parseLogConfig(parseConfigPairs(["segment.bytes=100"]))).toEqual({ ...DEFAULT_LOG_CONFIG, segmentBytes: 100 });
  });
});
