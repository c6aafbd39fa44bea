// A transport over a MessagePort or a BroadcastChannel, so that several
// workers or browser tabs share one broker: serveBroker() answers requests on
// one side, MessagePortTransport sends them from the other. Bytes cross as
// structured clones; typed errors are rebuilt as instances of their own class
// (structured cloning would keep only name and message).

import {
  BrokerNotAvailableError, IllegalGenerationError, InconsistentGroupProtocolError, InvalidCommitOffsetError, InvalidProducerEpochError,
  InvalidProducerIdMappingError, InvalidRequiredAcksError, InvalidSessionTimeoutError, InvalidTxnStateError, OffsetMetadataTooLargeError,
  OutOfOrderSequenceError, PartitionNotAssignedError, RebalanceInProgressError, UnknownMemberIdError, ConcurrentTransactionsError, UnstableOffsetCommitError,
} from "../broker/index.ts";
import type * as broker from "../broker/index.ts";
import type { Broker } from "../broker/index.ts";
import {
  CorruptRecordError, DecompressionLimitError, InvalidRecordError, LoglabError, RecordTooLargeError, UnsupportedCompressionError,
} from "../format/index.ts";
import type * as format from "../format/index.ts";
import {
  CorruptIndexError, InvalidConfigError, InvalidPartitionsError, InvalidRequestError, InvalidTopicError, InvalidTopicsFileError, LogClosedError, UnwritableCompressionTypeError,
  LogOfflineError, OffsetOutOfRangeError, PartitionFolderTakenError, ReadOnlyLogError, TopicExistsError, UnknownTopicOrPartitionError,
} from "../log/index.ts";
import type * as log from "../log/index.ts";
import {
  DataDirInUseError, FileNotFoundError, ReadOnlyStorageError, StorageError, StorageQuotaError,
} from "../storage/index.ts";
import type * as storage from "../storage/index.ts";
import {
  ClientClosedError, DeliveryTimeoutError, IllegalStateError, InvalidGroupIdError, NoOffsetForPartitionError, RequestTimedOutError,
  UnknownServerError,
} from "./errors.ts";
import type * as client from "./index.ts";
import { requestCalls } from "./map-transport.ts";
import { TransactionEndedError } from "./transaction-state.ts";
import { BROKER_REQUESTS, type BrokerTransport } from "./transport.ts";

/** What both MessagePort and BroadcastChannel offer. */
export interface MessageEndpoint {
  postMessage(message: unknown): void;
  addEventListener(type: "message", listener: (event: { data: unknown }) => void): void;
  removeEventListener(type: "message", listener: (event: { data: unknown }) => void): void;
  /** MessagePort needs start() when listened to with addEventListener. */
  start?(): void;
}

type Method = keyof BrokerTransport;
const METHODS: readonly Method[] = BROKER_REQUESTS;

interface Request {
  readonly loglab: "request";
  readonly client: string;
  readonly id: number;
  readonly method: Method;
  readonly args: unknown[];
}

interface Reply {
  readonly loglab: "reply";
  readonly client: string;
  readonly id: number;
  readonly ok?: unknown;
  readonly failure?: SerializedError;
}

interface SerializedError {
  readonly loglabError: string;
  readonly message: string;
  readonly fields: Record<string, unknown>;
}

/** Every typed error, by class name, so that it is rebuilt as an instance of its class. */
const ERROR_CLASSES = {
  LoglabError, CorruptRecordError, DecompressionLimitError, InvalidRecordError, RecordTooLargeError, UnsupportedCompressionError,
  CorruptIndexError, InvalidConfigError, InvalidPartitionsError, InvalidRequestError, InvalidTopicError, InvalidTopicsFileError, LogClosedError, UnwritableCompressionTypeError,
  LogOfflineError, OffsetOutOfRangeError, PartitionFolderTakenError, ReadOnlyLogError, TopicExistsError, UnknownTopicOrPartitionError,
  DataDirInUseError, FileNotFoundError, ReadOnlyStorageError, StorageError, StorageQuotaError,
  BrokerNotAvailableError, IllegalGenerationError, InconsistentGroupProtocolError, InvalidCommitOffsetError, InvalidProducerEpochError,
  InvalidProducerIdMappingError, InvalidRequiredAcksError, InvalidSessionTimeoutError, InvalidTxnStateError, OffsetMetadataTooLargeError,
  OutOfOrderSequenceError, PartitionNotAssignedError, RebalanceInProgressError, UnknownMemberIdError, ConcurrentTransactionsError, UnstableOffsetCommitError,
  ClientClosedError, DeliveryTimeoutError, IllegalStateError, InvalidGroupIdError, NoOffsetForPartitionError, RequestTimedOutError,
  UnknownServerError, TransactionEndedError,
} as const satisfies Record<string, { prototype: LoglabError }>;

