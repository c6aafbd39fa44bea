// The bound on OS file handles: the least recently used idle file gives its
// handle up when the bound is passed; a busy one and the one in use never do.

import { describe, expect, it } from "vitest";
import { OpenFiles, type ReopenableFile } from "../../src/storage/open-files.ts";

class FakeFile implements ReopenableFile {
  handleBusy = false;
  released = 0;
  releaseHandle(): void {
    this.released++;
  }
}

describe("open files", () => {
  it("releases the least recently used handles once more than the bound are held", () => {
    const openFiles = new OpenFiles(3);
    const files = Array.from({ length: 5 }, () => new FakeFile());
    for (const file of files.slice(0, 3)) openFiles.used(file);
    openFiles.used(files[0]!); // now files[1] is the least recently used
    openFiles.used(files[3]!);
    expect(files.map((file) => file.released)).toEqual([0, 1, 0, 0, 0]);
    openFiles.used(files[4]!);
    expect(files.map((file) => file.released)).toEqual([0, 1, 1, 0, 0]);
    expect(openFiles.count).toBe(3);
  });

  it("never releases a busy handle (a write in flight), passing over it to the next idle one", () => {
    const openFiles = new OpenFiles(2);
    const [busy, idle, next] = [new FakeFile(), new FakeFile(), new FakeFile()];
    busy.handleBusy = true;
    openFiles.used(busy);
    openFiles.used(idle);
    openFiles.used(next);
    expect([busy.released, idle.released, next.released]).toEqual([0, 1, 0]);
  });

  it("holds more than the bound only while every other holder is busy", () => {
    const openFiles = new OpenFiles(1);
    const [busy, current] = [new FakeFile(), new FakeFile()];
    busy.handleBusy = true;
    openFiles.used(busy);
    openFiles.used(current);
    expect(openFiles.count).toBe(2);
    busy.handleBusy = false;
    openFiles.used(current);
    expect([busy.released, current.released]).toEqual([1, 0]);
    expect(openFiles.count).toBe(1);
  });

  it("forgets a file that closed its handle itself", () => {
    const openFiles = new OpenFiles(1);
    const [closed, other] = [new FakeFile(), new FakeFile()];
    openFiles.used(closed);
    openFiles.released(closed);
    openFiles.used(other);
    expect(closed.released).toBe(0);
    expect(openFiles.count).toBe(1);
  });
});
