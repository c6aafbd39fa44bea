// A transport that loses produce requests or their answers on demand: the two
// generals' problem in a test. A lost request never reaches the broker; a lost
// answer is produced by the broker and then dropped on the way back.

import type { ProduceRequest, ProduceResponse } from "../../src/index.ts";
import { InProcessTransport } from "../../src/client/transport.ts";

export class LossyTransport extends InProcessTransport {
  /** Outcomes for the next produce requests, in order; once used up, requests go through. */
  readonly plan: ("lose-request" | "lose-answer" | "deliver")[] = [];
  produced = 0;

  override produce(request: ProduceRequest): Promise<ProduceResponse> {
    const fate = this.plan.shift() ?? "deliver";
    if (fate === "lose-request") return new Promise(() => {});
    const answer = super.produce(request);
    this.produced++;
    return fate === "lose-answer" ? answer.then(() => new Promise(() => {})) : answer;
  }
}
