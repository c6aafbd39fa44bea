// Kafka's admin requests answered with loglab's Broker: DeleteTopics, ListGroups, DescribeGroups and DescribeConfigs
// (what kafka-topics.sh, kafka-consumer-groups.sh and admin clients send). Each takes the decoded body of its
// version and returns the response body of the same version.

import type { Broker, GroupDescription } from "../broker/index.ts";
import { LoglabError } from "../format/index.ts";
import { DEFAULT_LOG_CONFIG, LOG_CONFIG_KEYS } from "../log/index.ts";
import { KAFKA_ERROR_CODES, kafkaErrorCode } from "./error-codes.ts";
import type {
  DeleteTopicsRequest, DeleteTopicsResponse, DeleteTopicsResponseDeletableTopicResult, DescribeConfigsRequest,
  DescribeConfigsRequestDescribeConfigsResource, DescribeConfigsResponse, DescribeConfigsResponseDescribeConfigsResourceResult,
  DescribeConfigsResponseDescribeConfigsResult, DescribeGroupsRequest, DescribeGroupsResponse, ListGroupsRequest, ListGroupsResponse,
} from "./generated/index.ts";
import { AUTHORIZED_OPERATIONS_OMITTED, NODE_ID } from "./handler-support.ts";
import { uuidZero } from "./primitives.ts";


function errorOf(error: unknown): { errorCode: number; errorMessage: string } {
  if (error instanceof LoglabError) return { errorCode: kafkaErrorCode(error), errorMessage: error.message };
  throw error;
}

/** DeleteTopics: by name, or from v6 by topic id (an id no topic has: UNKNOWN_TOPIC_ID). */
export async function deleteTopics(broker: Broker, v: number, request: DeleteTopicsRequest): Promise<DeleteTopicsResponse> {
  const asked = v >= 6 ? (request.topics ?? []) : (request.topicNames ?? []).map((name) => ({ name, topicId: uuidZero }));
  const responses: DeleteTopicsResponseDeletableTopicResult[] = [];
  for (const asking of asked) {
    const name = asking.name ?? broker.logs.topicNamed(asking.topicId) ?? null;
    const topicId = name !== null && broker.logs.hasTopic(name) ? broker.logs.describeTopic(name).id : asking.topicId;
    const result = (errorCode: number, errorMessage: string | null): DeleteTopicsResponseDeletableTopicResult => ({
      name, ...(v >= 6 ? { topicId } : {}), errorCode, ...(v >= 5 ? { errorMessage } : {}),
    });
    if (name === null) {
      responses.push(result(KAFKA_ERROR_CODES.UNKNOWN_TOPIC_ID!, `no topic has id ${topicId}`));
      continue;
    }
    try {
      await broker.deleteTopic(name);
      responses.push(result(0, null));
    } catch (error) {
      const { errorCode, errorMessage } = errorOf(error);
      responses.push(result(errorCode, errorMessage));
    }
  }
  return { throttleTimeMs: 0, responses };
}

/** ListGroups: every group the broker knows, filtered by state from v4 (case-insensitive, as Kafka does). */
export function listGroups(broker: Broker, v: number, request: ListGroupsRequest): ListGroupsResponse {
  const states = new Set((request.statesFilter ?? []).map((s) => s.toLowerCase()));
  const types = new Set((request.typesFilter ?? []).map((s) => s.toLowerCase()));
  const groups = broker.listGroups()
    .filter((g) => states.size === 0 || states.has(g.state.toLowerCase()))
    .filter(() => types.size === 0 || types.has("classic"))
    .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, ...(v >= 4 ? { groupState: g.state } : {}), ...(v >= 5 ? { groupType: "classic" } : {}) }));
  return { ...(v >= 1 ? { throttleTimeMs: 0 } : {}), errorCode: 0, groups };
}

/**
 * DescribeGroups: Kafka's state names, the chosen assignor, and each member's client id and host (its connection's
 * peer, "/127.0.0.1" as Kafka writes it), metadata and assignment bytes. A group the broker does not know is "Dead"
 * (GROUP_ID_NOT_FOUND from v6, past the versions served).
 */
export function describeGroups(broker: Broker, v: number, request: DescribeGroupsRequest): DescribeGroupsResponse {
  const groups = request.groups.map((groupId) => {
    let found: GroupDescription | null;
    try {
      found = broker.findGroup(groupId);
    } catch (error) {
      return { ...dead(groupId, v), errorCode: errorOf(error).errorCode };
    }
    if (found === null) return dead(groupId, v);
    return {
      errorCode: 0, groupId, groupState: found.state, protocolType: "consumer", protocolData: found.protocolName,
      members: found.members.map((m) => ({
        memberId: m.memberId, ...(v >= 4 ? { groupInstanceId: null } : {}), clientId: m.clientId, clientHost: m.clientHost,
        memberMetadata: m.metadata, memberAssignment: m.assignment,
      })),
      ...(v >= 3 ? { authorizedOperations: AUTHORIZED_OPERATIONS_OMITTED } : {}),
    };
  });
  return { ...(v >= 1 ? { throttleTimeMs: 0 } : {}), groups };
}

function dead(groupId: string, v: number): DescribeGroupsResponse["groups"][number] {
  return {
    errorCode: 0, groupId, groupState: "Dead", protocolType: "", protocolData: "", members: [],
    ...(v >= 3 ? { authorizedOperations: AUTHORIZED_OPERATIONS_OMITTED } : {}),
  };
}

