// The embedded broker's error factories: the same codes the networked driver raises for the same
// broker answers, so callers match `err.code` whichever driver they run on.

import { KafkaError } from '../../../errors/index.js';

/** Code of a request naming a topic (or a partition of it) that does not exist. */
export const UNKNOWN_TOPIC = 'STREAMD_UNKNOWN_TOPIC';

/** The topic does not exist (the embedded broker, like streamd's real brokers, never auto-creates). */
export function unknownTopicError(topic: string): KafkaError {
  return new KafkaError(`topic "${topic}" does not exist: create it first (topics are never auto-created)`, {
    code: UNKNOWN_TOPIC,
  });
}

/** The topic exists but has no such partition (Kafka's UNKNOWN_TOPIC_OR_PARTITION). */
export function unknownPartitionError(topic: string, partition: number, partitionCount: number): KafkaError {
  return new KafkaError(
    `topic "${topic}" has no partition ${partition}: it has ${partitionCount} (0..${partitionCount - 1})`,
    { code: UNKNOWN_TOPIC },
  );
}
