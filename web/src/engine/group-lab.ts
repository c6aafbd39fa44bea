// A live consumer group in the page: real Consumers that subscribe, poll in a
// loop and auto-commit, so a reader can add members, pause one past
// max.poll.interval.ms or make it leave, and watch the coordinator rebalance.
// Timings are shortened from Kafka's defaults so rebalances take seconds.

import { signal } from "@preact/signals";
import { type Broker, type Consumer, type TopicPartition } from "../../../src/index.ts";
import { pageConsumer } from "./page-clients.ts";

export const LESSON_GROUP = "lesson-group";
/** Shortened from Kafka's 45 s / 3 s / 5 min so the lesson moves at reading speed. */
export const LESSON_MEMBER_CONFIG = {
  "session.timeout.ms": 6000,
  "heartbeat.interval.ms": 500,
  "max.poll.interval.ms": 5000,
  "auto.commit.interval.ms": 1000,
  "max.poll.records": 5,
} as const;
const POLL_EVERY_MS = 400;

export type MemberState = "joining" | "polling" | "paused" | "left";

export interface MemberView {
  readonly name: string;
  readonly state: MemberState;
  readonly memberId: string;
  readonly generation: number;
  readonly assignment: readonly TopicPartition[];
  /** Next offset this member will read, per partition it owns ("topic-partition"). */
  readonly positions: Readonly<Record<string, number>>;
  readonly consumed: number;
}

interface Member {
  readonly name: string;
  readonly consumer: Consumer;
  state: MemberState;
  consumed: number;
}

export class GroupLab {
  readonly members = signal<readonly MemberView[]>([]);
  /** What happened, newest first: joins, rebalances, assignments, leaves. */
  readonly events = signal<readonly string[]>([]);
  readonly #members: Member[] = [];
  #nextName = 0;
  #stopped = false;

  constructor(private readonly broker: Broker, readonly topic: string) {}

  addMember(): void {
    const name = `consumer${String.fromCharCode(65 + (this.#nextName++ % 26))}`;
    const consumer = pageConsumer(this.broker, {
      ...LESSON_MEMBER_CONFIG, "group.id": LESSON_GROUP, "client.id": name, "auto.offset.reset": "earliest", "enable.auto.commit": true,
    });
    const member: Member = { name, consumer, state: "joining", consumed: 0 };
    this.#members.push(member);
    consumer.subscribe([this.topic], {
      onPartitionsRevoked: (partitions) => this.#log(`${name}: rebalance — gives up ${describe(partitions)}`),
      onPartitionsAssigned: (partitions) => {
        this.#log(`${name}: generation ${consumer.groupMetadata().generationId} — owns ${describe(partitions)}`);
        this.#refresh();
      },
    });
    this.#log(`${name} joins ${LESSON_GROUP}`);
    this.#refresh();
    void this.#pollLoop(member);
  }

  /** Stops polling: after max.poll.interval.ms the member leaves the group and the others rebalance. */
  pause(name: string): void {
    const member = this.#find(name);
    if (member?.state !== "polling" && member?.state !== "joining") return;
    member.state = "paused";
    this.#log(`${name} stops polling (a slow or stuck process); it will leave after max.poll.interval.ms = ${LESSON_MEMBER_CONFIG["max.poll.interval.ms"]} ms`);
    this.#refresh();
  }

  resume(name: string): void {
    const member = this.#find(name);
    if (member?.state !== "paused") return;
    member.state = "joining";
    this.#log(`${name} polls again`);
    this.#refresh();
    void this.#pollLoop(member);
  }

  async leave(name: string): Promise<void> {
    const member = this.#find(name);
    if (member === undefined || member.state === "left") return;
    member.state = "left";
    this.#log(`${name} leaves (close(): commits, then LeaveGroup)`);
    await member.consumer.close();
    this.#refresh();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const member of this.#members) if (member.state !== "left") await member.consumer.close().catch(() => undefined);
  }

  async #pollLoop(member: Member): Promise<void> {
    while (!this.#stopped && (member.state === "polling" || member.state === "joining")) {
      try {
        const records = await member.consumer.poll(POLL_EVERY_MS);
        if (member.state === "joining") member.state = "polling";
        member.consumed += records.length;
      } catch (error) {
        if ((member.state as MemberState) === "left" || this.#stopped) return;
        this.#log(`${member.name}: ${error instanceof Error ? error.message : String(error)}`);
      }
      this.#refresh();
      await new Promise((resolve) => setTimeout(resolve, POLL_EVERY_MS));
    }
  }

  #find(name: string): Member | undefined {
    return this.#members.find((m) => m.name === name);
  }

  #log(event: string): void {
    this.events.value = [event, ...this.events.value].slice(0, 50);
  }

  #refresh(): void {
    this.members.value = this.#members.map((m) => {
      const { generationId, memberId } = m.state === "left" ? { generationId: -1, memberId: "" } : m.consumer.groupMetadata();
      const assignment = m.state === "left" ? [] : m.consumer.assignment();
      const positions: Record<string, number> = {};
      for (const tp of assignment) {
        const position = m.consumer.position(tp);
        if (position !== undefined) positions[`${tp.topic}-${tp.partition}`] = position;
      }
      return { name: m.name, state: m.state, memberId, generation: generationId, assignment, positions, consumed: m.consumed };
    });
  }
}

function describe(partitions: readonly TopicPartition[]): string {
  return partitions.length === 0 ? "nothing" : partitions.map((p) => `P${p.partition}`).join(", ");
}
