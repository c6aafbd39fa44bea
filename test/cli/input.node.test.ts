// Standard input as lines of bytes: split at "\n" wherever the chunks break,
// "\r\n" read as one line ending, every other byte kept as it came.

import { describe, expect, it } from "vitest";
import { splitLines } from "../../src/cli/input.ts";

async function* source(chunks: number[][]) {
  for (const chunk of chunks) yield Uint8Array.from(chunk);
}

async function split(chunks: number[][]): Promise<[number, number[]][]> {
  const lines: [number, number[]][] = [];
  for await (const line of splitLines(source(chunks))) {
    expect(line.lengthBytes).toBe(line.bytes.length);
    lines.push([line.number, Array.from(line.bytes)]);
  }
  return lines;
}

describe("splitLines", () => {
  it("splits at newlines across chunk boundaries and numbers the lines from 1", async () => {
    expect(await split([[1, 2], [3, 10, 4], [10]])).toEqual([[1, [1, 2, 3]], [2, [4]]]);
  });

  it("drops a carriage return before a newline even when the chunks part them, and keeps a lone one", async () => {
    expect(await split([[1, 13], [10, 2, 13, 3, 10]])).toEqual([[1, [1]], [2, [2, 13, 3]]]);
  });

  it("keeps empty lines and invalid UTF-8, and ends with a last line that has no newline", async () => {
    expect(await split([[10, 0xff, 0xfe, 10, 0xc3]])).toEqual([[1, []], [2, [0xff, 0xfe]], [3, [0xc3]]]);
  });

  it("yields nothing for empty input", async () => {
    expect(await split([[], []])).toEqual([]);
  });

  it("keeps only the first lineBytesMax bytes of a longer line, with its whole length", async () => {
    const lines = [];
    for await (const line of splitLines(source([[1, 2, 3], [4, 5, 13, 10, 6, 7, 13, 10, 8, 9, 9, 13]]), 2)) {
      lines.push([line.number, Array.from(line.bytes), line.lengthBytes]);
    }
    // The "\r" of a line at the limit is dropped, not counted.
    expect(lines).toEqual([[1, [1, 2], 5], [2, [6, 7], 2], [3, [8, 9], 3]]);
  });
});
