// The `memory://` driver: an embedded, in-process Kafka broker (topics, consumer groups, commits,
// transactions) for a first run without a broker and for `streamd/testing`. Not a production broker.

import type { DriverOptions } from '../../index.js';
import type { KafkaDriver } from '../../types.js';
import { MemoryDriver } from './driver.js';
import { memoryCluster } from './registry.js';

export { MemoryCluster } from './cluster.js';
export { dropMemoryCluster, memoryCluster } from './registry.js';

/**
 * A driver on the embedded broker called `clusterName`; every driver of the process with that name
 * shares it. The first driver of a cluster logs, once, that the broker is in-process.
 */
export function createMemoryDriver(clusterName: string, options: DriverOptions): KafkaDriver {
  const cluster = memoryCluster(clusterName);
  const logger = options.logger?.child({ component: 'memory-broker' });
  if (cluster.announce(logger)) {
    logger?.info(
      { cluster: clusterName },
      'embedded memory:// broker started in this process: state lives in memory and dies with the process; not for production',
    );
  }
  return new MemoryDriver(cluster, { clientId: options.clientId ?? 'streamd', logger });
}
