// Consumer groups as Kafka's group coordinator runs them: JoinGroup gathers
// the members (waiting for all known members, or the rebalance timeout), the
// first completed join starts a new generation and names a leader, the leader
// sends the assignment in SyncGroup, and heartbeats keep sessions alive. A
// member that misses its session timeout, or leaves, triggers a rebalance.
// Time comes from the injected Scheduler; nothing here touches I/O.

import type { LoglabError } from "../format/index.ts";
import type { Random, Scheduler, Timer } from "../runtime/index.ts";
import {
  IllegalGenerationError, InconsistentGroupProtocolError, InvalidSessionTimeoutError, PartitionNotAssignedError,
  RebalanceInProgressError, UnknownMemberIdError,
} from "./errors.ts";

export type GroupState = "Empty" | "PreparingRebalance" | "CompletingRebalance" | "Stable";

export interface GroupProtocol {
  /** The assignor's name, e.g. "range". */
  readonly name: string;
  /** What the member tells the leader (its subscription), opaque to the coordinator. */
  readonly metadata: Uint8Array;
}

export interface JoinGroupRequest {
  readonly groupId: string;
  /** "" for a member joining for the first time. */
  readonly memberId: string;
  readonly clientId?: string;
  /**
   * Where the member connects from, as Kafka's DescribeGroups shows it ("/127.0.0.1"); a member that came
   * through no socket gets IN_PROCESS_CLIENT_HOST.
   */
  readonly clientHost?: string;
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
  /** In order of preference. */
  readonly protocols: readonly GroupProtocol[];
}

export interface JoinGroupResponse {
  readonly error: LoglabError | null;
  readonly generationId: number;
  readonly protocolName: string;
  readonly leaderId: string;
  readonly memberId: string;
  /** Every member's metadata for the chosen protocol: given to the leader only. */
  readonly members: readonly { readonly memberId: string; readonly metadata: Uint8Array }[];
}

export interface SyncGroupRequest {
  readonly groupId: string;
  readonly generationId: number;
  readonly memberId: string;
  /** The leader's assignment for every member; empty for the others. */
  readonly assignments?: readonly { readonly memberId: string; readonly assignment: Uint8Array }[];
}

export interface SyncGroupResponse {
  readonly error: LoglabError | null;
  readonly assignment: Uint8Array;
}

export interface MemberRequest {
  readonly groupId: string;
  readonly generationId: number;
  readonly memberId: string;
}

export interface GroupCoordinatorOptions {
  readonly scheduler: Scheduler;
  readonly random: Random;
  /** group.initial.rebalance.delay.ms: a new group waits this long for more members. */
  readonly initialRebalanceDelayMs?: number;
  readonly minSessionTimeoutMs?: number;
  readonly maxSessionTimeoutMs?: number;
}

export interface GroupDescription {
  readonly groupId: string;
  readonly state: GroupState;
  readonly generationId: number;
  readonly protocolName: string;
  readonly leaderId: string;
  readonly members: readonly {
    readonly memberId: string;
    readonly clientId: string;
    readonly clientHost: string;
    /** The member's metadata for the group's protocol (empty before one is chosen). */
    readonly metadata: Uint8Array;
    readonly assignment: Uint8Array;
  }[];
}

interface Member {
  readonly memberId: string;
  readonly clientId: string;
  /** Kept from the member's first JoinGroup, as Kafka keeps it. */
  readonly clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocols: readonly GroupProtocol[];
  assignment: Uint8Array;
  /** Set while the member waits in JoinGroup or SyncGroup. */
  joinWaiter: ((response: JoinGroupResponse) => void) | null;
  syncWaiter: ((response: SyncGroupResponse) => void) | null;
  sessionTimer: Timer | null;
}

interface Group {
  readonly groupId: string;
  state: GroupState;
  generationId: number;
  protocolName: string;
  leaderId: string;
  readonly members: Map<string, Member>;
  joinTimer: Timer | null;
  /** The join phase of a group that was empty: it waits out the initial delay for more members. */
  initialDelay: boolean;
}

const EMPTY = new Uint8Array(0);

/**
 * The client host of a member that joined in-process (no socket, no peer address): the loopback address as Kafka's
 * group coordinator tests join their members (GroupMetadataManagerTestContext's InetAddress.getLoopbackAddress()),
 * whose InetAddress.toString() is "localhost/127.0.0.1" — the same form as a socket's "/127.0.0.1", with the name
 * that the loopback address has.
 */
export const IN_PROCESS_CLIENT_HOST = "localhost/127.0.0.1";

/** Kafka's defaults for group.initial.rebalance.delay.ms and the session timeout bounds. */
export const GROUP_DEFAULTS = { initialRebalanceDelayMs: 3000, minSessionTimeoutMs: 6000, maxSessionTimeoutMs: 1_800_000 } as const;

