// Simulator speed: events run by the virtual-time event queue per second, and
// network messages traced per second (the two-generals run: real producer
// and broker code on virtual time), and whole fault schedules run and checked
// per second — the built-in scenario's, and a user's program under simulate() —
// and whole runs of the talk's delivery scenarios, each a sweep of simulate()
// runs that crash the consumer after every step it reaches.

import { atLeastOnce, type Program, runTwoGenerals, SCENARIOS, simulate } from "../sim/index.ts";
import type { Report } from "./harness.ts";

const ORDERS = ["order-1", "order-2", "order-3", "order-4", "order-5", "order-6"];

/** A user's program of the talk's size: poll, process, commit, with a crash point after each step. */
const billing: Program = async ({ consumer, record, step, sleep, signal }) => {
  const orders = consumer({
    "group.id": "billing", "enable.auto.commit": false, "auto.offset.reset": "earliest",
    "session.timeout.ms": 6000, "heartbeat.interval.ms": 1000, "request.timeout.ms": 2000,
  });
  orders.subscribe(["orders"]);
  while (!signal.aborted) {
    try {
      for (const order of await orders.poll(100)) {
        await sleep(50);
        record("processed", new TextDecoder().decode(order.value!));
        await step("processed");
        await orders.commit([{ topic: order.topic, partition: order.partition, offset: order.offset + 1 }]);
        await step("committed");
      }
    } catch (error) {
      if (!(error as { retriable?: boolean }).retriable) throw error;
      await sleep(100);
    }
  }
  await orders.close();
};

/** Whole simulate() runs of a user's program, each with its own crash point, checked: what a fault search pays per schedule. */
async function userProgramSchedulesPerMinute(): Promise<number> {
  let schedules = 0;
  const start = performance.now();
  while (performance.now() - start < 3000) {
    const result = await simulate({
      seed: schedules, topics: [{ name: "orders", partitions: 2 }], inputs: ORDERS.map((value) => ({ topic: "orders", value })),
      processes: { billing }, runForMs: 20_000, checks: { "at-least-once": atLeastOnce(ORDERS) },
      faults: { crashes: [{ process: "billing", step: schedules % 2 === 0 ? "processed" : "committed", occurrence: 1 + (schedules % 6) }] },
    });
    if (result.verdict.valid !== true) throw new Error(`the at-least-once loop broke its promise: ${result.verdict.explanation.join("; ")}`);
    schedules++;
  }
  return schedules / ((performance.now() - start) / 60_000);
}

/** The delivery scenarios `loglab sim` runs: a clean run, then one simulate() run per step crashed after. */
const DELIVERY_SCENARIOS = ["at-most-once", "at-least-once", "auto-commit-neither", "exactly-once"];

/** Whole delivery-scenario runs (each its sweep of crash points, checked), taken in turn with a new seed each. */
async function deliveryScenarioRunsPerSecond(): Promise<number> {
  let runs = 0;
  const start = performance.now();
  while (performance.now() - start < 3000) {
    const name = DELIVERY_SCENARIOS[runs % DELIVERY_SCENARIOS.length]!;
    const results = await SCENARIOS[name]!.run(runs);
    if (results.some((result) => result.promised && result.violations.length > 0)) throw new Error(`${name} broke its promise with seed ${runs}`);
    runs++;
  }
  return runs / ((performance.now() - start) / 1000);
}

export async function benchSimulator(report: Report): Promise<void> {
  let events = 0;
  let messages = 0;
  let schedules = 0;
  let seed = 0;
  const start = performance.now();
  while (performance.now() - start < 3000) {
    const run = await runTwoGenerals(seed++, seed % 2 === 0, 20, 0.3);
    events += run.result.eventsRun;
    messages += run.result.trace.length;
    schedules++;
  }
  const seconds = (performance.now() - start) / 1000;
  report.add("sim-two-generals-events", "loglab", events / seconds, "events/s");
  report.add("sim-two-generals-messages", "loglab", messages / seconds, "messages/s");
  report.add("sim-two-generals-schedules", "loglab", schedules / seconds, "schedules/s");
  report.add("sim-user-program-schedules", "loglab", await userProgramSchedulesPerMinute(), "schedules/min");
  report.add("sim-delivery-scenarios", "loglab", await deliveryScenarioRunsPerSecond(), "scenario runs/s");
}
