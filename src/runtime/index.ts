// Clock, Scheduler, Random and the operation queue: what cores take from
// their caller instead of reaching for the outside world.

export { assert, InvariantError } from "./assert.ts";
export { type Clock, ManualClock, systemClock } from "./clock.ts";
export { OperationQueue } from "./operation-queue.ts";
export { type Random, SeededRandom, systemRandom } from "./random.ts";
export { ManualScheduler, type Scheduler, sleep, systemScheduler, type Timer } from "./scheduler.ts";
export { settle } from "./settle.ts";
