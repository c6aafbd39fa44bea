// A rebalance storm: real consumers of one group join, poll, stop polling
// (their sessions expire) and leave while the others go on, and every
// assignment is recorded in the history. Whatever the assignor, no partition
// may belong to two members of one generation (sim/ownership-checker.ts).

import { type AssignorName, Broker, Consumer, InProcessTransport, MemoryStorage } from "../../src/index.ts";
import { History } from "../history.ts";
import { checkOwnership } from "../ownership-checker.ts";
import { World } from "../world.ts";
import type { RunResult } from "./run-result.ts";

export type StormAction = { kind: "join" } | { kind: "leave"; pick: number } | { kind: "idle"; pick: number } | { kind: "rounds"; count: number };

/** A plan drawn from the world's seed: two joins, then a mix of joins, departures, idlers and polling rounds. */
export function stormPlan(world: World, length = 14): StormAction[] {
  const plan: StormAction[] = [{ kind: "join" }, { kind: "join" }];
  for (let i = 0; i < length; i++) {
    const pick = world.between(0, 3);
    plan.push(pick === 0 ? { kind: "join" } : pick === 1 ? { kind: "leave", pick: world.between(0, 9) }
      : pick === 2 ? { kind: "idle", pick: world.between(0, 9) } : { kind: "rounds", count: world.between(1, 6) });
  }
  return plan;
}

export async function runRebalanceStorm(seed: number, assignor: AssignorName, plan?: readonly StormAction[]): Promise<RunResult> {
  const world = new World(seed);
  const actions = plan ?? stormPlan(world);
  const { scheduler, random } = world;
  const broker = await Broker.open({ storage: new MemoryStorage(), scheduler, random, config: { "group.initial.rebalance.delay.ms": "100" } });
  await broker.logs.createTopic("test", 6);
  const transport = new InProcessTransport(broker);
  const history = new History(() => world.nowMs);
  const members: { consumer: Consumer; polling: boolean }[] = [];
  const settle = <T>(promise: Promise<T>) => scheduler.runUntilSettled(promise, 60_000);

  const join = () => {
    const consumer = new Consumer(transport, { scheduler, random }, {
      "group.id": "g", "session.timeout.ms": 6000, "heartbeat.interval.ms": 1000, "max.poll.interval.ms": 20_000,
      "partition.assignment.strategy": assignor, "enable.auto.commit": false, "auto.offset.reset": "earliest",
    });
    consumer.subscribe(["test"], {
      onPartitionsAssigned: (partitions) => {
        const { generationId, memberId } = consumer.groupMetadata();
        world.record({ kind: "assigned", to: memberId, detail: `generation ${generationId}: [${partitions.map((p) => p.partition).join(", ")}]` });
        for (const { topic, partition } of partitions) history.observe(memberId, "assign", `${topic}-${partition}`, `generation ${generationId}`);
      },
    });
    members.push({ consumer, polling: true });
  };
  // A round: every polling member polls while virtual time moves on.
  const round = () => settle(Promise.all(members.filter((m) => m.polling).map((m) => m.consumer.poll(1000))));

  for (const action of actions) {
    if (action.kind === "join") join();
    else if (action.kind === "leave" && members.length > 0) await settle(members.splice(action.pick % members.length, 1)[0]!.consumer.close());
    else if (action.kind === "idle" && members.length > 0) members[action.pick % members.length]!.polling = false;
    else if (action.kind === "rounds") for (let i = 0; i < action.count; i++) await round();
  }
  for (let i = 0; i < 8; i++) await round();
  for (const member of members) await settle(member.consumer.close());

  const verdict = checkOwnership(history.entries);
  return {
    label: `${assignor} assignor`, promised: true, violations: verdict.explanation,
    notes: [`${verdict.generations} generation(s) formed over ${actions.length} actions`], trace: world.trace, history: history.entries,
  };
}

export async function rebalanceStorm(seed: number): Promise<RunResult[]> {
  return [
    await runRebalanceStorm(seed, "range"),
    await runRebalanceStorm(seed, "roundrobin"),
    await runRebalanceStorm(seed, "cooperative-sticky"),
  ];
}
