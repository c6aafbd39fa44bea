// How a command that failed ends: one line on stderr and an exit code, 2 for
// a usage error, 1 for everything else. A stack trace is for the people who
// work on loglab, so it is printed only when LOGLAB_DEBUG=1 asks for one.

import { LoglabError } from "../format/index.ts";
import { UsageError } from "./usage.ts";

export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** What the operating system's error codes mean, for errors Node and Deno raise on a path. */
const SYSTEM_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: "no such file or directory",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ENOTDIR: "not a directory",
  EISDIR: "is a directory",
  EEXIST: "already exists",
  ENOSPC: "no space left on device",
  EROFS: "read-only file system",
  EMFILE: "too many open files",
  ENAMETOOLONG: "file name too long",
};

/** Deno's error classes, by name, as Node's codes. */
const DENO_ERRORS: Readonly<Record<string, string>> = {
  NotFound: "ENOENT",
  PermissionDenied: "EACCES",
  NotADirectory: "ENOTDIR",
  IsADirectory: "EISDIR",
  AlreadyExists: "EEXIST",
};

function oneLine(text: string): string {
  return text.split("\n").map((part) => part.trim()).filter((part) => part !== "").join(" ");
}

/** Node's system errors carry code, syscall and path; Deno's name the path in their message. */
function systemErrorLine(error: Error & { code?: unknown; path?: unknown; dest?: unknown; syscall?: unknown }): string | null {
  const code = typeof error.code === "string" ? error.code : DENO_ERRORS[error.name];
  if (code === undefined || !Object.hasOwn(SYSTEM_ERRORS, code)) return null;
  if (typeof error.path !== "string") return `${SYSTEM_ERRORS[code]}: ${error.message}`;
  const dest = typeof error.dest === "string" ? ` -> ${error.dest}` : "";
  const syscall = typeof error.syscall === "string" ? ` (${error.syscall})` : "";
  return `${SYSTEM_ERRORS[code]}: ${error.path}${dest}${syscall}`;
}

/** The file an error names, when it has one its message may lack (CorruptRecordError.fileName). */
function fileOf(error: Error): string | null {
  const fileName = (error as { fileName?: unknown }).fileName;
  return typeof fileName === "string" && fileName !== "" && !error.message.includes(fileName) ? fileName : null;
}

/** The line to print and the exit code for an error that ended a command. */
export function describeFailure(error: unknown): { line: string; exitCode: number } {
  if (error instanceof UsageError) return { line: `usage error: ${oneLine(error.message)} (see "loglab help")`, exitCode: EXIT_USAGE };
  if (!(error instanceof Error)) return { line: `error: ${oneLine(String(error))}`, exitCode: EXIT_FAILED };
  const file = fileOf(error);
  const message = oneLine(error.message) + (file === null ? "" : ` (in ${file})`);
  if (error instanceof LoglabError) return { line: `error: ${message}`, exitCode: EXIT_FAILED };
  const system = systemErrorLine(error);
  if (system !== null) return { line: `error: ${oneLine(system)}`, exitCode: EXIT_FAILED };
  // Not one of loglab's errors: a bug or something unforeseen, still one line.
  return { line: `error: ${error.name === "Error" ? "" : `${error.name}: `}${message}`, exitCode: EXIT_FAILED };
}

/** Whether the environment asks for stack traces (LOGLAB_DEBUG=1). */
export function debugRequested(): boolean {
  return globalThis.process?.env?.["LOGLAB_DEBUG"] === "1";
}

/** Prints the failure's line (and, when asked, its stack) on stderr; returns the exit code. */
export function reportFailure(error: unknown): number {
  const { line, exitCode } = describeFailure(error);
  process.stderr.write(`${line}\n`);
  if (debugRequested() && error instanceof Error && error.stack !== undefined) process.stderr.write(`${error.stack}\n`);
  return exitCode;
}

/**
 * The last resort of a program: an error thrown where no command awaits it
 * (a stream's late "error" event, a promise nobody awaited) still ends the
 * process with one line and exit code 1, not the runtime's stack trace.
 */
export function exitOnUncaughtErrors(): void {
  const fail = (error: unknown) => process.exit(reportFailure(error));
  process.on("uncaughtException", fail);
  process.on("unhandledRejection", fail);
}
