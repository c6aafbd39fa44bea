// The group coordinator on virtual time: joins, the leader's assignment,
// generations, heartbeats, session timeouts, leaving, and which offset
// commits it accepts, following Kafka's coordinator.

import { describe, expect, it } from "vitest";
import { ManualScheduler, SeededRandom } from "../../src/index.ts";
import { GroupCoordinator, type JoinGroupResponse } from "../../src/broker/group-coordinator.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (value: Uint8Array) => new TextDecoder().decode(value);

function setup() {
  const scheduler = new ManualScheduler(0);
  const coordinator = new GroupCoordinator({ scheduler, random: new SeededRandom(1) });
  const join = (memberId = "", clientId = "consumer", protocols = ["range"]) =>
    coordinator.joinGroup({
      groupId: "myConsumerGroup", memberId, clientId, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 30_000,
      protocols: protocols.map((name) => ({ name, metadata: bytes(`${clientId} wants ${name}`) })),
    });
  return { scheduler, coordinator, join };
}

/** Two members through a first rebalance; the leader assigns "p0" and "p1". */
async function stableGroup() {
  const s = setup();
  const a = s.join("", "consumerA");
  const b = s.join("", "consumerB");
  await s.scheduler.advance(3000); // group.initial.rebalance.delay.ms
  const [joinA, joinB] = await Promise.all([a, b]);
  const leader = joinA.leaderId === joinA.memberId ? joinA : joinB;
  const follower = leader === joinA ? joinB : joinA;
  const followerSync = s.coordinator.syncGroup({ groupId: "myConsumerGroup", generationId: follower.generationId, memberId: follower.memberId });
  const leaderSync = s.coordinator.syncGroup({
    groupId: "myConsumerGroup", generationId: leader.generationId, memberId: leader.memberId,
    assignments: [{ memberId: leader.memberId, assignment: bytes("p0") }, { memberId: follower.memberId, assignment: bytes("p1") }],
  });
  return { ...s, leader, follower, leaderSync: await leaderSync, followerSync: await followerSync };
}

describe("joining and syncing", () => {
  it("waits out the initial delay, names one leader, and gives only the leader the members' metadata", async () => {
    const { joinA, joinB } = await (async () => {
      const s = setup();
      const a = s.join("", "consumerA");
      const b = s.join("", "consumerB");
      let settled = false;
      void Promise.all([a, b]).then(() => { settled = true; });
      await s.scheduler.advance(2999);
      expect(settled).toBe(false);
      await s.scheduler.advance(1);
      return { joinA: await a, joinB: await b };
    })();
    for (const response of [joinA, joinB]) expect(response).toMatchObject({ error: null, generationId: 1, protocolName: "range" });
    expect(joinA.leaderId).toBe(joinB.leaderId);
    expect(joinA.memberId).toMatch(/^consumerA-[0-9a-f]{16}$/);
    const leader = [joinA, joinB].find((r) => r.memberId === r.leaderId)!;
    const follower = [joinA, joinB].find((r) => r !== leader)!;
    expect(leader.members.map((m) => text(m.metadata)).sort()).toEqual(["consumerA wants range", "consumerB wants range"]);
    expect(follower.members).toEqual([]);
  });

  it("holds a follower's sync until the leader brings the assignment, then hands each member its part", async () => {
    const { leaderSync, followerSync, coordinator, leader } = await stableGroup();
    expect(text(leaderSync.assignment)).toBe("p0");
    expect(text(followerSync.assignment)).toBe("p1");
    expect(coordinator.describeGroup("myConsumerGroup")).toMatchObject({ state: "Stable", generationId: 1, leaderId: leader.memberId });
  });
});

