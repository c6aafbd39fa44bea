// Kafka's topic name rules (org.apache.kafka.common.internals.Topic.validate).

import { InvalidTopicError } from "./errors.ts";

/** Kafka's limit: a partition folder is "<topic>-<partition>" and must fit in 255 bytes. */
export const TOPIC_NAME_LENGTH_MAX = 249;
const LEGAL_CHARACTERS = /^[a-zA-Z0-9._-]+$/;

/** Throws InvalidTopicError naming the rule `topic` breaks. */
export function validateTopicName(topic: string): void {
  if (topic.length === 0) throw new InvalidTopicError(topic, "the name is empty");
  if (topic === "." || topic === "..") throw new InvalidTopicError(topic, 'the name cannot be "." or ".."');
  if (topic.length > TOPIC_NAME_LENGTH_MAX) {
    throw new InvalidTopicError(topic, `the name is ${topic.length} characters, the limit is ${TOPIC_NAME_LENGTH_MAX}`);
  }
  if (!LEGAL_CHARACTERS.test(topic)) {
    throw new InvalidTopicError(topic, "legal characters are ASCII letters, digits, '.', '_' and '-'");
  }
}
