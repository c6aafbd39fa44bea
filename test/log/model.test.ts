// Model-based test of the partition log: fast-check interleaves appends,
// reads, rolls, flushes, crashes (unsynced bytes lost, the last write torn)
// and reopenings against a model that is a plain array of records. Every
// synced record must survive at its offset, and nothing invalid is returned.

import fc from "fast-check";
import { expect, it } from "vitest";
import { decodeBatches, ManualClock, MemoryStorage, PartitionLog, validateBatches } from "../../src/index.ts";
import { config, readAll, text } from "./helpers.ts";

interface Model {
  /** The value at each offset. */
  records: string[];
  /** Records [0, durable) are synced. */
  durable: number;
}

interface Real {
  storage: MemoryStorage;
  log: PartitionLog;
}

const CONFIG = config({ "segment.bytes": "600", "index.interval.bytes": "120" });
const clock = new ManualClock(1_700_000_000_000);

const open = (storage: MemoryStorage, options: { recoveryPoint?: number; cleanShutdown?: boolean } = {}) =>
  PartitionLog.open({ storage, clock, topic: "model", partition: 0, config: CONFIG, ...options });

async function expectLogMatches(model: Model, real: Real): Promise<void> {
  expect(real.log.logEndOffset).toBe(model.records.length);
  expect(await readAll(real.log)).toEqual(model.records.map((value, offset) => [offset, value, value]));
}

class Append implements fc.AsyncCommand<Model, Real> {
  constructor(readonly values: string[]) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const info = await real.log.appendRecords(this.values.map((value) => ({ key: value, value })));
    expect(info.firstOffset).toBe(model.records.length);
    model.records.push(...this.values);
  }
  toString = () => `append(${this.values.length})`;
}

class Read implements fc.AsyncCommand<Model, Real> {
  constructor(readonly at: number) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const offset = Math.floor(this.at * model.records.length); // 0 .. the log end
    const { records } = await real.log.read(offset, { maxBytes: 200 });
    expect(validateBatches(records).error).toBeNull();
    for (const batch of decodeBatches(records)) {
      for (const record of batch.records) {
        if (record.offset >= offset) expect(text(record.value)).toBe(model.records[record.offset]);
      }
    }
    if (offset < model.records.length) expect(records.length).toBeGreaterThan(0);
  }
  toString = () => `read(${this.at.toFixed(2)})`;
}

class Flush implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    await real.log.flush();
    model.durable = model.records.length;
  }
  toString = () => "flush";
}

class Roll implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    await real.log.roll(); // rolling flushes the segment it closes
    model.durable = model.records.length;
  }
  toString = () => "roll";
}

class Crash implements fc.AsyncCommand<Model, Real> {
  constructor(readonly torn: number) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const recoveryPoint = real.log.recoveryPoint;
    real.storage.crash({ survivingUnsyncedBytes: (_, unsynced) => Math.floor(unsynced * this.torn) });
    real.log = await open(real.storage, { recoveryPoint });
    const end = real.log.logEndOffset;
    expect(end).toBeGreaterThanOrEqual(model.durable);
    expect(end).toBeLessThanOrEqual(model.records.length);
    model.records = model.records.slice(0, end);
    model.durable = end;
    await expectLogMatches(model, real);
  }
  toString = () => `crash(torn ${this.torn.toFixed(2)})`;
}

class Reopen implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    await real.log.close();
    real.log = await open(real.storage, { cleanShutdown: true });
    model.durable = model.records.length;
    await expectLogMatches(model, real);
  }
  toString = () => "reopen";
}

const value = fc.string({ minLength: 1, maxLength: 40 });
const commands = [
  fc.array(value, { minLength: 1, maxLength: 6 }).map((values) => new Append(values)),
  // Percentages, not fc.double: doubles cluster at 0, 1 and tiny values, which
  // would never read mid-log or tear a write mid-batch.
  fc.integer({ min: 0, max: 100 }).map((percent) => new Read(percent / 100)),
  fc.constant(new Flush()),
  fc.constant(new Roll()),
  fc.integer({ min: 0, max: 100 }).map((percent) => new Crash(percent / 100)),
  fc.constant(new Reopen()),
];

it("every synced record survives crashes at its offset, and reads return only valid batches", async () => {
  await fc.assert(
    fc.asyncProperty(fc.commands(commands, { maxCommands: 40, size: "max" }), async (cmds) => {
      const storage = new MemoryStorage();
      const real: Real = { storage, log: await open(storage) };
      const model: Model = { records: [], durable: 0 };
      await fc.asyncModelRun(() => ({ model, real }), cmds);
      await expectLogMatches(model, real);
    }),
    { numRuns: 80 },
  );
});