/** The names under which a face exports a LoglabError class. */
type ErrorClassNames<Face> = {
  [Name in keyof Face]: Face[Name] extends abstract new (...args: never[]) => LoglabError ? Name : never;
}[keyof Face];
type ExportedErrorNames =
  | ErrorClassNames<typeof format> | ErrorClassNames<typeof storage> | ErrorClassNames<typeof log>
  | ErrorClassNames<typeof broker> | ErrorClassNames<typeof client>;
// An error class exported by a face below but missing from the list fails to compile here.
const everyErrorListed: [Exclude<ExportedErrorNames, keyof typeof ERROR_CLASSES>] extends [never] ? true : never = true;
void everyErrorListed;

function serializeError(error: LoglabError): SerializedError {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error)) {
    fields[key] = value instanceof LoglabError ? serializeError(value) : value;
  }
  return { loglabError: error.name, message: error.message, fields };
}

function deserializeError(serialized: SerializedError): LoglabError {
  const errorClass: { prototype: LoglabError } = Object.hasOwn(ERROR_CLASSES, serialized.loglabError)
    ? ERROR_CLASSES[serialized.loglabError as keyof typeof ERROR_CLASSES]
    : LoglabError;
  const error = Object.create(errorClass.prototype) as LoglabError;
  Object.defineProperty(error, "message", { value: serialized.message, writable: true, configurable: true });
  for (const [key, value] of Object.entries(serialized.fields)) {
    const isNested = typeof value === "object" && value !== null && "loglabError" in value;
    Reflect.set(error, key, isNested ? deserializeError(value as SerializedError) : value);
  }
  return error;
}

/** Walks an answer, replacing every LoglabError (they sit in per-partition `error` fields) with its serialized form. */
function encodeAnswer(value: unknown): unknown {
  if (value instanceof LoglabError) return { loglabErrorValue: serializeError(value) };
  if (value instanceof Uint8Array || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(encodeAnswer);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encodeAnswer(v)]));
}

function decodeAnswer(value: unknown): unknown {
  if (value instanceof Uint8Array || value === null || typeof value !== "object") return value;
  if ("loglabErrorValue" in value) return deserializeError((value as { loglabErrorValue: SerializedError }).loglabErrorValue);
  if (Array.isArray(value)) return value.map(decodeAnswer);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decodeAnswer(v)]));
}

/** Answers requests arriving on `endpoint` with `broker`. Returns a function that stops serving. */
export function serveBroker(broker: Broker, endpoint: MessageEndpoint): () => void {
  const calls = requestCalls(broker);
  const listener = (event: { data: unknown }) => {
    const request = event.data as Request;
    if (request?.loglab !== "request" || !METHODS.includes(request.method)) return;
    void Promise.resolve()
      .then(() => calls[request.method](...request.args))
      .then(
        (ok) => endpoint.postMessage({ loglab: "reply", client: request.client, id: request.id, ok: encodeAnswer(ok) } satisfies Reply),
        (error) => {
          const failure = error instanceof LoglabError ? error : new UnknownServerError(String((error as Error)?.message ?? error));
          endpoint.postMessage({ loglab: "reply", client: request.client, id: request.id, failure: serializeError(failure) } satisfies Reply);
        },
      );
  };
  endpoint.addEventListener("message", listener);
  endpoint.start?.();
  return () => endpoint.removeEventListener("message", listener);
}

