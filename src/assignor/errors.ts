// The errors of partition assignment. A co-partition mismatch fails the assignment (and so the
// boot); an unreadable userData payload is a protocol error the caller degrades or reports.

import { StreamdError, type StreamdErrorOptions } from '../errors/index.js';

/**
 * Topics that must be co-partitioned have different partition counts. Recovery: none at runtime;
 * recreate the internal topic (or repartition the source) so every count matches.
 */
export class CopartitionMismatchError extends StreamdError {
  /** Each topic of the group with its partition count. */
  readonly partitionCounts: Readonly<Record<string, number>>;

  constructor(partitionCounts: Readonly<Record<string, number>>) {
    const listed = Object.entries(partitionCounts)
      .map(([topic, count]) => `"${topic}" has ${count}`)
      .join(', ');
    super(
      'STREAMD_COPARTITION_MISMATCH',
      `co-partitioned topics must have the same number of partitions, but ${listed}: ` +
        'create the internal topics with the source topic\'s count, or repartition the source (groupBy) to match',
    );
    this.partitionCounts = partitionCounts;
  }
}

/** Assignor userData that is not streamd's, has an unknown version, or is corrupt. */
export class AssignorProtocolError extends StreamdError {
  constructor(message: string, options: StreamdErrorOptions = {}) {
    super('STREAMD_ASSIGNOR_PROTOCOL', message, { ...options, retriable: false });
  }
}
