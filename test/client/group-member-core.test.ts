// A group member's decisions on their own: what a join, sync, heartbeat or
// commit answer means (rejoin, keep going, fail), driven by hand with no
// coordinator and no scheduler.

import { describe, expect, it } from "vitest";
import {
  IllegalGenerationError, InconsistentGroupProtocolError, RebalanceInProgressError, UnknownMemberIdError,
} from "../../src/index.ts";
import { RequestTimedOutError } from "../../src/client/errors.ts";
import { GroupMemberCore } from "../../src/client/group-member-core.ts";

const partitions = [{ topic: "t", partition: 0 }, { topic: "t", partition: 1 }];

/** A member holding `partitions` in generation 3. */
function member(): GroupMemberCore {
  const core = new GroupMemberCore();
  expect(core.handleJoined({ memberId: "m-1", generationId: 3, leaderId: "m-2" })).toBe(false);
  core.handleSynced(partitions);
  return core;
}

describe("a group member's decisions", () => {
  it("joins at first, and holds its assignment once synced", () => {
    const core = new GroupMemberCore();
    expect(core.joining).toBe(true);
    expect(core.handleJoined({ memberId: "m-1", generationId: 1, leaderId: "m-1" })).toBe(true);
    core.handleSynced(partitions);
    expect([core.joining, core.memberId, core.generationId, core.assignment]).toEqual([false, "m-1", 1, partitions]);
  });

  it("keeps heartbeating while the coordinator answers, or does not answer at all", () => {
    const core = member();
    expect(core.handleHeartbeat(null)).toBe("heartbeat");
    expect(core.handleHeartbeat("no-answer")).toBe("heartbeat");
    expect(core.rejoinNeeded).toBe(false);
  });

  it("rejoins when a heartbeat meets a rebalance or an old generation, keeping its member id", () => {
    for (const error of [new RebalanceInProgressError("g"), new IllegalGenerationError("g", 3, 4)]) {
      const core = member();
      expect(core.handleHeartbeat(error)).toBe("rejoin");
      expect([core.rejoinNeeded, core.memberId]).toEqual([true, "m-1"]);
      // Once rejoining, later heartbeat answers change nothing.
      expect(core.handleHeartbeat(null)).toBe("none");
    }
  });

  it("rejoins under a new member id when the coordinator no longer knows it", () => {
    const core = member();
    expect(core.handleHeartbeat(new UnknownMemberIdError("g", "m-1"))).toBe("rejoin");
    expect([core.rejoinNeeded, core.memberId]).toEqual([true, ""]);
  });

  it("goes on heartbeating after any other heartbeat error", () => {
    const core = member();
    expect(core.handleHeartbeat(new RequestTimedOutError(1000, "heartbeat"))).toBe("heartbeat");
    expect(core.rejoinNeeded).toBe(false);
  });

  it("a stopped member neither heartbeats on an answer nor joins", () => {
    const core = member();
    core.stop();
    expect(core.handleHeartbeat(null)).toBe("none");
    core.requestRejoin();
    expect(core.joining).toBe(false);
  });

  it("joins again after a join or sync error that means rejoining, and fails on any other", () => {
    const core = new GroupMemberCore();
    expect(core.handleGroupError(new RebalanceInProgressError("g"))).toBe("rejoin");
    core.handleJoined({ memberId: "m-1", generationId: 1, leaderId: "m-1" });
    expect(core.handleGroupError(new UnknownMemberIdError("g", "m-1"))).toBe("rejoin");
    expect(core.memberId).toBe("");
    expect(core.handleGroupError(new InconsistentGroupProtocolError("g", ["range"]))).toBe("fail");
  });

  it("retries a join that timed out until its deadline, then gives up until the next poll; other errors fail", () => {
    const core = new GroupMemberCore();
    const timedOut = new RequestTimedOutError(1000, "JoinGroup");
    expect(core.handleJoinFailed(timedOut, 1_000, 2_000)).toBe("retry");
    expect(core.handleJoinFailed(timedOut, 2_000, 2_000)).toBe("give-up");
    expect(core.handleJoinFailed(new InconsistentGroupProtocolError("g", ["range"]), 1_000, 2_000)).toBe("fail");
    expect(core.handleJoinFailed(new Error("listener threw"), 1_000, 2_000)).toBe("fail");
  });

  it("rejoins after a commit refused for its generation, keeping its member id", () => {
    const core = member();
    core.handleCommitError(new RequestTimedOutError(1000, "OffsetCommit"));
    expect(core.rejoinNeeded).toBe(false);
    core.handleCommitError(new IllegalGenerationError("g", 3, 4));
    expect([core.rejoinNeeded, core.memberId]).toEqual([true, "m-1"]);
  });

  it("revokes everything it holds before rejoining, once", () => {
    const core = member();
    expect(core.handleRevoke()).toEqual(partitions);
    expect(core.handleRevoke()).toEqual([]);
  });

  it("after leaving, joins again as a new member", () => {
    const core = member();
    core.handleLeft();
    expect([core.joining, core.memberId]).toEqual([true, ""]);
  });
});
