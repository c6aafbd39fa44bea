// The lessons, in teaching order: each has a URL slug, a title for the
// navigation and a one-line promise of what it shows.

import type { ComponentType } from "preact";
import { CounterexampleLesson } from "./counterexample.tsx";
import { DeliveryLesson } from "./delivery.tsx";
import { GroupsLesson } from "./groups.tsx";
import { LogLesson } from "./log.tsx";
import { PartitionsLesson } from "./partitions.tsx";
import { ScenariosLesson } from "./scenarios.tsx";
import { TwoGeneralsLesson } from "./two-generals.tsx";

export interface Lesson {
  readonly slug: string;
  readonly title: string;
  readonly teaches: string;
  readonly view: ComponentType;
}

export const LESSONS: readonly Lesson[] = [
  { slug: "log", title: "The log", teaches: "Records land at offsets in a partition, in Kafka's own bytes.", view: LogLesson },
  { slug: "partitions", title: "Partitions and keys", teaches: "A key picks a partition; two partitioners pick differently.", view: PartitionsLesson },
  { slug: "groups", title: "Consumers and groups", teaches: "Readers keep their own offsets; a group shares partitions.", view: GroupsLesson },
  { slug: "delivery", title: "Delivery lab", teaches: "Crash a consumer at any step: what is lost, what is repeated?", view: DeliveryLesson },
  { slug: "two-generals", title: "The two generals", teaches: "A lost acknowledgement plus a retry writes twice — unless the broker can tell.", view: TwoGeneralsLesson },
  { slug: "counterexample", title: "Find a counterexample", teaches: "Let a property search break a weak configuration, then replay it.", view: CounterexampleLesson },
  { slug: "scenarios", title: "Simulator scenarios", teaches: "Every fault the simulator knows, every guarantee it checks, replayable by seed.", view: ScenariosLesson },
];
