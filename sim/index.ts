// The simulator's face: a seeded world with a simulated network and disk, the
// history and its checkers, the scenarios, and the crash lab. Environment-free,
// so the web app runs it in the page; the command line (command.ts) reads and
// writes files and is an entry point of its own.

export { Crash, crashable, crashLab, type CrashLabOptions, type CrashLabResult, type ConsumerLoop, exactlyOnceLab } from "./crash-lab.ts";
export { checkLog, type LogAnomaly, type Verdict } from "./checker.ts";
export { type Anomaly, type CheckerVerdict } from "./verdict.ts";
export { History, type HistoryEntry, type Operation, type Outcome } from "./history.ts";
export { type Schedule, ScheduleError, type ScheduleSection, parseSchedule } from "./schedule.ts";
export { type RunResult, type Scenario, SCENARIOS } from "./scenarios/index.ts";
export {
  runTwoGenerals, sendOverLossyLink, TOPIC as TWO_GENERALS_TOPIC, TWO_GENERALS_PRODUCER, twoGenerals,
} from "./scenarios/two-generals.ts";
export { timeline, type TimelineDetail } from "./timeline.ts";
export { SIMULATION_EPOCH_MS, type TraceEvent, World } from "./world.ts";
