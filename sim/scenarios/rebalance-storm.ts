// A rebalance storm: real consumers of one group join, poll, stop polling,
// leave, crash (their sessions expire) and are restarted, while the group is
// forced to rebalance now and then, and every assignment lands in the
// history. Whatever the assignor, no partition may belong to two members of
// one generation. Written on simulate(): each member is a program, a storm
// plan says when each joins and how it stops, and its crashes and forced
// rebalances are the run's faults; the public onePartitionOwner check judges.

import { type AssignorName, type Random, SeededRandom } from "../../src/index.ts";
import { onePartitionOwner } from "../checks.ts";
import type { HistoryEntry } from "../history.ts";
import { checkOwnership } from "../ownership-checker.ts";
import { type CrashPoint, type Program, type RebalancePoint, simulate, type SimulationFaults } from "../simulate.ts";
import type { RunResult } from "./run-result.ts";

const TOPIC = "test";
const PARTITIONS = 6;
const GROUP = "storm";
/** Virtual ms the storm lasts: long enough for idle members to be dropped and the group to settle after the last change. */
export const STORM_MS = 60_000;
/** A member that stops polling leaves the group this long after its last poll. */
const MAX_POLL_INTERVAL_MS = 20_000;

/**
 * How a member stops: "leave" closes its consumer (a LeaveGroup, and the
 * others rebalance); "idle" stops polling, so max.poll.interval.ms later it
 * leaves; "crash" kills the process (no LeaveGroup: its session expires),
 * and a new incarnation joins after the restart delay.
 */
export type StormStop = "leave" | "idle" | "crash";

/**
 * One member of the storm: when it joins, and how it stops `afterMs` later
 * (never, when `stop` is absent). A crash falls at that virtual time; a
 * member that leaves or goes idle counts it in its one-second polls.
 */
export interface StormMember {
  readonly joinAtMs: number;
  readonly stop?: { readonly how: StormStop; readonly afterMs: number };
}

/** A storm: its members, and the times the group is forced to rebalance. */
export interface StormPlan {
  readonly members: readonly StormMember[];
  readonly rebalancesAtMs?: readonly number[];
}

/** A plan drawn from `random`: two members from the start, up to four joining later, most of them stopping, and up to three forced rebalances. */
export function stormPlan(random: Random): StormPlan {
  const between = (min: number, max: number) => min + random.nextInt(max - min + 1);
  const hows: readonly StormStop[] = ["leave", "idle", "crash"];
  const members = Array.from({ length: between(3, 6) }, (_, i): StormMember => {
    const joinAtMs = i < 2 ? 0 : between(0, 25_000);
    const stops = random.nextInt(4) > 0;
    return stops ? { joinAtMs, stop: { how: hows[random.nextInt(3)]!, afterMs: between(1000, 15_000) } } : { joinAtMs };
  });
  return { members, rebalancesAtMs: Array.from({ length: random.nextInt(4) }, () => between(1000, 40_000)).sort((a, b) => a - b) };
}

/**
 * A member of the group: waits until `member.joinAtMs` (its first
 * incarnation only: a restarted one joins at once), subscribes, and polls
 * until it stops as `member.stop` says or the storm is over, then closes.
 */
export const stormMember = (member: StormMember, assignor: AssignorName): Program => async ({ consumer, incarnation, sleep, signal }) => {
  if (incarnation === 1) await sleep(member.joinAtMs);
  const polling = consumer({
    "group.id": GROUP, "session.timeout.ms": 6000, "heartbeat.interval.ms": 1000, "max.poll.interval.ms": MAX_POLL_INTERVAL_MS,
    "partition.assignment.strategy": assignor, "enable.auto.commit": false, "auto.offset.reset": "earliest",
  });
  polling.subscribe([TOPIC]);
  // A crash is the faults' to make; a restarted member polls to the end.
  const stop = member.stop?.how === "crash" || incarnation > 1 ? undefined : member.stop;
  let polledMs = 0;
  while (!signal.aborted && (stop === undefined || polledMs < stop.afterMs)) {
    await polling.poll(1000);
    polledMs += 1000;
  }
  if (stop?.how === "idle") while (!signal.aborted) await sleep(1000);
  await polling.close();
};

/** The storm as simulate()'s faults: each crashing member dies `afterMs` after it joined; the forced rebalances at their times. */
function stormFaults(plan: StormPlan): SimulationFaults {
  const crashes: CrashPoint[] = plan.members.flatMap((member, i) =>
    member.stop?.how === "crash" ? [{ process: `member-${i + 1}`, atMs: member.joinAtMs + member.stop.afterMs }] : []);
  const rebalances: RebalancePoint[] = (plan.rebalancesAtMs ?? []).map((atMs) => ({ atMs }));
  return { crashes, rebalances, restartAfterMs: [1000, 8000] };
}

export async function runRebalanceStorm(seed: number, assignor: AssignorName, plan: StormPlan = stormPlan(new SeededRandom(seed))): Promise<RunResult> {
  const result = await simulate({
    seed,
    broker: { config: { "group.initial.rebalance.delay.ms": "100" } },
    topics: [{ name: TOPIC, partitions: PARTITIONS }],
    processes: Object.fromEntries(plan.members.map((member, i) => [`member-${i + 1}`, stormMember(member, assignor)])),
    runForMs: STORM_MS,
    faults: stormFaults(plan),
    checks: { "one owner per partition per generation": onePartitionOwner },
  });
  const { generations } = checkOwnership(result.history);
  const described = plan.members.map((member, i) =>
    `member-${i + 1} joins at ${member.joinAtMs} ms${member.stop === undefined ? "" : `, ${{ leave: "leaves", idle: "goes idle", crash: "crashes" }[member.stop.how]} ${member.stop.afterMs} ms later`}`);
  return {
    label: `${assignor} assignor`, promised: true, violations: result.verdict.explanation,
    notes: [
      `${described.join("; ")}; ${(plan.rebalancesAtMs ?? []).length} forced rebalance(s); ${generations} generation(s) formed:`,
      ...generationLines(result.history),
    ],
    trace: result.trace, history: result.history,
  };
}

/** Each generation's assignment, from the history's "assign" entries: "generation 2: member-1#1 [0, 1, 2], member-3#1 [3, 4, 5]". */
function generationLines(history: readonly HistoryEntry[]): string[] {
  const generations = new Map<string, Map<string, number[]>>();
  for (const entry of history) {
    if (entry.op !== "assign" || entry.detail === undefined) continue;
    const members = generations.get(entry.detail) ?? new Map<string, number[]>();
    generations.set(entry.detail, members);
    members.set(entry.process, [...(members.get(entry.process) ?? []), Number(entry.value.slice(TOPIC.length + 1))]);
  }
  return [...generations].map(([generation, members]) =>
    `  ${generation}: ${[...members].map(([member, partitions]) => `${member} [${partitions.join(", ")}]`).join(", ")}`);
}

export async function rebalanceStorm(seed: number): Promise<RunResult[]> {
  return [
    await runRebalanceStorm(seed, "range"),
    await runRebalanceStorm(seed, "roundrobin"),
    await runRebalanceStorm(seed, "cooperative-sticky"),
  ];
}