describe("rebalancing", () => {
  it("a new member starts a rebalance: heartbeats say rejoin, and the next generation forms once all are back", async () => {
    const { coordinator, join, leader, follower } = await stableGroup();
    const newcomer = join("", "consumerC");
    const generation = { groupId: "myConsumerGroup", generationId: 1 };
    expect(coordinator.heartbeat({ ...generation, memberId: leader.memberId })?.code).toBe("REBALANCE_IN_PROGRESS");
    const rejoined = await Promise.all([newcomer, join(leader.memberId, "consumerA"), join(follower.memberId, "consumerB")]);
    expect(rejoined.map((r) => r.generationId)).toEqual([2, 2, 2]);
    expect(new Set(rejoined.map((r) => r.leaderId)).size).toBe(1);
    expect(rejoined.find((r) => r.memberId === r.leaderId)!.members).toHaveLength(3);
    expect(coordinator.heartbeat({ ...generation, memberId: leader.memberId })?.code).toBe("ILLEGAL_GENERATION");
  });

  it("drops a member that heartbeats but does not rejoin, when the rebalance timeout ends the join phase", async () => {
    const { coordinator, join, scheduler, leader, follower } = await stableGroup();
    // The leader rejoins at 3 s (rebalance.timeout.ms 30 s); the follower only heartbeats.
    const rejoin = join(leader.memberId, "consumerA");
    let joined: JoinGroupResponse | undefined;
    void rejoin.then((response) => { joined = response; });
    for (let at = 8_000; at < 33_000; at += 5_000) {
      await scheduler.advance(at - scheduler.nowMs());
      expect(coordinator.heartbeat({ groupId: "myConsumerGroup", generationId: 1, memberId: follower.memberId })?.code).toBe("REBALANCE_IN_PROGRESS");
    }
    expect(joined).toBeUndefined();
    await scheduler.advance(33_000 - scheduler.nowMs());
    expect(joined).toMatchObject({ error: null, generationId: 2, leaderId: leader.memberId });
    expect(coordinator.describeGroup("myConsumerGroup").members.map((m) => m.memberId)).toEqual([leader.memberId]);
    expect(coordinator.heartbeat({ groupId: "myConsumerGroup", generationId: 2, memberId: follower.memberId })?.code).toBe("UNKNOWN_MEMBER_ID");
  });

  it("removes a member whose session times out, and the rest rebalance", async () => {
    const { coordinator, scheduler, leader, follower } = await stableGroup();
    // Synced at 3 s, the follower's session ends at 13 s unless it heartbeats.
    for (const at of [7_000, 11_000]) {
      await scheduler.advance(at - scheduler.nowMs());
      expect(coordinator.heartbeat({ groupId: "myConsumerGroup", generationId: 1, memberId: leader.memberId })).toBeNull();
    }
    await scheduler.advance(13_000 - scheduler.nowMs());
    expect(coordinator.heartbeat({ groupId: "myConsumerGroup", generationId: 1, memberId: follower.memberId })?.code).toBe("UNKNOWN_MEMBER_ID");
    expect(coordinator.heartbeat({ groupId: "myConsumerGroup", generationId: 1, memberId: leader.memberId })?.code).toBe("REBALANCE_IN_PROGRESS");
  });

  it("lets a member leave at once; when the last one leaves the group is empty", async () => {
    const { coordinator, join, leader, follower } = await stableGroup();
    expect(coordinator.leaveGroup("myConsumerGroup", follower.memberId)).toBeNull();
    expect((await join(leader.memberId, "consumerA")).generationId).toBe(2);
    expect(coordinator.leaveGroup("myConsumerGroup", leader.memberId)).toBeNull();
    expect(coordinator.describeGroup("myConsumerGroup")).toMatchObject({ state: "Empty", members: [] });
    expect(coordinator.leaveGroup("myConsumerGroup", leader.memberId)?.code).toBe("UNKNOWN_MEMBER_ID");
  });
});

describe("refusals", () => {
  it("refuses a session timeout outside the bounds and a protocol no one else speaks", async () => {
    const { coordinator, join, scheduler } = setup();
    const tooShort = await coordinator.joinGroup({ groupId: "g", memberId: "", sessionTimeoutMs: 100, rebalanceTimeoutMs: 1000, protocols: [] });
    expect(tooShort.error?.message).toContain("session.timeout.ms=100 is outside group.min.session.timeout.ms=6000");
    const first = join("", "consumerA", ["range"]);
    expect((await join("", "consumerB", ["roundrobin"])).error?.code).toBe("INCONSISTENT_GROUP_PROTOCOL");
    await scheduler.advance(3000);
    expect((await first).error).toBeNull();
  });

  it("accepts commits only from the current generation, or with generation -1 into an empty group", async () => {
    const { coordinator, leader } = await stableGroup();
    const commit = (generationId: number, memberId: string) => coordinator.validateCommit({ groupId: "myConsumerGroup", generationId, memberId });
    expect(commit(1, leader.memberId)).toBeNull();
    expect(commit(0, leader.memberId)?.code).toBe("ILLEGAL_GENERATION");
    expect(commit(-1, "")?.code).toBe("UNKNOWN_MEMBER_ID");
    expect(coordinator.validateCommit({ groupId: "emptyGroup", generationId: -1, memberId: "" })).toBeNull();
  });
});
