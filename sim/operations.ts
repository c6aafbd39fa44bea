// Client operations as a scenario performs them: carried out on virtual time
// and recorded in the history with their outcome.

import { DeliveryTimeoutError, LoglabError, type Producer, RequestTimedOutError } from "../src/index.ts";
import type { History } from "./history.ts";
import type { World } from "./world.ts";

/**
 * Sends `value` to partition 0 of `topic` and records the outcome: ok when
 * acknowledged, info when it timed out (it may or may not have happened),
 * fail for any other error (it did not).
 */
export async function recordedSend(world: World, history: History, producer: Producer, process: string, topic: string, value: string): Promise<void> {
  history.invoke(process, "send", value);
  try {
    await world.scheduler.runUntilSettled(producer.send({ topic, messages: [{ value, partition: 0 }] }), 60_000);
    history.complete(process, "send", value, "ok");
  } catch (error) {
    if (!(error instanceof LoglabError)) throw error;
    const unknown = error instanceof RequestTimedOutError || error instanceof DeliveryTimeoutError;
    history.complete(process, "send", value, unknown ? "info" : "fail", error.message);
  }
}
