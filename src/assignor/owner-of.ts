// Answers "which member's web server owns this partition?" for routing table queries. Called by
// the web layer with the cluster assignment of the current generation.

import type { ClusterAssignment } from './types.js';

/** topic → URL of the active owner per partition, built once per decoded assignment. */
const indexes = new WeakMap<ClusterAssignment, ReadonlyMap<string, readonly (string | null)[]>>();

function indexOf(cluster: ClusterAssignment): ReadonlyMap<string, readonly (string | null)[]> {
  const known = indexes.get(cluster);
  if (known !== undefined) return known;
  const index = new Map<string, (string | null)[]>();
  for (const member of cluster.members) {
    for (const { topic, partition } of member.actives) {
      let urls = index.get(topic);
      if (urls === undefined) index.set(topic, (urls = []));
      urls[partition] = member.url;
    }
  }
  indexes.set(cluster, index);
  return index;
}

/**
 * The web URL of the member that owns `topic`'s `partition` as active (a table's changelog
 * partition included), or undefined when no member owns it or the owner published no URL: the
 * caller answers 503 and tries again after the next rebalance.
 */
export function ownerOf(cluster: ClusterAssignment, topic: string, partition: number): string | undefined {
  return indexOf(cluster).get(topic)?.[partition] ?? undefined;
}
