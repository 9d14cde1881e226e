// Errors of the tables area. Each names the action that recovers from it (STYLE: errors).

import { StreamdError, type StreamdErrorOptions } from '../errors/index.js';
import type { TopicPartition } from '../kafka/index.js';

/**
 * Reading a changelog partition made no progress for the stall timeout: the broker is unreachable,
 * the partition has no leader, or reading is far slower than expected. Recovery: the worker stops
 * with this error (a restart tries again); raise the timeout only if the changelog is just slow.
 */
export class RecoveryStalledError extends StreamdError {
  readonly topic: string;
  readonly partition: number;

  constructor({ topic, partition }: TopicPartition, message: string, options: StreamdErrorOptions = {}) {
    super('STREAMD_RECOVERY_STALLED', message, { retriable: true, ...options });
    this.topic = topic;
    this.partition = partition;
  }
}