/** Kafka's ConfigResource.Type and DescribeConfigsResponse.ConfigSource / ConfigType numbers. */
const RESOURCE_TOPIC = 2;
const RESOURCE_BROKER = 4;
const SOURCE_DYNAMIC_TOPIC_CONFIG = 1;
const SOURCE_STATIC_BROKER_CONFIG = 4;
const SOURCE_DEFAULT_CONFIG = 5;
const TYPE_BOOLEAN = 1;
const TYPE_STRING = 2;
const TYPE_INT = 3;
const TYPE_LONG = 5;
const TYPE_LIST = 7;

/** The topic-level configs loglab's logs take, with Kafka's type for each. */
const TOPIC_CONFIG_TYPES: Readonly<Record<string, number>> = {
  "segment.bytes": TYPE_INT, "segment.ms": TYPE_LONG, "segment.index.bytes": TYPE_INT, "index.interval.bytes": TYPE_INT,
  "max.message.bytes": TYPE_INT, "retention.ms": TYPE_LONG, "retention.bytes": TYPE_LONG, "cleanup.policy": TYPE_LIST,
  "delete.retention.ms": TYPE_LONG, "message.timestamp.type": TYPE_STRING, "flush.messages": TYPE_LONG,
};

/** The broker settings loglab takes besides topic defaults, with their defaults. */
const BROKER_SETTINGS: Readonly<Record<string, { value: string; type: number }>> = {
  "node.id": { value: String(NODE_ID), type: TYPE_INT },
  "auto.create.topics.enable": { value: "true", type: TYPE_BOOLEAN },
  "num.partitions": { value: "1", type: TYPE_INT },
  "group.initial.rebalance.delay.ms": { value: "3000", type: TYPE_INT },
};

interface ConfigEntry {
  readonly name: string;
  readonly value: string;
  readonly source: number;
  readonly readOnly: boolean;
  readonly type: number;
}

function logConfigValue(config: object, key: string): string {
  return String((config as Record<string, unknown>)[LOG_CONFIG_KEYS[key]!.field]);
}

/** A topic's configs: its overrides (DYNAMIC_TOPIC_CONFIG), the broker's defaults for it, and loglab's defaults. */
function topicConfigs(broker: Broker, topic: string): ConfigEntry[] {
  const { configOverrides, config } = broker.logs.describeTopic(topic);
  return Object.keys(TOPIC_CONFIG_TYPES).map((name) => ({
    name, value: logConfigValue(config, name), readOnly: false, type: TOPIC_CONFIG_TYPES[name]!,
    source: Object.hasOwn(configOverrides, name) ? SOURCE_DYNAMIC_TOPIC_CONFIG
      : Object.hasOwn(broker.config, name) ? SOURCE_STATIC_BROKER_CONFIG : SOURCE_DEFAULT_CONFIG,
  }));
}

/** The broker's configs: what it was started with (STATIC_BROKER_CONFIG) and the defaults, all read-only. */
function brokerConfigs(broker: Broker): ConfigEntry[] {
  const entries: ConfigEntry[] = Object.entries(BROKER_SETTINGS).map(([name, { value, type }]) => ({
    name, value: broker.config[name] ?? value, type, readOnly: true,
    source: Object.hasOwn(broker.config, name) ? SOURCE_STATIC_BROKER_CONFIG : SOURCE_DEFAULT_CONFIG,
  }));
  for (const name of Object.keys(TOPIC_CONFIG_TYPES)) {
    const set = Object.hasOwn(broker.config, name);
    entries.push({
      name, value: set ? broker.config[name]! : logConfigValue(DEFAULT_LOG_CONFIG, name), type: TOPIC_CONFIG_TYPES[name]!, readOnly: true,
      source: set ? SOURCE_STATIC_BROKER_CONFIG : SOURCE_DEFAULT_CONFIG,
    });
  }
  return entries;
}

function describeResource(broker: Broker, v: number, request: DescribeConfigsRequest, resource: DescribeConfigsRequestDescribeConfigsResource): DescribeConfigsResponseDescribeConfigsResult {
  const { resourceType, resourceName } = resource;
  const failed = (errorCode: number, errorMessage: string): DescribeConfigsResponseDescribeConfigsResult => ({ errorCode, errorMessage, resourceType, resourceName, configs: [] });
  let entries: ConfigEntry[];
  try {
    if (resourceType === RESOURCE_TOPIC) entries = topicConfigs(broker, resourceName);
    else if (resourceType === RESOURCE_BROKER) {
      if (resourceName !== "" && resourceName !== String(NODE_ID)) return failed(KAFKA_ERROR_CODES.INVALID_REQUEST!, `broker ${resourceName} is not this broker (node ${NODE_ID})`);
      entries = brokerConfigs(broker);
    } else return failed(KAFKA_ERROR_CODES.INVALID_REQUEST!, `loglab describes the configs of topics and brokers only, not resource type ${resourceType}`);
  } catch (error) {
    const { errorCode, errorMessage } = errorOf(error);
    return failed(errorCode, errorMessage);
  }
  const keys = resource.configurationKeys === null ? null : new Set(resource.configurationKeys);
  const configs: DescribeConfigsResponseDescribeConfigsResourceResult[] = entries.filter((e) => keys === null || keys.has(e.name)).map((e) => ({
    name: e.name, value: e.value, readOnly: e.readOnly, configSource: e.source, isSensitive: false,
    synonyms: request.includeSynonyms ? [{ name: e.name, value: e.value, source: e.source }] : [],
    ...(v >= 3 ? { configType: e.type, documentation: null } : {}),
  }));
  return { errorCode: 0, errorMessage: null, resourceType, resourceName, configs };
}

/** DescribeConfigs of topics (overrides and defaults) and of the broker (its own settings). */
export function describeConfigs(broker: Broker, v: number, request: DescribeConfigsRequest): DescribeConfigsResponse {
  return { throttleTimeMs: 0, results: request.resources.map((resource) => describeResource(broker, v, request, resource)) };
}
