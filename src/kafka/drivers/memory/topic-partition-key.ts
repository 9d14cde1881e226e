// The key of a topic-partition in the embedded broker's maps (committed offsets, fetch positions).

import type { TopicPartition } from '../../types.js';

export function topicPartitionKey({ topic, partition }: TopicPartition): string {
  return `${topic}\u0000${partition}`;
}

/** The key prefix shared by every partition of `topic`. */
export function topicKeyPrefix(topic: string): string {
  return `${topic}\u0000`;
}
