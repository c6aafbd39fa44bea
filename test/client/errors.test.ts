// The client's error vocabulary: isFenced and needsRejoin decide by class,
// so a code string alone (a plain LoglabError) decides nothing; untyped
// rejections become UnknownServerError.

import { describe, expect, it } from "vitest";
import { asLoglabError } from "../../src/client/errors.ts";
import {
  IllegalGenerationError, InvalidProducerEpochError, InvalidProducerIdMappingError, InvalidTxnStateError, isFenced,
  LoglabError, needsRejoin, OutOfOrderSequenceError, RebalanceInProgressError, RequestTimedOutError, UnknownMemberIdError, UnknownServerError,
} from "../../src/index.ts";

describe("isFenced", () => {
  it("is true for a stale epoch and for a producer id that no longer owns its transactional id", () => {
    expect(isFenced(new InvalidProducerEpochError(7, 1, 2))).toBe(true);
    expect(isFenced(new InvalidProducerIdMappingError("tx", 7))).toBe(true);
  });

  it("is false for retriable and other fatal errors, for group errors, and for a bare code string", () => {
    for (const error of [
      new RequestTimedOutError(30_000, "produce"), new OutOfOrderSequenceError(7, "t-0", 3, 5), new InvalidTxnStateError("tx", "Empty", "commit"),
      new UnknownMemberIdError("g", "m"), new LoglabError("INVALID_PRODUCER_EPOCH", "a code without its class"), new Error("plain"), null,
    ]) expect(isFenced(error), String(error)).toBe(false);
  });
});

describe("needsRejoin", () => {
  it("is true for a rebalance, a stale generation and an unknown member", () => {
    expect(needsRejoin(new RebalanceInProgressError("g"))).toBe(true);
    expect(needsRejoin(new IllegalGenerationError("g", 1, 2))).toBe(true);
    expect(needsRejoin(new UnknownMemberIdError("g", "m"))).toBe(true);
  });

  it("is false for fencing, timeouts and a bare code string", () => {
    for (const error of [
      new InvalidProducerEpochError(7, 1, 2), new RequestTimedOutError(30_000, "heartbeat"), new LoglabError("REBALANCE_IN_PROGRESS", "a code without its class"), undefined,
    ]) expect(needsRejoin(error), String(error)).toBe(false);
  });
});

describe("asLoglabError", () => {
  it("keeps typed errors and turns anything else into UnknownServerError with its message", () => {
    const typed = new RebalanceInProgressError("g");
    expect(asLoglabError(typed)).toBe(typed);
    const untyped = asLoglabError(new TypeError("boom"));
    expect(untyped).toBeInstanceOf(UnknownServerError);
    expect(untyped).toMatchObject({ code: "UNKNOWN_SERVER_ERROR", message: "boom" });
  });
});
