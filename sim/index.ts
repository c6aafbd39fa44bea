// The simulator's face: a seeded world with a simulated network and disk, the
// history and its checkers, the scenarios, and the crash lab. Environment-free,
// so the web app runs it in the page; the command line (command.ts) reads and
// writes files and is an entry point of its own.

export { crashLab, type CrashLabOptions, type CrashLabResult, type ConsumerLoop, exactlyOnceLab } from "./crash-lab.ts";
export { crashable } from "./process.ts";
export { checkLog, type LogAnomaly, type Verdict } from "./checker.ts";
export { type Anomaly, type CheckerVerdict } from "./verdict.ts";
export { type EntryKind, History, type HistoryEntry, type Operation, type Outcome } from "./history.ts";
export { type FsyncFaults } from "./disk.ts";
export { type LinkFaults, type PartitionWindow } from "./network.ts";
export { type Schedule, ScheduleError, type ScheduleSection, parseSchedule } from "./schedule.ts";
export { type RunResult, type Scenario, SCENARIOS } from "./scenarios/index.ts";
export {
  runTwoGenerals, sendOverLossyLink, TOPIC as TWO_GENERALS_TOPIC, TWO_GENERALS_PRODUCER, twoGenerals,
} from "./scenarios/two-generals.ts";
export {
  type BrokerCrash, type BrokerFaults, type Check, type CrashPoint, type FsyncFailures, type InputRecord, type NamedAnomaly, type ProcessContext, type Program, type RebalancePoint, recordAddress, type Replay, type SimulatedAdmin,
  type SimulatedBrokerOptions, simulate, type SimulateOptions, SimulateOptionsError, type SimulationFaults, type SimulationResult, type TopicSpec,
} from "./simulate.ts";
export {
  atLeastOnce, atMostOnce, exactlyOnce, noDuplicates, noLostWrites, noUnsentWrites, onePartitionOwner, partitionOrder, type ProcessingCheckOptions, readCommitted,
} from "./checks.ts";
export {
  type FastCheckModule, type FaultSearchBounds, faultSchedules, replayJson, type ReplaySaving, SimulationFailure, simulationProperty,
} from "./search.ts";
export { timeline, type TimelineDetail } from "./timeline.ts";
export { SIMULATION_EPOCH_MS, type TraceEvent, World } from "./world.ts";
