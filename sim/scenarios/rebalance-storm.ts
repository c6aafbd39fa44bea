// A rebalance storm: real consumers of one group join, poll, stop polling
// (their sessions expire) and leave while the others go on, and every
// partition's owners are recorded per generation. Whatever the assignor, no
// partition may belong to two members of one generation.

import { type AssignorName, Broker, Consumer, InProcessTransport, MemoryStorage } from "../../src/index.ts";
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
  /** generation → partition → members handed it in that generation. */
  const owners = new Map<number, Map<number, Set<string>>>();
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
        const byPartition = owners.get(generationId) ?? new Map<number, Set<string>>();
        owners.set(generationId, byPartition);
        for (const { partition } of partitions) byPartition.set(partition, (byPartition.get(partition) ?? new Set()).add(memberId));
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

  const violations: string[] = [];
  for (const [generation, byPartition] of owners) {
    for (const [partition, holders] of byPartition) {
      if (holders.size > 1) violations.push(`generation ${generation}: partition ${partition} owned by ${[...holders].join(" and ")}`);
    }
  }
  return {
    label: `${assignor} assignor`, promised: true, violations,
    notes: [`${owners.size} generation(s) formed over ${actions.length} actions`], trace: world.trace, history: [],
  };
}

export async function rebalanceStorm(seed: number): Promise<RunResult[]> {
  return [
    await runRebalanceStorm(seed, "range"),
    await runRebalanceStorm(seed, "roundrobin"),
    await runRebalanceStorm(seed, "cooperative-sticky"),
  ];
}
