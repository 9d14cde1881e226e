// Encodes and decodes the subscription userData a member sends when it joins. Written by
// StreamdAssignor.subscriptionUserData, read by the leader's assignPartitions.
//
// Payload (format version 1), inside the envelope of wire-format.ts:
//   { "url": "http://w1:6066",
//     "groups": [{ "topics": ["orders"], "changelogs": ["app-counts-changelog"], "globalChangelogs": [] }],
//     "actives": { "orders": [0, 3] },                       // previous active partitions, by topic
//     "local": { "app-counts-changelog": [[0, "1234"], [3, null]] } }  // [partition, offset|null]
// Offsets are decimal strings: they are 64-bit and JSON numbers are not.

import type { TopicPartition } from '../kafka/index.js';
import type { CopartitionGroup, LocalPartition, SubscriptionMetadata } from './types.js';
import { JsonReader, open, seal } from './wire-format.js';

function byTopic<T extends TopicPartition, V>(partitions: readonly T[], value: (entry: T) => V): Record<string, V[]> {
  const out: Record<string, V[]> = {};
  const sorted = [...partitions].sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
  for (const entry of sorted) (out[entry.topic] ??= []).push(value(entry));
  return out;
}

function groupToJson(group: CopartitionGroup): object {
  return { topics: group.topics, changelogs: group.changelogs ?? [], globalChangelogs: group.globalChangelogs ?? [] };
}

/** The subscription userData of `metadata`. */
export function encodeSubscription(metadata: SubscriptionMetadata): Buffer {
  return seal('subscription', {
    url: metadata.url,
    groups: metadata.copartitionGroups.map(groupToJson),
    actives: byTopic(metadata.previousActives, (entry) => entry.partition),
    local: byTopic(metadata.localState, (entry) => [entry.partition, entry.offset === undefined ? null : entry.offset.toString()]),
  });
}

function readLocal(topic: string, item: JsonReader): LocalPartition {
  const [partition, offset] = item.items();
  if (partition === undefined || offset === undefined) item.fail('[partition, offset]');
  const value = offset.nullableString();
  if (value !== null && !/^\d+$/.test(value)) offset.fail('a decimal offset or null');
  return value === null ? { topic, partition: partition.integer() } : { topic, partition: partition.integer(), offset: BigInt(value) };
}

/** Reads subscription userData; throws `AssignorProtocolError` when it is not a readable version-1 payload. */
export function decodeSubscription(userData: Buffer): SubscriptionMetadata {
  const root = new JsonReader('subscription', open('subscription', userData));
  return {
    url: root.field('url').string(),
    copartitionGroups: root.field('groups').items().map((group) => ({
      topics: group.field('topics').strings(),
      changelogs: group.field('changelogs').strings(),
      globalChangelogs: group.field('globalChangelogs').strings(),
    })),
    previousActives: root.field('actives').entries().flatMap(([topic, partitions]) => partitions.integers().map((partition) => ({ topic, partition }))),
    localState: root.field('local').entries().flatMap(([topic, items]) => items.items().map((item) => readLocal(topic, item))),
  };
}
