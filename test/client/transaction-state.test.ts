// The transactional producer's state machine on its own: Kafka's states, the
// transitions it allows, what each call may do in each state, and the typed
// error for a transition it does not have. No broker, no scheduler.

import { describe, expect, it } from "vitest";
import { InvalidProducerEpochError } from "../../src/index.ts";
import { IllegalStateError } from "../../src/client/errors.ts";
import { IllegalTransitionError, TRANSACTION_TRANSITIONS, TransactionState, type TransactionStateName } from "../../src/client/transaction-state.ts";

const fenced = () => new InvalidProducerEpochError(7, 0, 1);

function inTransaction(): TransactionState {
  const state = new TransactionState();
  state.handleInitialized();
  state.handleBegin();
  return state;
}

describe("the transaction state machine", () => {
  it("goes Uninitialized → Ready → InTransaction → Committing → Ready", () => {
    const state = new TransactionState();
    expect(state.state).toBe("Uninitialized");
    state.handleInitialized();
    expect(state.state).toBe("Ready");
    state.handleBegin();
    expect([state.state, state.open]).toEqual(["InTransaction", true]);
    expect(state.handleEnd(true, false)).toBe(true);
    expect(state.state).toBe("Committing");
    state.handleEnded();
    expect([state.state, state.open]).toEqual(["Ready", false]);
  });

  it("aborts instead of committing when a send of the transaction failed (AbortableError)", () => {
    const state = inTransaction();
    expect(state.handleEnd(true, true)).toBe(false);
    expect(state.state).toBe("Aborting");
    state.handleEnded();
    expect(state.state).toBe("Ready");
  });

  it("refuses sends outside a transaction and a second transaction while one is open", () => {
    const state = new TransactionState();
    state.handleInitialized();
    expect(() => state.checkSend()).toThrow(IllegalStateError);
    expect(() => state.checkAddPartitions()).toThrow(/no transaction is open/);
    state.handleBegin();
    expect(() => state.checkSend()).not.toThrow();
    expect(() => state.checkBegin()).toThrow(/a transaction is already open/);
    state.handleEnd(false, false);
    // Still open while EndTxn is out.
    expect(() => state.checkBegin()).toThrow(/already open/);
    state.handleEnded();
    expect(() => state.checkBegin()).not.toThrow();
  });

  it("refuses transitions the machine does not have with IllegalTransitionError", () => {
    const illegal: [TransactionStateName, TransactionStateName][] = [
      ["Uninitialized", "InTransaction"], ["Ready", "Committing"], ["Ready", "Aborting"], ["Committing", "Aborting"],
      ["AbortableError", "Committing"], ["FatalError", "Ready"],
    ];
    for (const [from, to] of illegal) {
      const state = new TransactionState();
      for (const step of pathTo(from)) state.transition(step);
      expect(state.state).toBe(from);
      const error = (() => {
        try {
          state.transition(to);
        } catch (e) {
          return e;
        }
        return null;
      })();
      expect(error).toBeInstanceOf(IllegalTransitionError);
      expect(error).toMatchObject({ code: "ILLEGAL_STATE", from, to });
      expect(state.state).toBe(from);
    }
  });

  it("once fenced refuses everything with the fencing error, and stays fenced", () => {
    const state = inTransaction();
    const error = fenced();
    state.handleFenced(error);
    expect(state.state).toBe("FatalError");
    expect(() => state.checkAppend()).toThrow(error);
    expect(() => state.checkBegin()).toThrow(error);
    // The open transaction's EndTxn still goes out, and the coordinator refuses it.
    expect(state.handleEnd(true, false)).toBe(true);
    state.handleEnded();
    expect([state.state, state.open]).toEqual(["FatalError", false]);
    expect(TRANSACTION_TRANSITIONS.FatalError).toEqual([]);
  });
});

/** The legal steps from Uninitialized to `target`. */
function pathTo(target: TransactionStateName): TransactionStateName[] {
  const paths: Record<TransactionStateName, TransactionStateName[]> = {
    Uninitialized: [],
    Ready: ["Ready"],
    InTransaction: ["Ready", "InTransaction"],
    Committing: ["Ready", "InTransaction", "Committing"],
    Aborting: ["Ready", "InTransaction", "Aborting"],
    AbortableError: ["Ready", "InTransaction", "AbortableError"],
    FatalError: ["FatalError"],
  };
  return paths[target];
}
