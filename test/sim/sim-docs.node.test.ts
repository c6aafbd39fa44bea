// Every name `loglab/sim` exports carries TSDoc: what a user's editor shows.

import { join } from "node:path";
import ts from "typescript";
import { expect, it } from "vitest";

it("documents every export of loglab/sim", () => {
  const face = join(import.meta.dirname, "..", "..", "sim", "index.ts");
  const program = ts.createProgram([face], { allowImportingTsExtensions: true, noEmit: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, types: [] });
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(program.getSourceFile(face)!)!;
  const exported = checker.getExportsOfModule(module);
  const undocumented = exported.filter((symbol) => {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    return ts.displayPartsToString(target.getDocumentationComment(checker)).trim() === "";
  }).map((symbol) => symbol.name);
  expect(exported.length).toBeGreaterThan(40);
  expect(undocumented).toEqual([]);
});
