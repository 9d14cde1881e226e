// The page counts a chaos run ends with, read from each worker's stores (of the partitions it held
// last) and from the changelog, beside the truth, with a line that says how far off they are.

import { trueCounts, type ClusterWorker, type PageViewsCluster } from '../../e2e/helpers/cluster-app.js';

export interface FinalCounts {
  readonly truth: Map<string, number>;
  readonly stores: Map<string, number>;
  readonly changelog: Map<string, number>;
  /** e.g. "stores 0 pages off, 0 counts missing; changelog 0 pages off, 0 counts missing". */
  readonly report: string;
}

/** Reads the counts once the workers have stopped; `held[i]` is the partitions `workers[i]` held last. */
export async function finalCounts(cluster: PageViewsCluster, workers: readonly ClusterWorker[], held: readonly (readonly number[])[], views: number, pages: number): Promise<FinalCounts> {
  const truth = trueCounts(views, pages);
  const stores = new Map<string, number>();
  for (const [i, w] of workers.entries()) for (const [page, count] of await cluster.storeCounts(w, held[i])) stores.set(page, count);
  const changelog = await cluster.changelogCounts(60_000);
  const off = (counts: Map<string, number>): string => {
    const wrong = [...truth].filter(([page, count]) => counts.get(page) !== count);
    return `${wrong.length} pages off, ${wrong.reduce((sum, [page, count]) => sum + count - (counts.get(page) ?? 0), 0)} counts missing`;
  };
  return { truth, stores, changelog, report: `stores ${off(stores)}; changelog ${off(changelog)}` };
}
