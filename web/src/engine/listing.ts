// Cuts a listing out of a module's source text (imported with `?raw`, so the
// lesson shows the code that runs) and tags each line with the step it
// reports. Pure: source text in, lines out.

export interface CodeLine {
  readonly text: string;
  /** The step this line reports when it has run. */
  readonly step?: string;
}

/**
 * The top-level declaration `export … name` in `source`, with the comment
 * right above it, up to its closing line (`}` or `};` at column 0). Throws
 * when it is missing, so a renamed function fails the build's tests rather
 * than showing an empty listing.
 */
export function declarationText(source: string, name: string): string {
  const lines = source.split("\n");
  const start = lines.findIndex((line) => new RegExp(`^export (async function|function|const) ${name}\\b`).test(line));
  if (start < 0) throw new Error(`no top-level declaration of ${name} in the source`);
  let end = start;
  while (end < lines.length && !/^\}/.test(lines[end]!)) end++;
  if (end === lines.length) throw new Error(`the declaration of ${name} does not end`);
  let first = start;
  while (first > 0 && /^\s*(\/\/|\/\*\*|\*)/.test(lines[first - 1]!)) first--;
  return lines.slice(first, end + 1).join("\n");
}

const STEP_CALL = /\bstep\("([a-z-]+)"/;

/**
 * Splits `text` into lines and tags the line each `step("name", …)` call
 * reports: the statement before the call when the call stands alone, else
 * the line holding it (`if (…) await step(…)`).
 */
export function taggedLines(text: string): CodeLine[] {
  const lines: CodeLine[] = text.split("\n").map((line) => ({ text: line }));
  lines.forEach((line, i) => {
    const step = STEP_CALL.exec(line.text)?.[1];
    if (step === undefined) return;
    let target = i;
    if (/^\s*await step\(/.test(line.text)) {
      do target--; while (target >= 0 && /^\s*(\/\/.*)?$/.test(lines[target]!.text));
    }
    if (target < 0) throw new Error(`step("${step}") reports no statement`);
    lines[target] = { text: lines[target]!.text, step };
  });
  return lines;
}

/** The listing of `names` (constants and functions, in that order) from `source`, blank-line separated, steps tagged. */
export function listing(source: string, ...names: string[]): CodeLine[] {
  return taggedLines(names.map((name) => declarationText(source, name)).join("\n\n"));
}
