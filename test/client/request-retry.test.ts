// retryRequest on its own: an unanswered or retriable attempt is sent again
// after the backoff, a non-retriable error ends it at once, and at the
// deadline the last error is thrown. No broker; a ManualScheduler's time.

import { describe, expect, it } from "vitest";
import { InvalidTxnStateError, ManualScheduler, RequestTimedOutError } from "../../src/index.ts";
import { retryRequest } from "../../src/client/request-retry.ts";

const policy = (scheduler: ManualScheduler, deadlineAfterMs: number) => ({ requestTimeoutMs: 100, retryBackoffMs: 10, deadlineMs: scheduler.nowMs() + deadlineAfterMs });
const never = () => new Promise<never>(() => {});

describe("retryRequest", () => {
  it("sends again after request.timeout.ms and retry.backoff.ms until an attempt is answered", async () => {
    const scheduler = new ManualScheduler(0);
    const sent: number[] = [];
    const answer = retryRequest(scheduler, policy(scheduler, 1_000), "EndTxn", () => {
      sent.push(scheduler.nowMs());
      return sent.length < 3 ? never() : Promise.resolve("done");
    });
    expect(await scheduler.runUntilSettled(answer)).toBe("done");
    expect(sent).toEqual([0, 110, 220]);
  });

  it("gives up at the deadline with RequestTimedOutError, the last attempt cut short", async () => {
    const scheduler = new ManualScheduler(0);
    let attempts = 0;
    const answer = retryRequest(scheduler, policy(scheduler, 250), "InitProducerId", () => { attempts++; return never(); });
    const error = await scheduler.runUntilSettled(answer.catch((e: unknown) => e));
    expect(error).toBeInstanceOf(RequestTimedOutError);
    expect((error as Error).message).toMatch(/^InitProducerId got no answer/);
    expect([attempts, scheduler.nowMs()]).toEqual([3, 250]);
  });

  it("retries a retriable error from the broker, and throws a non-retriable one at once", async () => {
    const scheduler = new ManualScheduler(0);
    const retriable = new RequestTimedOutError(5, "produce");
    let attempts = 0;
    const recovered = retryRequest(scheduler, policy(scheduler, 1_000), "x", async () => (++attempts < 2 ? Promise.reject(retriable) : "ok"));
    expect(await scheduler.runUntilSettled(recovered)).toBe("ok");
    const refused = new InvalidTxnStateError("tx", "CompleteAbort", "commit");
    attempts = 0;
    const failed = retryRequest(scheduler, policy(scheduler, 1_000), "x", async () => { attempts++; throw refused; });
    expect(await scheduler.runUntilSettled(failed.catch((e: unknown) => e))).toBe(refused);
    expect(attempts).toBe(1);
  });
});
