// Partition assignors: the worked examples of Kafka's assignor documentation,
// and properties over random groups: no partition ever has two owners, eager
// assignors assign everything, cooperative-sticky never moves a partition in
// the generation its owner still holds it, and converges to balance.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ASSIGNOR_NAMES, assign, cooperativeStickyAssign, type GroupAssignment, type MemberSubscription, rangeAssign,
  roundRobinAssign, type TopicPartition,
} from "../../src/client/assignors.ts";

const tp = (topic: string, partition: number): TopicPartition => ({ topic, partition });
const key = (p: TopicPartition) => `${p.topic}-${p.partition}`;

describe("Kafka's documented examples", () => {
  // Two consumers C0, C1 subscribed to t0 and t1, each with 3 partitions.
  const topics = new Map([["t0", 3], ["t1", 3]]);
  const members = [{ memberId: "C0", topics: ["t0", "t1"] }, { memberId: "C1", topics: ["t0", "t1"] }];

  it("range gives C0 t0p0, t0p1, t1p0, t1p1 and C1 t0p2, t1p2", () => {
    expect(rangeAssign(topics, members)).toEqual({
      C0: [tp("t0", 0), tp("t0", 1), tp("t1", 0), tp("t1", 1)],
      C1: [tp("t0", 2), tp("t1", 2)],
    });
  });

  it("roundrobin gives C0 t0p0, t0p2, t1p1 and C1 t0p1, t1p0, t1p2", () => {
    expect(roundRobinAssign(topics, members)).toEqual({
      C0: [tp("t0", 0), tp("t0", 2), tp("t1", 1)],
      C1: [tp("t0", 1), tp("t1", 0), tp("t1", 2)],
    });
  });
});

const groupArbitrary = fc
  .record({
    topicCounts: fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 3 }),
    memberCount: fc.integer({ min: 1, max: 6 }),
    shared: fc.boolean(),
    seed: fc.nat(),
  })
  .map(({ topicCounts, memberCount, shared, seed }) => {
    const topics = new Map(topicCounts.map((count, i) => [`t${i}`, count] as const));
    const names = [...topics.keys()];
    const members: MemberSubscription[] = Array.from({ length: memberCount }, (_, i) => ({
      memberId: `member-${(i * 7 + seed) % 97}-${i}`,
      // Either everyone subscribes to every topic, or each to a varying subset.
      topics: shared ? names : names.filter((_, t) => ((seed >> (i + t)) & 1) === 1 || t === i % names.length),
    }));
    return { topics, members };
  });

function owners(assignment: GroupAssignment): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const [member, partitions] of Object.entries(assignment)) {
    for (const p of partitions) found.set(key(p), [...(found.get(key(p)) ?? []), member]);
  }
  return found;
}

describe("every assignor", () => {
  it("never gives a partition to two members, and only to members subscribed to its topic", () => {
    fc.assert(
      fc.property(groupArbitrary, fc.constantFrom(...ASSIGNOR_NAMES), ({ topics, members }, name) => {
        const assignment = assign(name, topics, members);
        expect(Object.keys(assignment).sort()).toEqual(members.map((m) => m.memberId).sort());
        for (const [, holders] of owners(assignment)) expect(holders).toHaveLength(1);
        for (const member of members) {
          for (const p of assignment[member.memberId]!) expect(member.topics).toContain(p.topic);
        }
      }),
    );
  });
});

describe("eager assignors", () => {
  it("assign every partition of a subscribed topic, balanced per topic (range) or overall (roundrobin)", () => {
    fc.assert(
      fc.property(groupArbitrary, ({ topics, members }) => {
        const subscribed = [...topics].filter(([t]) => members.some((m) => m.topics.includes(t)));
        const total = subscribed.reduce((n, [, count]) => n + count, 0);
        for (const assignment of [rangeAssign(topics, members), roundRobinAssign(topics, members)]) {
          expect(owners(assignment).size).toBe(total);
        }
        const range = rangeAssign(topics, members);
        for (const [topic] of subscribed) {
          const counts = members.filter((m) => m.topics.includes(topic)).map((m) => range[m.memberId]!.filter((p) => p.topic === topic).length);
          expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
        }
        if (members.every((m) => m.topics.length === topics.size)) {
          const counts = Object.values(roundRobinAssign(topics, members)).map((p) => p.length);
          expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
        }
      }),
    );
  });
});

describe("cooperative-sticky", () => {
  const withOwned = (members: MemberSubscription[], assignment: GroupAssignment) =>
    members.map((m) => ({ ...m, ownedPartitions: assignment[m.memberId] ?? [] }));

  it("never hands a partition to a new owner while its owner still holds it, and balances within two rebalances", () => {
    fc.assert(
      fc.property(groupArbitrary.filter(({ members, topics }) => members.every((m) => m.topics.length === topics.size)), fc.nat(5), ({ topics, members }, joiners) => {
        // A stable group, then `joiners` new members arrive.
        const stable = cooperativeStickyAssign(topics, members);
        const grown: MemberSubscription[] = [...withOwned(members, cooperativeStickyAssign(topics, withOwned(members, stable))),
          ...Array.from({ length: joiners }, (_, i) => ({ memberId: `new-${i}`, topics: [...topics.keys()] }))];
        const previous = owners(Object.fromEntries(grown.map((m) => [m.memberId, [...(m.ownedPartitions ?? [])]])));
        const first = cooperativeStickyAssign(topics, grown);
        for (const [partition, holders] of owners(first)) {
          const owner = previous.get(partition)?.[0];
          if (owner !== undefined) expect(holders).toEqual([owner]);
        }
        const second = cooperativeStickyAssign(topics, withOwned(grown, first));
        const total = [...topics.values()].reduce((a, b) => a + b, 0);
        expect(owners(second).size).toBe(total);
        const counts = Object.values(second).map((p) => p.length);
        expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
      }),
    );
  });

  it("keeps what members own when nothing changes", () => {
    const topics = new Map([["t", 6]]);
    const members = [{ memberId: "a", topics: ["t"] }, { memberId: "b", topics: ["t"] }];
    const first = cooperativeStickyAssign(topics, members);
    const owned = members.map((m) => ({ ...m, ownedPartitions: first[m.memberId]! }));
    expect(cooperativeStickyAssign(topics, owned)).toEqual(first);
  });
});