export class GroupCoordinator {
  readonly #groups = new Map<string, Group>();
  readonly #scheduler: Scheduler;
  readonly #random: Random;
  readonly #initialRebalanceDelayMs: number;
  readonly #minSessionTimeoutMs: number;
  readonly #maxSessionTimeoutMs: number;

  constructor(options: GroupCoordinatorOptions) {
    this.#scheduler = options.scheduler;
    this.#random = options.random;
    this.#initialRebalanceDelayMs = options.initialRebalanceDelayMs ?? GROUP_DEFAULTS.initialRebalanceDelayMs;
    this.#minSessionTimeoutMs = options.minSessionTimeoutMs ?? GROUP_DEFAULTS.minSessionTimeoutMs;
    this.#maxSessionTimeoutMs = options.maxSessionTimeoutMs ?? GROUP_DEFAULTS.maxSessionTimeoutMs;
  }

  #group(groupId: string): Group {
    let group = this.#groups.get(groupId);
    if (group === undefined) {
      group = { groupId, state: "Empty", generationId: 0, protocolName: "", leaderId: "", members: new Map(), joinTimer: null, initialDelay: false };
      this.#groups.set(groupId, group);
    }
    return group;
  }

  #newMemberId(clientId: string): string {
    const suffix = Array.from({ length: 4 }, () => this.#random.nextInt(0x10000).toString(16).padStart(4, "0")).join("");
    return `${clientId}-${suffix}`;
  }

  /** JoinGroup: resolves when the join phase completes (or at once with an error). */
  joinGroup(request: JoinGroupRequest): Promise<JoinGroupResponse> {
    const failed = (error: LoglabError): Promise<JoinGroupResponse> =>
      Promise.resolve({ error, generationId: -1, protocolName: "", leaderId: "", memberId: request.memberId, members: [] });
    if (request.sessionTimeoutMs < this.#minSessionTimeoutMs || request.sessionTimeoutMs > this.#maxSessionTimeoutMs) {
      return failed(new InvalidSessionTimeoutError(request.sessionTimeoutMs, this.#minSessionTimeoutMs, this.#maxSessionTimeoutMs));
    }
    const group = this.#group(request.groupId);
    let member = request.memberId === "" ? undefined : group.members.get(request.memberId);
    if (request.memberId !== "" && member === undefined) return failed(new UnknownMemberIdError(group.groupId, request.memberId));
    if (group.members.size > 0 && !request.protocols.some((p) => this.#supportedByAll(group, p.name, member))) {
      return failed(new InconsistentGroupProtocolError(group.groupId, request.protocols.map((p) => p.name)));
    }
    if (member === undefined) {
      const clientId = request.clientId ?? "consumer";
      member = {
        memberId: this.#newMemberId(clientId), clientId, clientHost: request.clientHost ?? IN_PROCESS_CLIENT_HOST, sessionTimeoutMs: request.sessionTimeoutMs,
        rebalanceTimeoutMs: request.rebalanceTimeoutMs, protocols: request.protocols, assignment: EMPTY,
        joinWaiter: null, syncWaiter: null, sessionTimer: null,
      };
      group.members.set(member.memberId, member);
    }
    member.protocols = request.protocols;
    member.sessionTimeoutMs = request.sessionTimeoutMs;
    member.rebalanceTimeoutMs = request.rebalanceTimeoutMs;
    const joining = member;
    const response = new Promise<JoinGroupResponse>((resolve) => { joining.joinWaiter = resolve; });
    if (group.state !== "PreparingRebalance") this.#prepareRebalance(group);
    else this.#maybeCompleteJoin(group);
    return response;
  }

  #supportedByAll(group: Group, protocol: string, except: Member | undefined): boolean {
    return [...group.members.values()].every((m) => m === except || m.protocols.some((p) => p.name === protocol));
  }

  /** Starts a rebalance: everyone must rejoin; waiting syncs are told so. */
  #prepareRebalance(group: Group): void {
    const wasEmpty = group.state === "Empty";
    group.state = "PreparingRebalance";
    group.initialDelay = wasEmpty;
    for (const member of group.members.values()) {
      member.syncWaiter?.({ error: new RebalanceInProgressError(group.groupId), assignment: EMPTY });
      member.syncWaiter = null;
    }
    group.joinTimer?.cancel();
    // A new group waits for more members; otherwise members get their rebalance timeout to rejoin.
    const delay = wasEmpty
      ? this.#initialRebalanceDelayMs
      : Math.max(0, ...[...group.members.values()].map((m) => m.rebalanceTimeoutMs));
    group.joinTimer = this.#scheduler.setTimer(delay, () => this.#completeJoin(group));
    if (!wasEmpty) this.#maybeCompleteJoin(group);
  }

  #maybeCompleteJoin(group: Group): void {
    const everyoneJoined = [...group.members.values()].every((m) => m.joinWaiter !== null);
    // A new group keeps waiting out its initial delay; a rebalancing one completes as soon as all are back.
    if (everyoneJoined && !group.initialDelay) this.#completeJoin(group);
  }

  /** Ends the join phase: drops members that did not rejoin, starts the next generation. */
  #completeJoin(group: Group): void {
    if (group.state !== "PreparingRebalance") return;
    group.joinTimer?.cancel();
    group.joinTimer = null;
    group.initialDelay = false;
    for (const member of [...group.members.values()]) {
      if (member.joinWaiter === null) this.#removeMember(group, member);
    }
    if (group.members.size === 0) {
      group.state = "Empty";
      group.generationId++;
      return;
    }
    const members = [...group.members.values()];
    const leader = group.members.get(group.leaderId) ?? members[0]!;
    const protocol = leader.protocols.find((p) => members.every((m) => m.protocols.some((q) => q.name === p.name)))!;
    group.generationId++;
    group.protocolName = protocol.name;
    group.leaderId = leader.memberId;
    group.state = "CompletingRebalance";
    const metadata = members.map((m) => ({ memberId: m.memberId, metadata: m.protocols.find((p) => p.name === protocol.name)!.metadata }));
    for (const member of members) {
      const waiter = member.joinWaiter!;
      member.joinWaiter = null;
      member.assignment = EMPTY;
      this.#touchSession(group, member);
      waiter({
        error: null, generationId: group.generationId, protocolName: protocol.name, leaderId: leader.memberId,
        memberId: member.memberId, members: member === leader ? metadata : [],
      });
    }
  }

  #touchSession(group: Group, member: Member): void {
    member.sessionTimer?.cancel();
    member.sessionTimer = this.#scheduler.setTimer(member.sessionTimeoutMs, () => {
      if (group.members.get(member.memberId) !== member) return;
      // A member waiting in JoinGroup or SyncGroup is alive, as in Kafka.
      if (member.joinWaiter !== null || member.syncWaiter !== null) return this.#touchSession(group, member);
      this.#removeMember(group, member);
      this.#afterDeparture(group);
    });
  }

  #removeMember(group: Group, member: Member): void {
    member.sessionTimer?.cancel();
    group.members.delete(member.memberId);
    member.joinWaiter?.({ error: new UnknownMemberIdError(group.groupId, member.memberId), generationId: -1, protocolName: "", leaderId: "", memberId: member.memberId, members: [] });
    member.syncWaiter?.({ error: new UnknownMemberIdError(group.groupId, member.memberId), assignment: EMPTY });
    member.joinWaiter = null;
    member.syncWaiter = null;
  }

  #afterDeparture(group: Group): void {
    if (group.members.size === 0) {
      group.joinTimer?.cancel();
      group.state = "Empty";
      return;
    }
    if (group.state === "PreparingRebalance") this.#maybeCompleteJoin(group);
    else this.#prepareRebalance(group);
  }

  /** The member, checked against the group's current generation. */
  #check(request: MemberRequest): { group: Group; member: Member } | LoglabError {
    const group = this.#groups.get(request.groupId);
    const member = group?.members.get(request.memberId);
    if (group === undefined || member === undefined) return new UnknownMemberIdError(request.groupId, request.memberId);
    if (request.generationId !== group.generationId) return new IllegalGenerationError(group.groupId, request.generationId, group.generationId);
    return { group, member };
  }

  /** SyncGroup: the leader brings the assignment; everyone gets their part once it has. */
  syncGroup(request: SyncGroupRequest): Promise<SyncGroupResponse> {
    const checked = this.#check(request);
    if (!("group" in checked)) return Promise.resolve({ error: checked, assignment: EMPTY });
    const { group, member } = checked;
    if (group.state === "PreparingRebalance") return Promise.resolve({ error: new RebalanceInProgressError(group.groupId), assignment: EMPTY });
    this.#touchSession(group, member);
    if (group.state === "Stable") return Promise.resolve({ error: null, assignment: member.assignment });
    const response = new Promise<SyncGroupResponse>((resolve) => { member.syncWaiter = resolve; });
    if (member.memberId === group.leaderId && request.assignments !== undefined) {
      const given = new Map(request.assignments.map((a) => [a.memberId, a.assignment]));
      group.state = "Stable";
      for (const m of group.members.values()) {
        m.assignment = given.get(m.memberId) ?? EMPTY;
        m.syncWaiter?.({ error: null, assignment: m.assignment });
        m.syncWaiter = null;
      }
    }
    return response;
  }

  /** Heartbeat: keeps the session alive and tells the member when to rejoin. */
  heartbeat(request: MemberRequest): LoglabError | null {
    const checked = this.#check(request);
    if (!("group" in checked)) return checked;
    this.#touchSession(checked.group, checked.member);
    return checked.group.state === "PreparingRebalance" ? new RebalanceInProgressError(checked.group.groupId) : null;
  }

  /**
   * Makes the group rebalance now, as a member joining does: every member
   * learns so at its next heartbeat and must rejoin, giving up what it holds
   * first. A fault the simulator injects; false when the group has no members.
   */
  rebalance(groupId: string): boolean {
    const group = this.#groups.get(groupId);
    if (group === undefined || group.members.size === 0) return false;
    if (group.state !== "PreparingRebalance") this.#prepareRebalance(group);
    return true;
  }

  /** LeaveGroup: the member goes at once, and the others rebalance. */
  leaveGroup(groupId: string, memberId: string): LoglabError | null {
    const group = this.#groups.get(groupId);
    const member = group?.members.get(memberId);
    if (group === undefined || member === undefined) return new UnknownMemberIdError(groupId, memberId);
    this.#removeMember(group, member);
    this.#afterDeparture(group);
    return null;
  }

  /**
   * Whether an OffsetCommit may proceed, as Kafka decides: anyone may commit
   * with generation -1 to an empty group; otherwise only a member of the
   * current generation, and not while the assignment is being handed out.
   */
  validateCommit(request: MemberRequest): LoglabError | null {
    const group = this.#groups.get(request.groupId);
    if (request.generationId < 0 && (group === undefined || group.state === "Empty")) return null;
    if (group?.state === "CompletingRebalance") return new RebalanceInProgressError(request.groupId);
    const checked = this.#check(request);
    return "group" in checked ? null : checked;
  }

  /**
   * The partitions `memberId` was handed in the current generation, when its
   * assignment is loglab's consumer protocol (a JSON list of topic-partitions);
   * null when the group does not use it, and nothing can be checked.
   */
  #assignedPartitions(groupId: string, memberId: string): Set<string> | null {
    const assignment = this.#groups.get(groupId)?.members.get(memberId)?.assignment;
    if (assignment === undefined || assignment.length === 0) return null;
    try {
      const parsed = JSON.parse(new TextDecoder().decode(assignment)) as { topic?: unknown; partition?: unknown }[];
      if (!Array.isArray(parsed)) return null;
      return new Set(parsed.map((tp) => `${String(tp.topic)}-${String(tp.partition)}`));
    } catch {
      return null;
    }
  }

  /** Refuses a member's commit for a partition outside its assignment (null when allowed). */
  checkCommitPartition(request: MemberRequest, topic: string, partition: number): PartitionNotAssignedError | null {
    if (request.generationId < 0) return null;
    const owned = this.#assignedPartitions(request.groupId, request.memberId);
    const name = `${topic}-${partition}`;
    return owned === null || owned.has(name) ? null : new PartitionNotAssignedError(request.groupId, request.memberId, name);
  }

  /**
   * Stops every session and rebalance timer and answers every member still
   * waiting in JoinGroup or SyncGroup with the error `errorFor` gives, so no
   * request is left hanging and no timer fires into a closed broker.
   */
  close(errorFor: (request: "JoinGroup" | "SyncGroup") => LoglabError): void {
    for (const group of this.#groups.values()) {
      group.joinTimer?.cancel();
      group.joinTimer = null;
      for (const member of group.members.values()) {
        member.sessionTimer?.cancel();
        member.sessionTimer = null;
        member.joinWaiter?.({ error: errorFor("JoinGroup"), generationId: -1, protocolName: "", leaderId: "", memberId: member.memberId, members: [] });
        member.joinWaiter = null;
        member.syncWaiter?.({ error: errorFor("SyncGroup"), assignment: EMPTY });
        member.syncWaiter = null;
      }
    }
  }

  /** The groups with members or a generation behind them, for ListGroups (classic consumer groups only). */
  listGroups(): { groupId: string; state: GroupState; protocolType: string }[] {
    return [...this.#groups.values()]
      .filter((group) => group.members.size > 0 || group.generationId > 0)
      .map((group) => ({ groupId: group.groupId, state: group.state, protocolType: "consumer" }));
  }

  /** Whether the group has members or a generation behind it (DescribeGroups answers "Dead" for the others). */
  hasGroup(groupId: string): boolean {
    const group = this.#groups.get(groupId);
    return group !== undefined && (group.members.size > 0 || group.generationId > 0);
  }

  describeGroup(groupId: string): GroupDescription {
    const group = this.#group(groupId);
    return {
      groupId, state: group.state, generationId: group.generationId, protocolName: group.protocolName, leaderId: group.leaderId,
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId, clientId: m.clientId, clientHost: m.clientHost, assignment: m.assignment,
        metadata: m.protocols.find((p) => p.name === group.protocolName)?.metadata ?? EMPTY,
      })),
    };
  }
}