/** A client's side of the channel: each call is a request with an id, answered by serveBroker(). */
export class MessagePortTransport implements BrokerTransport {
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: LoglabError) => void }>();
  readonly #client: string;
  #nextId = 0;

  /** `clientName` tells this client's replies apart on a BroadcastChannel that several clients share. */
  constructor(private readonly endpoint: MessageEndpoint, clientName: string) {
    this.#client = clientName;
    endpoint.addEventListener("message", (event) => {
      const reply = event.data as Reply;
      if (reply?.loglab !== "reply" || reply.client !== this.#client) return;
      const pending = this.#pending.get(reply.id);
      if (pending === undefined) return;
      this.#pending.delete(reply.id);
      if (reply.failure !== undefined) pending.reject(deserializeError(reply.failure));
      else pending.resolve(decodeAnswer(reply.ok));
    });
    endpoint.start?.();
  }

  #call<T>(method: Method, ...args: unknown[]): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.endpoint.postMessage({ loglab: "request", client: this.#client, id, method, args } satisfies Request);
    });
  }

  metadata(...args: Parameters<BrokerTransport["metadata"]>): ReturnType<BrokerTransport["metadata"]> { return this.#call<Awaited<ReturnType<BrokerTransport["metadata"]>>>("metadata", ...args); }
  initProducerId(...args: Parameters<BrokerTransport["initProducerId"]>): ReturnType<BrokerTransport["initProducerId"]> { return this.#call<Awaited<ReturnType<BrokerTransport["initProducerId"]>>>("initProducerId", ...args); }
  addPartitionsToTxn(...args: Parameters<BrokerTransport["addPartitionsToTxn"]>): ReturnType<BrokerTransport["addPartitionsToTxn"]> { return this.#call<void>("addPartitionsToTxn", ...args); }
  addOffsetsToTxn(...args: Parameters<BrokerTransport["addOffsetsToTxn"]>): ReturnType<BrokerTransport["addOffsetsToTxn"]> { return this.#call<void>("addOffsetsToTxn", ...args); }
  endTxn(...args: Parameters<BrokerTransport["endTxn"]>): ReturnType<BrokerTransport["endTxn"]> { return this.#call<void>("endTxn", ...args); }
  produce(...args: Parameters<BrokerTransport["produce"]>): ReturnType<BrokerTransport["produce"]> { return this.#call<Awaited<ReturnType<BrokerTransport["produce"]>>>("produce", ...args); }
  fetch(...args: Parameters<BrokerTransport["fetch"]>): ReturnType<BrokerTransport["fetch"]> { return this.#call<Awaited<ReturnType<BrokerTransport["fetch"]>>>("fetch", ...args); }
  listOffsets(...args: Parameters<BrokerTransport["listOffsets"]>): ReturnType<BrokerTransport["listOffsets"]> { return this.#call<Awaited<ReturnType<BrokerTransport["listOffsets"]>>>("listOffsets", ...args); }
  joinGroup(...args: Parameters<BrokerTransport["joinGroup"]>): ReturnType<BrokerTransport["joinGroup"]> { return this.#call<Awaited<ReturnType<BrokerTransport["joinGroup"]>>>("joinGroup", ...args); }
  syncGroup(...args: Parameters<BrokerTransport["syncGroup"]>): ReturnType<BrokerTransport["syncGroup"]> { return this.#call<Awaited<ReturnType<BrokerTransport["syncGroup"]>>>("syncGroup", ...args); }
  heartbeat(...args: Parameters<BrokerTransport["heartbeat"]>): ReturnType<BrokerTransport["heartbeat"]> { return this.#call<Awaited<ReturnType<BrokerTransport["heartbeat"]>>>("heartbeat", ...args); }
  leaveGroup(...args: Parameters<BrokerTransport["leaveGroup"]>): ReturnType<BrokerTransport["leaveGroup"]> { return this.#call<Awaited<ReturnType<BrokerTransport["leaveGroup"]>>>("leaveGroup", ...args); }
  offsetCommit(...args: Parameters<BrokerTransport["offsetCommit"]>): ReturnType<BrokerTransport["offsetCommit"]> { return this.#call<Awaited<ReturnType<BrokerTransport["offsetCommit"]>>>("offsetCommit", ...args); }
  offsetFetch(...args: Parameters<BrokerTransport["offsetFetch"]>): ReturnType<BrokerTransport["offsetFetch"]> { return this.#call<Awaited<ReturnType<BrokerTransport["offsetFetch"]>>>("offsetFetch", ...args); }
}
