// Hands out producer ids for InitProducerId. Ids are reserved in blocks, and
// a block is recorded durably before any id of it is given out, so a restart
// never hands out an id twice (as Kafka's controller allocates id blocks).

import { OperationQueue } from "../runtime/index.ts";
import { readTextFile, type Storage, writeTextFileAtomically } from "../storage/index.ts";

export const PRODUCER_ID_BLOCK_FILE = "producer-id-block";
export const PRODUCER_ID_BLOCK_SIZE = 1000;

export class ProducerIdManager {
  /** Concurrent callers would race to record the next block. */
  readonly #queue = new OperationQueue();

  private constructor(
    private readonly storage: Storage,
    private nextId: number,
    private blockEnd: number,
  ) {}

  static async open(storage: Storage): Promise<ProducerIdManager> {
    const text = await readTextFile(storage, PRODUCER_ID_BLOCK_FILE);
    // Everything below the recorded end may have been handed out: start after it.
    const reservedEnd = text === null ? 0 : Number(text.trim());
    return new ProducerIdManager(storage, reservedEnd, reservedEnd);
  }

  next(): Promise<number> {
    return this.#queue.run(async () => {
      if (this.nextId >= this.blockEnd) {
        const end = this.blockEnd + PRODUCER_ID_BLOCK_SIZE;
        await writeTextFileAtomically(this.storage, PRODUCER_ID_BLOCK_FILE, `${end}\n`);
        this.blockEnd = end;
      }
      return this.nextId++;
    });
  }
}
