// Topic ids: Kafka names each topic incarnation by a 128-bit id beside its name (KIP-516), which clients of Fetch v13+
// and Metadata v10+ use. loglab derives one from the topic's name, the time it was created and how many topics this
// manager had created before, so that a topic deleted and created again gets a new id, and a simulated run draws
// nothing from its random source for it (the same seed keeps giving the same schedule).

import { murmur2 } from "../partitioner/index.ts";

const utf8 = new TextEncoder();

/** A lowercase 8-4-4-4-12 hex uuid from `text`: four murmur2 hashes of it, each behind its own prefix. */
export function topicIdFrom(text: string): string {
  const hex = [0, 1, 2, 3].map((word) => (murmur2(utf8.encode(`${word}\u0000${text}`)) >>> 0).toString(16).padStart(8, "0")).join("");
  // Kafka reserves the all-zero id (no id) and 0…01 (the metadata topic's).
  const id = /^0{31}[01]$/.test(hex) ? `1${hex.slice(1)}` : hex;
  return `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`;
}

/** The id of a topic created at `createdMs` as the `sequence`-th creation of its manager. */
export const newTopicId = (name: string, createdMs: number, sequence: number): string => topicIdFrom(`${name}\u0000${createdMs}\u0000${sequence}`);

/** The id of a topic found with none recorded (a topics file from before ids, or a folder Kafka wrote): the same at every open. */
export const foundTopicId = (name: string): string => topicIdFrom(`${name}\u0000found`);
