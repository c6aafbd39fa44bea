// A group member's decisions, as Kafka's consumer coordinator makes them: when to rejoin, and what an error from
// JoinGroup, SyncGroup, Heartbeat or OffsetCommit means. A plain object: answers in, decisions out; the member
// sends the requests and owns the timers.

import { type TopicPartition, UnknownMemberIdError } from "../broker/index.ts";
import { LoglabError } from "../format/index.ts";
import { needsRejoin } from "./errors.ts";

/** How long the member waits before retrying a join or sync that timed out. */
export const JOIN_RETRY_BACKOFF_MS = 100;

/** After a heartbeat: send the next one, rejoin the group, or nothing (the member is stopped or already rejoining). */
export type HeartbeatDecision = "heartbeat" | "rejoin" | "none";

/** After a join or sync attempt that threw: retry it after JOIN_RETRY_BACKOFF_MS, give up until the next poll, or fail. */
export type JoinFailureDecision = "retry" | "give-up" | "fail";

export class GroupMemberCore {
  memberId = "";
  generationId = -1;
  #assigned: readonly TopicPartition[] = [];
  #rejoinNeeded = true;
  #stopped = false;

  get assignment(): readonly TopicPartition[] {
    return this.#assigned;
  }

  get rejoinNeeded(): boolean {
    return this.#rejoinNeeded;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** Whether the member should (still) join: it must rejoin and has not been stopped. */
  get joining(): boolean {
    return this.#rejoinNeeded && !this.#stopped;
  }

  /** Marks the member for rejoining (after leaving on max.poll.interval.ms, or a failed commit). */
  requestRejoin(resetMemberId = false): void {
    this.#rejoinNeeded = true;
    if (resetMemberId) this.memberId = "";
  }

  /** Before a join (or a leave): everything the member holds is revoked (the eager protocols); returns it. */
  handleRevoke(): readonly TopicPartition[] {
    const revoked = this.#assigned;
    this.#assigned = [];
    return revoked;
  }

  /** JoinGroup answered: returns whether this member is the leader, which computes everyone's assignment. */
  handleJoined(join: { readonly memberId: string; readonly generationId: number; readonly leaderId: string }): boolean {
    this.memberId = join.memberId;
    this.generationId = join.generationId;
    return join.leaderId === join.memberId;
  }

  /** SyncGroup answered with this member's assignment: it holds the partitions for this generation. */
  handleSynced(assignment: readonly TopicPartition[]): void {
    this.#assigned = assignment;
    this.#rejoinNeeded = false;
  }

  /**
   * JoinGroup or SyncGroup answered with an error: "rejoin" if the member just
   * joins again (forgetting its member id on UNKNOWN_MEMBER_ID), else "fail".
   */
  handleGroupError(error: LoglabError): "rejoin" | "fail" {
    if (!needsRejoin(error)) return "fail";
    if (error instanceof UnknownMemberIdError) this.memberId = "";
    return "rejoin";
  }

  /** A join or sync that threw: retriable errors are retried until `deadlineMs`. */
  handleJoinFailed(error: unknown, nowMs: number, deadlineMs: number): JoinFailureDecision {
    if (!(error instanceof LoglabError && error.retriable)) return "fail";
    return nowMs >= deadlineMs ? "give-up" : "retry";
  }

  /** A heartbeat answered (null: no error) or failed to get an answer ("no-answer"). */
  handleHeartbeat(answer: LoglabError | null | "no-answer"): HeartbeatDecision {
    if (answer === "no-answer") return "heartbeat";
    if (this.#stopped || this.#rejoinNeeded) return "none";
    if (answer === null || !needsRejoin(answer)) return "heartbeat";
    this.requestRejoin(answer instanceof UnknownMemberIdError);
    return "rejoin";
  }

  /** OffsetCommit failed: a generation or membership the coordinator no longer knows means rejoining. */
  handleCommitError(error: LoglabError): void {
    if (needsRejoin(error)) this.requestRejoin();
  }

  /** LeaveGroup sent (answered or not): the member is out until it joins again with a new member id. */
  handleLeft(): void {
    this.memberId = "";
    this.#rejoinNeeded = true;
  }

  stop(): void {
    this.#stopped = true;
  }
}
