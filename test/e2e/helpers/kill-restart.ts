// kill -9 of one worker of a PageViewsCluster and its restart at once (a crash, an OOM kill), timed
// until both workers process every partition again. Used by restart-failover.test.ts and the bench.

import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { waitFor } from '../../helpers/wait-for.js';
import { PARTITIONS, assignments, partitionsOf, type ClusterWorker, type PageViewsCluster } from './cluster-app.js';

/** What one kill -9 and restart took, in ms after the kill. */
export interface KillRestart {
  /** Until both workers were processing (tables recovered) an assignment that covers every partition. */
  readonly resumedMs: number;
  /** Until the survivor got its new assignment: the group's rebalance without the dead member. */
  readonly survivorAssignedMs: number;
  readonly restarted: ClusterWorker;
}

export interface KillRestartOptions {
  /** Deletes the victim's member.json before the restart: a restart that knows no member id of its dead run, as before streamd kept one. */
  readonly forgetMemberId: boolean;
  readonly env?: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
}

/** The repartition partitions of the worker's latest assignment made after `since`, once it processes them. */
function readySince(worker: ClusterWorker, topic: string, since: number): { partitions: number[]; assignedAt: number; readyAt: number } | undefined {
  const last = assignments(worker.daemon).at(-1);
  if (last === undefined || last.time < since || last.readyAt === undefined) return undefined;
  return { partitions: partitionsOf(topic, last.partitions), assignedAt: last.time, readyAt: last.readyAt };
}

/** kill -9 of `victim`, restart under the same name (same datadir) at once; resolves once both workers process every partition. */
export async function killAndRestart(cluster: PageViewsCluster, survivor: ClusterWorker, victim: ClusterWorker, options: KillRestartOptions): Promise<KillRestart> {
  const killedAt = Date.now();
  const exit = await victim.daemon.kill9();
  if (exit.signal !== 'SIGKILL') throw new Error(`${victim.name} was not killed by SIGKILL: ${JSON.stringify(exit)}`);
  if (options.forgetMemberId) await rm(join(victim.datadir, cluster.appId, 'v1', 'member.json'));
  const restarted = await cluster.start(victim.name, [], { waitReady: false, ...(options.env === undefined ? {} : { env: options.env }) });
  const all = Array.from({ length: PARTITIONS }, (_, p) => p);
  const resumed = await waitFor(
    () => {
      const [ofSurvivor, ofRestarted] = [readySince(survivor, cluster.repartition, killedAt), readySince(restarted, cluster.repartition, killedAt)];
      if (ofSurvivor === undefined || ofRestarted === undefined) return false;
      const together = [...ofSurvivor.partitions, ...ofRestarted.partitions].sort();
      return together.length === PARTITIONS && together.every((p, i) => p === all[i]) && { ofSurvivor, ofRestarted };
    },
    {
      timeoutMs: options.timeoutMs,
      intervalMs: 50,
      message: () => `both workers processing every partition again:\n${survivor.name}: ${survivor.daemon.tail(10)}\n${restarted.name}: ${restarted.daemon.tail(10)}`,
    },
  );
  return {
    resumedMs: Math.max(resumed.ofSurvivor.readyAt, resumed.ofRestarted.readyAt) - killedAt,
    survivorAssignedMs: resumed.ofSurvivor.assignedAt - killedAt,
    restarted,
  };
}
