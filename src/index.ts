// loglab's package entry: everything a program outside the repository may use.

export * from "./format/index.ts";
export * from "./partitioner/index.ts";
export * from "./runtime/index.ts";
