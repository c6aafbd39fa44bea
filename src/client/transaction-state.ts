// A transactional producer's state, as Kafka's TransactionManager names it: which transitions are legal and
// what each producer call may do in each state. A plain object: the producer reports what happened and asks.

import type { LoglabError } from "../format/index.ts";
import { IllegalStateError } from "./errors.ts";

export type TransactionStateName =
  | "Uninitialized"
  | "Ready"
  | "InTransaction"
  | "Committing"
  | "Aborting"
  | "AbortableError"
  | "FatalError";

/** Where each state may go. FatalError (fenced) is final. */
export const TRANSACTION_TRANSITIONS: Readonly<Record<TransactionStateName, readonly TransactionStateName[]>> = {
  Uninitialized: ["Ready", "FatalError"],
  Ready: ["InTransaction", "FatalError"],
  InTransaction: ["Committing", "Aborting", "AbortableError", "FatalError"],
  Committing: ["Ready", "FatalError"],
  Aborting: ["Ready", "FatalError"],
  AbortableError: ["Aborting", "FatalError"],
  FatalError: [],
};

/** A transition the state machine does not have, such as committing from Ready. */
export class IllegalTransitionError extends IllegalStateError {
  constructor(readonly from: TransactionStateName, readonly to: TransactionStateName) {
    super(`a transactional producer cannot go from ${from} to ${to}`);
  }
}

/** What an application calls on a transaction's handle. */
export type TransactionCall = "send" | "sendOffsets" | "commit" | "abort";

/** One transaction as its handles hold it: which end the application called on it, once it called one. */
export interface TransactionTicket {
  endedBy: "commit" | "abort" | null;
  /** Its commit() failed and aborted it instead: an abort() after that (kafkajs's catch-and-abort) has nothing left to do. */
  abortedInsteadOfCommit?: boolean;
}

/**
 * A call on a transaction after its commit() or abort() was called: that transaction is over, or ending, and a
 * handle never reaches into the next one (Kafka's IllegalStateException for such a call).
 */
export class TransactionEndedError extends IllegalStateError {
  constructor(readonly call: TransactionCall, readonly endedBy: "commit" | "abort") {
    super(`cannot ${call}(): this transaction's ${endedBy}() was already called; open another with producer.transaction()`);
  }
}

export class TransactionState {
  #state: TransactionStateName = "Uninitialized";
  /** Between begin and end: a fenced producer may still be inside the transaction it cannot finish. */
  #open = false;
  /** The open transaction's ticket (the last one's once it has ended). */
  #ticket: TransactionTicket = { endedBy: null };
  #fatalError: LoglabError | null = null;
  #abortableError: LoglabError | null = null;

  get state(): TransactionStateName {
    return this.#state;
  }

  /** Whether a transaction is open (begun and not yet ended), which is when its records may be sent. */
  get open(): boolean {
    return this.#open;
  }

  /** The error that fenced the producer, if one did. */
  get fatalError(): LoglabError | null {
    return this.#fatalError;
  }

  /** Moves to `to`, or throws IllegalTransitionError if the machine has no such transition. */
  transition(to: TransactionStateName): void {
    if (!TRANSACTION_TRANSITIONS[this.#state].includes(to)) throw new IllegalTransitionError(this.#state, to);
    this.#state = to;
  }

  /** send() from the application: only inside a transaction. */
  checkSend(): void {
    if (!this.#open) throw new IllegalStateError("a transactional producer sends inside a transaction: use producer.transaction()");
  }

  /** A record about to be batched (by any producer): refused once fenced. */
  checkAppend(): void {
    if (this.#fatalError !== null) throw this.#fatalError;
  }

  /** transaction() from the application: not once fenced, not while one is open. */
  checkBegin(): void {
    if (this.#fatalError !== null) throw this.#fatalError;
    if (this.#open) throw new IllegalStateError("a transaction is already open");
  }

  /** AddPartitionsToTxn before a partition's first batch: only inside a transaction. */
  checkAddPartitions(): void {
    if (!this.#open) throw new IllegalStateError("no transaction is open");
  }

  /** InitProducerId answered: the producer id (and epoch) is known. */
  handleInitialized(): void {
    if (this.#state === "Uninitialized") this.transition("Ready");
  }

  /**
   * A transaction opens, once InitProducerId has answered (checkBegin ran
   * before it was sent). Two transaction() calls racing past checkBegin both
   * open the same transaction, and get the same ticket; a producer fenced
   * meanwhile stays fenced. The ticket goes with the transaction's handle.
   */
  handleBegin(): TransactionTicket {
    if (this.#state === "Ready") this.transition("InTransaction");
    if (!this.#open) this.#ticket = { endedBy: null };
    this.#open = true;
    return this.#ticket;
  }

  /** A call on the handle of `ticket`'s transaction: refused once commit() or abort() was called on it. */
  checkHandle(ticket: TransactionTicket, call: TransactionCall): void {
    if (ticket.endedBy !== null) throw new TransactionEndedError(call, ticket.endedBy);
  }

  /** commit() or abort() called on a handle: checked, then its transaction takes no more calls, whatever EndTxn answers. */
  handleEndCalled(ticket: TransactionTicket, commit: boolean): "end" | "already-aborted" {
    const call = commit ? "commit" : "abort";
    if (!commit && ticket.abortedInsteadOfCommit === true) return "already-aborted";
    this.checkHandle(ticket, call);
    ticket.endedBy = call;
    return "end";
  }

  /**
   * commit() or abort(), once the transaction's sends have settled; returns
   * whether EndTxn commits. A transaction with a failed send can only abort.
   * A fenced producer sends EndTxn as asked and the coordinator answers it
   * (a handle whose transaction already ended was refused by handleEndCalled).
   */
  handleEnd(commit: boolean, sendFailed: boolean): boolean {
    if (sendFailed && this.#state === "InTransaction") this.transition("AbortableError");
    const commits = commit && !sendFailed && this.#state !== "AbortableError";
    if (this.#state === "InTransaction" || this.#state === "AbortableError") this.transition(commits ? "Committing" : "Aborting");
    return commits;
  }

  /** EndTxn answered or failed: the transaction is over. */
  handleEnded(): void {
    this.#open = false;
    this.#abortableError = null;
    if (this.#state === "Committing" || this.#state === "Aborting") this.transition("Ready");
  }

  /**
   * A batch of the open transaction failed for good (Kafka's abortable error): the transaction can only abort,
   * and commit() reports this error. Nothing changes once its end has begun, or when fenced.
   */
  handleAbortableError(error: LoglabError): void {
    if (this.#state !== "InTransaction") return;
    this.transition("AbortableError");
    this.#abortableError = error;
  }

  /** The error that made the open transaction abortable, if one did. */
  get abortableError(): LoglabError | null {
    return this.#abortableError;
  }

  /** A newer producer took over the transactional.id (or producer id): refuse everything from now on. */
  handleFenced(error: LoglabError): void {
    if (this.#state !== "FatalError") this.transition("FatalError");
    this.#fatalError = error;
  }
}
