// What every Storage adapter promises about opening a data dir: one writer at
// a time (a second is refused at once, naming the first), and read-only
// opening that changes nothing. Each adapter's lock test file runs it.

import { describe, expect, it } from "vitest";
import { DataDirInUseError, FileNotFoundError, ReadOnlyStorageError, type Storage } from "../../src/storage/index.ts";

export interface DataDirUnderTest {
  /** A writable storage over the data dir (a new one per call, as a second process would open it). */
  writer(): Promise<Storage>;
  /** A read-only storage over the same data dir. */
  reader(): Promise<Storage>;
}

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array) => new TextDecoder().decode(data);

export function lockConformance(adapter: string, create: () => Promise<DataDirUnderTest>): void {
  describe(`one writer and read-only opening on ${adapter} storage`, () => {
    it("refuses a second writer at once while the first holds the lock, and lets one in after close", async () => {
      const dir = await create();
      const first = await dir.writer();
      expect(await first.lock("loglab produce")).toBeNull();
      const second = await dir.writer();
      const refusal = await second.lock("loglab topics").then(() => null, (error: unknown) => error);
      expect(refusal).toBeInstanceOf(DataDirInUseError);
      expect((refusal as Error).message).toMatch(/^data dir .* is in use by .*loglab produce/);
      await second.close(); // closing a storage that never got the lock releases nothing
      const third = await dir.writer();
      await expect(third.lock("loglab consume")).rejects.toBeInstanceOf(DataDirInUseError);
      await third.close();
      await first.close();
      const fourth = await dir.writer();
      expect(await fourth.lock("loglab cleanup")).toBeNull();
      await fourth.close();
    });

    it("opens read-only beside a writer, reads what it wrote, and refuses every change", async () => {
      const dir = await create();
      const writer = await dir.writer();
      await writer.lock("loglab produce");
      const file = await writer.open("t-0/00000000000000000000.log");
      await file.append(bytes("hello"));
      await file.sync();
      await file.close();

      const reader = await dir.reader();
      expect(reader.readOnly).toBe(true);
      expect(writer.readOnly).toBe(false);
      await expect(reader.lock("loglab consume")).rejects.toBeInstanceOf(ReadOnlyStorageError);
      expect(await reader.list()).toContain("t-0/00000000000000000000.log");
      const read = await reader.open("t-0/00000000000000000000.log");
      expect(read.size).toBe(5);
      expect(text(await read.read(0, 5))).toBe("hello");
      await expect(read.append(bytes("x"))).rejects.toBeInstanceOf(ReadOnlyStorageError);
      await expect(read.truncate(0)).rejects.toBeInstanceOf(ReadOnlyStorageError);
      await read.sync(); // nothing to make durable
      await read.close();
      await expect(reader.open("t-0/missing.log")).rejects.toBeInstanceOf(FileNotFoundError);
      await expect(reader.delete("t-0/00000000000000000000.log")).rejects.toBeInstanceOf(ReadOnlyStorageError);
      await expect(reader.rename("t-0/00000000000000000000.log", "t-0/moved.log")).rejects.toBeInstanceOf(ReadOnlyStorageError);
      expect(await reader.exists("t-0/missing.log")).toBe(false);
      await reader.close();

      // Nothing changed: not the file, and no file was created.
      expect((await writer.list()).filter((name) => !name.startsWith("."))).toEqual(["t-0/00000000000000000000.log"]);
      const again = await writer.open("t-0/00000000000000000000.log");
      expect(text(await again.read(0, again.size))).toBe("hello");
      await again.close();
      await writer.close();
    });
  });
}
