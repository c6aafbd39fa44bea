// The contract every Storage adapter must keep, as one suite that each
// environment's test file runs against its adapter.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Storage, StorageError } from "../../src/storage/index.ts";
import { pattern } from "../support/bytes.ts";

export interface StorageUnderTest {
  readonly storage: Storage;
  /** A new Storage over the same backing store, as after a restart (after close()). */
  reopen(): Promise<Storage>;
}

const bytes = (...values: number[]) => Uint8Array.from(values);

export function storageConformance(adapter: string, create: () => Promise<StorageUnderTest>): void {
  describe(`${adapter} storage conformance`, () => {
    it("opens a new file empty, and appends are readable at once", async () => {
      const { storage } = await create();
      const file = await storage.open("t-0/a.log");
      expect(file.size).toBe(0);
      await file.append(bytes(1, 2, 3));
      await file.append(bytes(4));
      expect(file.size).toBe(4);
      expect(await file.read(0, 10)).toEqual(bytes(1, 2, 3, 4));
      expect(await file.read(1, 2)).toEqual(bytes(2, 3));
      expect(await file.read(4, 5)).toEqual(bytes());
      expect(await file.read(9, 5)).toEqual(bytes());
    });

    it("keeps synced bytes across a reopen", async () => {
      const under = await create();
      const file = await under.storage.open("t-0/b.log");
      await file.append(bytes(9, 8, 7));
      await file.sync();
      await file.close();
      await under.storage.close();
      const again = await (await under.reopen()).open("t-0/b.log");
      expect(again.size).toBe(3);
      expect(await again.read(0, 3)).toEqual(bytes(9, 8, 7));
    });

    it("lists by prefix in sorted order, and deletes and renames", async () => {
      const { storage } = await create();
      for (const name of ["t-1/2.log", "t-0/1.index", "t-0/1.log", "u-0/1.log"]) await (await storage.open(name)).close();
      expect(await storage.list("t-")).toEqual(["t-0/1.index", "t-0/1.log", "t-1/2.log"]);
      expect(await storage.list("t-0/")).toEqual(["t-0/1.index", "t-0/1.log"]);
      expect(await storage.exists("t-0/1.log")).toBe(true);
      await storage.delete("t-0/1.log");
      await storage.delete("t-0/1.log"); // deleting twice is fine
      expect(await storage.exists("t-0/1.log")).toBe(false);
      const file = await storage.open("t-0/x.cleaned");
      await file.append(bytes(5, 5));
      await file.sync();
      await file.close();
      await storage.rename("t-0/x.cleaned", "t-1/2.log");
      expect(await storage.exists("t-0/x.cleaned")).toBe(false);
      expect(await (await storage.open("t-1/2.log")).read(0, 9)).toEqual(bytes(5, 5));
    });

    it("truncates to a shorter size and ignores a longer one", async () => {
      const { storage } = await create();
      const file = await storage.open("t-0/c.log");
      await file.append(pattern(5000, 1));
      await file.sync();
      await file.append(pattern(100, 2));
      await file.truncate(5050);
      expect(file.size).toBe(5050);
      await file.truncate(3000);
      await file.truncate(9000);
      expect(file.size).toBe(3000);
      expect(await file.read(0, 9000)).toEqual(pattern(5000, 1).subarray(0, 3000));
      await file.append(bytes(1));
      expect(await file.read(2999, 5)).toEqual(bytes(pattern(5000, 1)[2999]!, 1));
    });

    it("round-trips a large append (5 MiB) and reads across any boundary", async () => {
      const under = await create();
      const file = await under.storage.open("t-0/d.log");
      const big = pattern(5 << 20, 3);
      await file.append(big.subarray(0, 1000));
      await file.append(big.subarray(1000));
      await file.sync();
      await file.close();
      await under.storage.close();
      const again = await (await under.reopen()).open("t-0/d.log");
      expect(again.size).toBe(big.length);
      for (const [at, length] of [[0, 10], [65535, 3], [1 << 20, 70000], [big.length - 5, 10]] as const) {
        expect(await again.read(at, length)).toEqual(big.subarray(at, Math.min(at + length, big.length)));
      }
    });

    it("reads back any sequence of appends, truncates and syncs like a plain array", async () => {
      const { storage } = await create();
      let round = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.oneof(
              fc.record({ op: fc.constant("append" as const), data: fc.uint8Array({ maxLength: 3000 }) }),
              fc.record({ op: fc.constant("truncate" as const), keep: fc.double({ min: 0, max: 1, noNaN: true }) }),
              fc.record({ op: fc.constant("sync" as const) }),
              fc.record({ op: fc.constant("read" as const), at: fc.double({ min: 0, max: 1, noNaN: true }), length: fc.nat(4000) }),
            ),
            { maxLength: 25 },
          ),
          async (ops) => {
            const file = await storage.open(`m-0/${round++}.log`);
            let model = new Uint8Array(0);
            // Reads not waited for (readInBackground where the adapter has it): each must see the file as it was
            // when the read was asked for, whatever was appended or cut after it.
            const reads: { read: Promise<Uint8Array>; expected: Uint8Array }[] = [];
            for (const op of ops) {
              if (op.op === "read") {
                const at = Math.floor(model.length * op.at);
                const expected = model.slice(at, at + op.length);
                if (file.readInBackground === undefined) expect(await file.read(at, op.length)).toEqual(expected);
                else reads.push({ read: file.readInBackground(at, op.length), expected });
              } else if (op.op === "append") {
                await file.append(op.data);
                const next = new Uint8Array(model.length + op.data.length);
                next.set(model);
                next.set(op.data, model.length);
                model = next;
              } else if (op.op === "truncate") {
                const size = Math.floor(model.length * op.keep);
                await file.truncate(size);
                model = model.slice(0, size);
              } else {
                await file.sync();
              }
              expect(file.size).toBe(model.length);
            }
            expect(await file.read(0, model.length + 10)).toEqual(model);
            for (const { read, expected } of reads) expect(await read).toEqual(expected);
            await file.close();
          },
        ),
        { numRuns: 30 },
      );
    });

    it("refuses names that escape the storage", async () => {
      const { storage } = await create();
      for (const name of ["", "/abs", "a/../b", "a//b", "./a"]) {
        await expect(storage.open(name)).rejects.toBeInstanceOf(StorageError);
      }
    });
  });
}
