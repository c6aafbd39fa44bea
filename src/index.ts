// loglab's package entry: everything a program outside the repository may use.
// Environment-specific storage adapters have entry points of their own.

export * from "./broker/index.ts";
export * from "./client/index.ts";
export * from "./format/index.ts";
export * from "./log/index.ts";
export * from "./partitioner/index.ts";
export * from "./runtime/index.ts";
export * from "./storage/index.ts";
