// The key under which the tables area files a changelog partition: `topic[partition]`, the form the
// logs print. Used by ChangelogReader (its follows, and the map endOffsets returns) and its callers.

import type { TopicPartition } from '../kafka/index.js';

/** `orders-counts-changelog[3]`. Unambiguous: a Kafka topic name cannot contain `[`. */
export function topicPartitionKey({ topic, partition }: TopicPartition): string {
  return `${topic}[${partition}]`;
}
