// Strict command-line flags, shared by every command: unknown flags, missing
// values, flags given twice, extra arguments and numbers that are not plain
// integers are usage errors that name the flag and the value.

import { parseArgs } from "node:util";
import { UsageError } from "./usage.ts";

export interface FlagSpec {
  readonly type: "string" | "boolean";
  readonly multiple?: boolean;
}

type FlagValue<S extends FlagSpec> = S["type"] extends "boolean"
  ? (S["multiple"] extends true ? boolean[] : boolean)
  : (S["multiple"] extends true ? string[] : string);

export type FlagValues<F extends Readonly<Record<string, FlagSpec>>> = { [K in keyof F]?: FlagValue<F[K]> };

export interface ParsedFlags<F extends Readonly<Record<string, FlagSpec>>> {
  readonly values: FlagValues<F>;
  /** The positional arguments, in order, at most as many as were named. */
  readonly positionals: string[];
}

/** What node:util's parseArgs says, as one line that names the flag. */
function parseProblem(command: string, error: Error): string {
  const first = error.message.split("\n")[0]!;
  const ambiguous = /^Option '(--[^' ]+)' argument is ambiguous/.exec(first);
  if (ambiguous !== null) return `${command}: ${ambiguous[1]} needs a value (one that starts with a dash is written ${ambiguous[1]}=-VALUE)`;
  return `${command}: ${first.split(". ")[0]!.replace(/\.$/, "")}`;
}

/**
 * Parses `args` for `command`: `flags` are the known flags, `positionalNames`
 * the positional arguments it takes (anything beyond them is refused).
 */
export function parseFlags<F extends Readonly<Record<string, FlagSpec>>>(
  command: string,
  args: readonly string[],
  flags: F,
  positionalNames: readonly string[] = [],
): ParsedFlags<F> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options: flags, allowPositionals: true, strict: true, tokens: true });
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) throw new UsageError(parseProblem(command, error as Error));
    throw error;
  }
  const seen = new Set<string>();
  for (const token of parsed.tokens) {
    if (token.kind !== "option") continue;
    if (seen.has(token.name) && flags[token.name]?.multiple !== true) {
      throw new UsageError(`${command}: --${token.name} is given more than once`);
    }
    seen.add(token.name);
  }
  if (parsed.positionals.length > positionalNames.length) {
    const extra = parsed.positionals.slice(positionalNames.length).map((p) => JSON.stringify(p)).join(" ");
    const takes = positionalNames.length === 0 ? "takes no arguments" : `takes only ${positionalNames.join(" ")}`;
    throw new UsageError(`${command}: unexpected argument ${extra} (${command} ${takes})`);
  }
  return { values: parsed.values as FlagValues<F>, positionals: parsed.positionals };
}

/** A flag whose absence is a usage error. */
export function required<T>(command: string, flag: string, value: T | undefined, what = "VALUE"): T {
  if (value === undefined) throw new UsageError(`${command} needs --${flag} ${what}`);
  return value;
}

/**
 * A flag's value as an integer from `min` to `max`: decimal digits only, with
 * an optional minus sign. Number() would also take "", " 2", "0x10", "1e3"
 * and "1.0", and parseInt() "2abc"; a typo must not become a different number.
 */
export function integerFlag(flag: string, value: string, min: number, max: number = Number.MAX_SAFE_INTEGER): number {
  const parsed = /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
    throw new UsageError(`--${flag} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return parsed;
}

/** An optional integer flag: `fallback` when absent. */
export function optionalIntegerFlag<T>(flag: string, value: string | undefined, min: number, max: number, fallback: T): number | T {
  return value === undefined ? fallback : integerFlag(flag, value, min, max);
}

/** A flag whose value must be one of `choices`. */
export function choiceFlag<T extends string>(flag: string, value: string, choices: readonly T[]): T {
  const match = choices.find((choice) => choice === value);
  if (match === undefined) throw new UsageError(`--${flag} must be one of ${choices.join(", ")}, got ${JSON.stringify(value)}`);
  return match;
}
