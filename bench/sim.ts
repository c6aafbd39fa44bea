// Simulator speed: events run by the virtual-time event queue per second, and
// network messages traced per second (the two-generals run: real producer
// and broker code on virtual time), and whole fault schedules run and checked
// per second.

import { runTwoGenerals } from "../sim/index.ts";
import type { Report } from "./harness.ts";

export async function benchSimulator(report: Report): Promise<void> {
  let events = 0;
  let messages = 0;
  let schedules = 0;
  let seed = 0;
  const start = performance.now();
  while (performance.now() - start < 3000) {
    const run = await runTwoGenerals(seed++, seed % 2 === 0, 20, 0.3);
    events += run.world.scheduler.eventsRun;
    messages += run.world.trace.length;
    schedules++;
  }
  const seconds = (performance.now() - start) / 1000;
  report.add("sim-two-generals-events", "loglab", events / seconds, "events/s");
  report.add("sim-two-generals-messages", "loglab", messages / seconds, "messages/s");
  report.add("sim-two-generals-schedules", "loglab", schedules / seconds, "schedules/s");
}
