// Clock, Random and Transport: what cores take from their caller instead of
// reaching for the outside world.

export { type Clock, ManualClock, systemClock } from "./clock.ts";
export { OperationQueue } from "./operation-queue.ts";
export { type Random, systemRandom } from "./random.ts";
