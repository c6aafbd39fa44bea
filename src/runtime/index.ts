// Clock, Random and Transport: what cores take from their caller instead of
// reaching for the outside world.

export { type Random, systemRandom } from "./random.ts";
