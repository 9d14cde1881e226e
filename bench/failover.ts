// Failover: two `streamd start` workers of the page-views example on the bench broker, one killed
// with kill -9 and restarted at once, with the default session timeout: the time until both
// process every partition again, and until the survivor was reassigned. Reported, never asserted.

import { PageViewsCluster } from '../test/e2e/helpers/cluster-app.js';
import { killAndRestart, type KillRestart } from '../test/e2e/helpers/kill-restart.js';

/** config/defaults.yaml's: the figure a user who tuned nothing gets. */
export const FAILOVER_SESSION_TIMEOUT_MS = 60_000;

/** Runs the cluster against `bootstrap` (the e2e helpers read it from STREAMD_TEST_KAFKA). */
export async function streamdFailover(bootstrap: string, say: (line: string) => void): Promise<KillRestart> {
  process.env['STREAMD_TEST_KAFKA'] = bootstrap;
  const cluster = new PageViewsCluster({ standbyReplicas: 1, sessionTimeoutMs: FAILOVER_SESSION_TIMEOUT_MS });
  const env = { STREAMD_BROKER_HEARTBEAT_INTERVAL_MS: '3000' };
  try {
    await cluster.setUp();
    const a = await cluster.start('a', [], { env });
    const b = await cluster.start('b', [], { env });
    await cluster.produceViews(0, 20_000, 1000);
    await cluster.waitCommittedToEnd(cluster.repartition, 120_000);
    say('failover: kill -9 of one of two workers, restarted at once');
    return await killAndRestart(cluster, a, b, { forgetMemberId: false, env, timeoutMs: FAILOVER_SESSION_TIMEOUT_MS + 90_000 });
  } finally {
    await cluster.close();
  }
}
