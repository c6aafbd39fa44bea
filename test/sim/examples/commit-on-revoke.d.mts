// The example's types, as a TypeScript user would write the module itself.
import type { Program, SimulateOptions } from "../../../sim/index.ts";

export declare const pipeline: Program;
declare const options: Omit<SimulateOptions, "seed"> & { readonly inputs: NonNullable<SimulateOptions["inputs"]> };
export default options;
