// Consumer groups under churn: real consumers join, poll, stop polling and
// leave in random order on virtual time, and in no generation does any
// partition belong to two members — whatever assignor the group uses.

import fc from "fast-check";
import { expect, it } from "vitest";
import { ASSIGNOR_NAMES, Broker, Consumer, InProcessTransport, ManualScheduler, MemoryStorage, SeededRandom } from "../../src/index.ts";

type Action = { kind: "join" } | { kind: "leave"; pick: number } | { kind: "idle"; pick: number } | { kind: "rounds"; count: number };

const actions = fc.array(
  fc.oneof(
    fc.constant<Action>({ kind: "join" }),
    fc.nat(9).map<Action>((pick) => ({ kind: "leave", pick })),
    fc.nat(9).map<Action>((pick) => ({ kind: "idle", pick })),
    fc.integer({ min: 1, max: 6 }).map<Action>((count) => ({ kind: "rounds", count })),
  ),
  { minLength: 4, maxLength: 14, size: "max" },
).map((plan): Action[] => [{ kind: "join" }, { kind: "join" }, ...plan]);

it("no partition has two owners in any generation", async () => {
  await fc.assert(
    fc.asyncProperty(actions, fc.constantFrom(...ASSIGNOR_NAMES), async (plan, assignor) => {
      const scheduler = new ManualScheduler(0);
      const random = new SeededRandom(3);
      const broker = await Broker.open({ storage: new MemoryStorage(), scheduler, random, config: { "group.initial.rebalance.delay.ms": "100" } });
      await broker.logs.createTopic("test", 6);
      const transport = new InProcessTransport(broker);
      /** generation → partition → the members that were handed it in that generation. */
      const owners = new Map<number, Map<number, Set<string>>>();
      const members: { consumer: Consumer; polling: boolean }[] = [];

      const join = () => {
        const consumer = new Consumer(transport, { scheduler, random }, {
          "group.id": "g", "session.timeout.ms": 6000, "heartbeat.interval.ms": 1000, "max.poll.interval.ms": 20_000,
          "partition.assignment.strategy": assignor, "enable.auto.commit": false, "auto.offset.reset": "earliest",
        });
        consumer.subscribe(["test"], {
          onPartitionsAssigned: (partitions) => {
            const { generationId, memberId } = consumer.groupMetadata();
            const byPartition = owners.get(generationId) ?? new Map<number, Set<string>>();
            owners.set(generationId, byPartition);
            for (const { partition } of partitions) {
              const holders = byPartition.get(partition) ?? new Set<string>();
              holders.add(memberId);
              byPartition.set(partition, holders);
            }
          },
        });
        members.push({ consumer, polling: true });
      };
      // A round: every polling member polls, while virtual time moves on by a second.
      const round = () => scheduler.runUntilSettled(Promise.all(members.filter((m) => m.polling).map((m) => m.consumer.poll(1000))), 60_000);

      for (const action of plan) {
        if (action.kind === "join") join();
        else if (action.kind === "leave" && members.length > 0) {
          const [member] = members.splice(action.pick % members.length, 1);
          await scheduler.runUntilSettled(member!.consumer.close(), 60_000);
        } else if (action.kind === "idle" && members.length > 0) {
          members[action.pick % members.length]!.polling = false; // stops polling: its session will expire
        } else if (action.kind === "rounds") {
          for (let i = 0; i < action.count; i++) await round();
        }
      }
      for (let i = 0; i < 8; i++) await round();

      for (const [generation, byPartition] of owners) {
        for (const [partition, holders] of byPartition) {
          expect(holders.size, `generation ${generation}, partition ${partition}: ${[...holders].join(", ")}`).toBe(1);
        }
      }
      for (const member of members) await scheduler.runUntilSettled(member.consumer.close(), 60_000);
    }),
    { numRuns: 25 },
  );
});
