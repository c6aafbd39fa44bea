// Partition assignors, run by a consumer group's leader as in Kafka's clients:
// range and round-robin (eager: every rebalance starts from nothing) and
// cooperative-sticky (keeps what members own, and never hands a partition to
// a new owner in the same generation its old owner still holds it).

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export interface MemberSubscription {
  readonly memberId: string;
  readonly topics: readonly string[];
  /** What the member owned in the previous generation (cooperative protocols only). */
  readonly ownedPartitions?: readonly TopicPartition[];
}

export type AssignorName = "range" | "roundrobin" | "cooperative-sticky";
export const ASSIGNOR_NAMES: readonly AssignorName[] = ["range", "roundrobin", "cooperative-sticky"];

/** memberId → its partitions. */
export type GroupAssignment = Record<string, TopicPartition[]>;

const byMember = (a: MemberSubscription, b: MemberSubscription) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0);
const byPartition = (a: TopicPartition, b: TopicPartition) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition);
const key = (tp: TopicPartition) => `${tp.partition}:${tp.topic}`;

function emptyAssignment(members: readonly MemberSubscription[]): GroupAssignment {
  return Object.fromEntries(members.map((m) => [m.memberId, [] as TopicPartition[]]));
}

/** Every partition of every subscribed topic that exists, in (topic, partition) order. */
function subscribedPartitions(partitionsPerTopic: ReadonlyMap<string, number>, members: readonly MemberSubscription[]): TopicPartition[] {
  const topics = [...new Set(members.flatMap((m) => m.topics))].filter((t) => partitionsPerTopic.has(t)).sort();
  return topics.flatMap((topic) => Array.from({ length: partitionsPerTopic.get(topic)! }, (_, partition) => ({ topic, partition })));
}

/** Kafka's RangeAssignor: per topic, contiguous ranges; the first (n % m) members get one more. */
export function rangeAssign(partitionsPerTopic: ReadonlyMap<string, number>, members: readonly MemberSubscription[]): GroupAssignment {
  const assignment = emptyAssignment(members);
  for (const [topic, count] of [...partitionsPerTopic].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const subscribers = members.filter((m) => m.topics.includes(topic)).sort(byMember);
    if (subscribers.length === 0) continue;
    const quota = Math.floor(count / subscribers.length);
    const extra = count % subscribers.length;
    subscribers.forEach((member, i) => {
      const start = quota * i + Math.min(i, extra);
      const length = quota + (i < extra ? 1 : 0);
      for (let p = start; p < start + length; p++) assignment[member.memberId]!.push({ topic, partition: p });
    });
  }
  return assignment;
}

/** Kafka's RoundRobinAssignor: all partitions in order, dealt to the members that subscribe to their topic. */
export function roundRobinAssign(partitionsPerTopic: ReadonlyMap<string, number>, members: readonly MemberSubscription[]): GroupAssignment {
  const assignment = emptyAssignment(members);
  const sorted = [...members].sort(byMember);
  let next = 0;
  for (const tp of subscribedPartitions(partitionsPerTopic, members)) {
    for (let tried = 0; tried < sorted.length; tried++) {
      const member = sorted[(next + tried) % sorted.length]!;
      if (member.topics.includes(tp.topic)) {
        assignment[member.memberId]!.push(tp);
        next = (next + tried + 1) % sorted.length;
        break;
      }
    }
  }
  return assignment;
}

/**
 * Kafka's CooperativeStickyAssignor, simplified to its guarantees: members
 * keep what they validly own up to a balanced share; free partitions go to the
 * least loaded eligible member; and a partition that must move from its owner
 * is left unassigned this generation (the owner revokes it, and the next
 * rebalance hands it over), so no partition ever has two owners at once.
 */
export function cooperativeStickyAssign(partitionsPerTopic: ReadonlyMap<string, number>, members: readonly MemberSubscription[]): GroupAssignment {
  const assignment = emptyAssignment(members);
  const sorted = [...members].sort(byMember);
  const all = subscribedPartitions(partitionsPerTopic, members);
  const exists = new Set(all.map(key));
  const eligible = (member: MemberSubscription, tp: TopicPartition) => member.topics.includes(tp.topic);
  // Balanced means each member holds floor(P / M) partitions and P % M of them one more.
  const floorShare = Math.floor(all.length / Math.max(1, sorted.length));
  let extraShares = all.length % Math.max(1, sorted.length);

  // 1. Keep owned partitions that still exist, are still subscribed to and are
  //    claimed by one member only, up to a balanced share.
  const claims = new Map<string, number>();
  for (const member of sorted) for (const tp of member.ownedPartitions ?? []) claims.set(key(tp), (claims.get(key(tp)) ?? 0) + 1);
  const ownerOf = new Map<string, string>();
  const keepable = new Map<string, TopicPartition[]>();
  for (const member of sorted) {
    const valid = [...(member.ownedPartitions ?? [])].sort(byPartition)
      .filter((tp) => exists.has(key(tp)) && claims.get(key(tp)) === 1 && eligible(member, tp));
    for (const tp of valid) ownerOf.set(key(tp), member.memberId);
    keepable.set(member.memberId, valid);
  }
  const kept = new Set<string>();
  // Members that own the most keep the extra shares, so as little as possible moves.
  const byOwnedDescending = [...sorted].sort((a, b) => keepable.get(b.memberId)!.length - keepable.get(a.memberId)!.length || byMember(a, b));
  for (const member of byOwnedDescending) {
    const valid = keepable.get(member.memberId)!;
    let share = floorShare;
    if (valid.length > floorShare && extraShares > 0) {
      share++;
      extraShares--;
    }
    for (const tp of valid.slice(0, share)) {
      assignment[member.memberId]!.push({ topic: tp.topic, partition: tp.partition });
      kept.add(key(tp));
    }
  }
  // 2. Deal the rest to the least loaded eligible member, leaving out any
  //    partition whose previous owner still holds it.
  for (const tp of all) {
    const k = key(tp);
    if (kept.has(k)) continue;
    const candidates = sorted.filter((m) => eligible(m, tp));
    if (candidates.length === 0) continue;
    const target = candidates.reduce((best, m) => (assignment[m.memberId]!.length < assignment[best.memberId]!.length ? m : best));
    const owner = ownerOf.get(k);
    if (owner !== undefined && owner !== target.memberId) continue; // revoked now, reassigned next generation
    assignment[target.memberId]!.push(tp);
  }
  for (const partitions of Object.values(assignment)) partitions.sort(byPartition);
  return assignment;
}

export function assign(
  name: AssignorName,
  partitionsPerTopic: ReadonlyMap<string, number>,
  members: readonly MemberSubscription[],
): GroupAssignment {
  switch (name) {
    case "range":
      return rangeAssign(partitionsPerTopic, members);
    case "roundrobin":
      return roundRobinAssign(partitionsPerTopic, members);
    case "cooperative-sticky":
      return cooperativeStickyAssign(partitionsPerTopic, members);
  }
}
