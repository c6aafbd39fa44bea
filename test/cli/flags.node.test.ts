// The strict flag parser every command shares: numbers are plain decimal
// integers in range, and anything unexpected is a usage error naming the flag.

import { describe, expect, it } from "vitest";
import { choiceFlag, integerFlag, parseFlags } from "../../src/cli/flags.ts";
import { UsageError } from "../../src/cli/usage.ts";

const FLAGS = { count: { type: "string" }, on: { type: "boolean" }, tag: { type: "string", multiple: true } } as const;

describe("integerFlag", () => {
  it("takes decimal integers in range", () => {
    expect(integerFlag("count", "42", 1, 100)).toBe(42);
    expect(integerFlag("count", "-1", -1)).toBe(-1);
  });

  it.each(["", " 2", "2 ", "0x10", "1e3", "1.5", "2.0", "+2", "abc", "9007199254740993", "0", "101"])("refuses %j, naming the flag and the value", (value) => {
    expect(() => integerFlag("count", value, 1, 100)).toThrow(new UsageError(`--count must be an integer from 1 to 100, got ${JSON.stringify(value)}`));
  });
});

describe("parseFlags", () => {
  it("returns values and the named positionals", () => {
    expect(parseFlags("cmd", ["T", "--count", "3", "--tag", "a", "--tag", "b"], FLAGS, ["TOPIC"])).toEqual({
      values: { count: "3", tag: ["a", "b"] },
      positionals: ["T"],
    });
  });

  it("refuses extra positionals, unknown flags, missing values and a flag given twice", () => {
    expect(() => parseFlags("cmd", ["T", "U"], FLAGS, ["TOPIC"])).toThrow(new UsageError('cmd: unexpected argument "U" (cmd takes only TOPIC)'));
    expect(() => parseFlags("cmd", ["--nope"], FLAGS)).toThrow(new UsageError("cmd: Unknown option '--nope'"));
    expect(() => parseFlags("cmd", ["--count"], FLAGS)).toThrow(UsageError);
    expect(() => parseFlags("cmd", ["--count", "--on"], FLAGS)).toThrow(new UsageError("cmd: --count needs a value (one that starts with a dash is written --count=-VALUE)"));
    expect(() => parseFlags("cmd", ["--count", "1", "--count", "2"], FLAGS)).toThrow(new UsageError("cmd: --count is given more than once"));
  });

  it("choiceFlag names the choices", () => {
    expect(() => choiceFlag("format", "xml", ["text", "json"])).toThrow(new UsageError('--format must be one of text, json, got "xml"'));
  });
});
