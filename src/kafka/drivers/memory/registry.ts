// The process-wide registry of embedded brokers by name. It is the one singleton of the memory driver,
// and deliberately so: `memory://name` means "the broker every client of this process calls name".

import { MemoryCluster } from './cluster.js';

const clusters = new Map<string, MemoryCluster>();

/** The embedded broker called `name`, created empty on first use. */
export function memoryCluster(name: string): MemoryCluster {
  let cluster = clusters.get(name);
  if (cluster === undefined) {
    cluster = new MemoryCluster(name);
    clusters.set(name, cluster);
  }
  return cluster;
}

/**
 * Forgets the broker called `name` (for tests): the next `memoryCluster(name)` starts empty. Clients
 * still attached to the old one fail their next call; close them first.
 */
export function dropMemoryCluster(name: string): void {
  clusters.get(name)?.destroy();
  clusters.delete(name);
}
