// Names that no other test (or earlier run against the same broker) uses: topics, groups, ids.

import { randomBytes } from 'node:crypto';

/** `prefix` plus a random suffix, e.g. `orders-3fa9c2d1`; safe as a Kafka topic, group or transactional id. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}
