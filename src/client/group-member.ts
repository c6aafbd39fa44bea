// A consumer's membership of its group, as Kafka's consumer coordinator runs
// it: join (the leader computes everyone's assignment with the configured
// assignor), sync, then heartbeat every heartbeat.interval.ms. When the
// coordinator answers a heartbeat with REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION
// or UNKNOWN_MEMBER_ID, the member must rejoin; the consumer does so in poll().
// The decisions are GroupMemberCore's; this class sends the requests and keeps the timers.

import type { TopicPartition } from "../broker/index.ts";
import { LoglabError } from "../format/index.ts";
import { sleep, type Timer } from "../runtime/index.ts";
import { assign, type AssignorName, type MemberSubscription } from "./assignors.ts";
import { GroupMemberCore, type HeartbeatDecision, JOIN_RETRY_BACKOFF_MS } from "./group-member-core.ts";
import type { ClientRuntime } from "./producer.ts";
import type { BrokerTransport } from "./transport.ts";

export interface GroupMemberSettings {
  readonly groupId: string;
  readonly clientId: string;
  readonly sessionTimeoutMs: number;
  /** The consumer's max.poll.interval.ms, which Kafka also uses as the rebalance timeout. */
  readonly rebalanceTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly assignor: AssignorName;
}

export interface MembershipListener {
  /** Before the member rejoins: everything it held is revoked (the eager protocols). */
  revoked(partitions: readonly TopicPartition[]): Promise<void>;
  assigned(partitions: readonly TopicPartition[]): Promise<void>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class GroupMember {
  readonly #core = new GroupMemberCore();
  #heartbeat: Timer | null = null;

  constructor(
    private readonly transport: BrokerTransport,
    private readonly runtime: ClientRuntime,
    private readonly settings: GroupMemberSettings,
    private readonly topics: readonly string[],
    private readonly listener: MembershipListener,
  ) {}

  get memberId(): string {
    return this.#core.memberId;
  }

  get generationId(): number {
    return this.#core.generationId;
  }

  get assignment(): readonly TopicPartition[] {
    return this.#core.assignment;
  }

  get rejoinNeeded(): boolean {
    return this.#core.rejoinNeeded;
  }

  /** Marks the member for rejoining at the next poll (also used when it left on max.poll.interval.ms). */
  requestRejoin(resetMemberId = false): void {
    this.#core.requestRejoin(resetMemberId);
  }

  /** An OffsetCommit failed with `error`: a generation the coordinator has moved past means rejoining. */
  handleCommitError(error: LoglabError): void {
    this.#core.handleCommitError(error);
  }

  /**
   * Joins and syncs until the member holds an assignment for the current
   * generation. A request that timed out (or met a retriable error) is
   * retried until `deadlineMs`; then the member stays unassigned until the next call.
   */
  async ensureActive(deadlineMs = Infinity): Promise<void> {
    while (this.#core.joining) {
      try {
        await this.#joinAndSync();
      } catch (error) {
        const decision = this.#core.handleJoinFailed(error, this.runtime.scheduler.nowMs(), deadlineMs);
        if (decision === "fail") throw error;
        if (decision === "give-up") return;
        await sleep(this.runtime.scheduler, JOIN_RETRY_BACKOFF_MS);
      }
    }
  }

  async #joinAndSync(): Promise<void> {
    this.#stopHeartbeats();
    if (this.#core.assignment.length > 0) await this.listener.revoked(this.#core.handleRevoke());
    const join = await this.transport.joinGroup({
      groupId: this.settings.groupId, memberId: this.memberId, clientId: this.settings.clientId,
      sessionTimeoutMs: this.settings.sessionTimeoutMs, rebalanceTimeoutMs: this.settings.rebalanceTimeoutMs,
      protocols: [{ name: this.settings.assignor, metadata: encoder.encode(JSON.stringify({ topics: this.topics })) }],
    });
    if (join.error !== null) return this.#onError(join.error);
    const leader = this.#core.handleJoined(join);
    const assignments = leader ? await this.#assignAsLeader(join.members) : undefined;
    const sync = await this.transport.syncGroup({
      groupId: this.settings.groupId, generationId: this.generationId, memberId: this.memberId,
      ...(assignments === undefined ? {} : { assignments }),
    });
    if (sync.error !== null) return this.#onError(sync.error);
    this.#core.handleSynced(sync.assignment.length === 0 ? [] : JSON.parse(decoder.decode(sync.assignment)) as TopicPartition[]);
    this.#scheduleHeartbeat();
    await this.listener.assigned(this.#core.assignment);
  }

  #onError(error: LoglabError): void {
    if (this.#core.handleGroupError(error) === "fail") throw error;
  }

  /** The leader's job: everyone's partitions, from their subscriptions and the topics' partition counts. */
  async #assignAsLeader(members: readonly { memberId: string; metadata: Uint8Array }[]) {
    const subscriptions: MemberSubscription[] = members.map((m) => ({
      memberId: m.memberId, topics: (JSON.parse(decoder.decode(m.metadata)) as { topics: string[] }).topics,
    }));
    const topics = [...new Set(subscriptions.flatMap((s) => s.topics))];
    const { topics: metadata } = await this.transport.metadata(topics);
    const counts = new Map(metadata.filter((t) => t.error === null).map((t) => [t.topic, t.partitions] as const));
    const assignment = assign(this.settings.assignor, counts, subscriptions);
    return subscriptions.map((s) => ({ memberId: s.memberId, assignment: encoder.encode(JSON.stringify(assignment[s.memberId] ?? [])) }));
  }

  #scheduleHeartbeat(): void {
    this.#heartbeat = this.runtime.scheduler.setTimer(this.settings.heartbeatIntervalMs, () => {
      this.#heartbeat = null;
      void this.transport.heartbeat({ groupId: this.settings.groupId, generationId: this.generationId, memberId: this.memberId })
        .then(
          (error) => this.#afterHeartbeat(this.#core.handleHeartbeat(error)),
          () => this.#afterHeartbeat(this.#core.handleHeartbeat("no-answer")),
        );
    });
  }

  #afterHeartbeat(decision: HeartbeatDecision): void {
    if (decision === "heartbeat") this.#scheduleHeartbeat();
  }

  #stopHeartbeats(): void {
    this.#heartbeat?.cancel();
    this.#heartbeat = null;
  }

  /** LeaveGroup: the partitions go to the others at once instead of after session.timeout.ms. */
  async leave(): Promise<void> {
    this.#stopHeartbeats();
    if (this.#core.assignment.length > 0) await this.listener.revoked(this.#core.handleRevoke());
    if (this.memberId !== "") {
      // A LeaveGroup that gets no answer still leaves: the session times out on the coordinator.
      await this.transport.leaveGroup(this.settings.groupId, this.memberId).catch((error: unknown) => {
        if (!(error instanceof LoglabError && error.retriable)) throw error;
      });
    }
    this.#core.handleLeft();
  }

  stop(): void {
    this.#core.stop();
    this.#stopHeartbeats();
  }
}
