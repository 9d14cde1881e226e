// kill -9 of one of two workers and its immediate restart (a crash, an OOM kill, a node drain), with
// the default session timeout: the restarted worker removes the member its dead run left in the
// group, so both workers process again at once instead of after that member's whole session.
// The figure without that removal (the member id forgotten, as every restart was before) is printed beside it.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { PageViewsCluster, trueCounts } from './helpers/cluster-app.js';
import { killAndRestart } from './helpers/kill-restart.js';

const PAGES = 1000;
/** The defaults (config/defaults.yaml): what a user who tuned nothing gets. */
const SESSION_TIMEOUT_MS = 60_000;
const HEARTBEAT_INTERVAL_MS = 3_000;
const TIMEOUT_MS = 400_000;

describe('kill -9 and restart of one of two workers', () => {
  let app: PageViewsCluster | undefined;
  const figures: string[] = [];
  after(async () => {
    await app?.close();
    if (figures.length > 0) console.log(`kill -9 → both workers processing every partition again (session timeout ${SESSION_TIMEOUT_MS} ms): ${figures.join('; ')}`);
  });

  it("resumes every partition on both workers before the dead member's session could have expired, with exact tables", { timeout: TIMEOUT_MS }, async () => {
    app = new PageViewsCluster({ standbyReplicas: 0, sessionTimeoutMs: SESSION_TIMEOUT_MS });
    await app.setUp();
    const cluster = app;
    const env = { STREAMD_BROKER_HEARTBEAT_INTERVAL_MS: String(HEARTBEAT_INTERVAL_MS) };
    const a = await cluster.start('a', [], { env });
    let b = await cluster.start('b', [], { env });
    let views = 0;
    const produceAndCount = async (): Promise<void> => {
      await cluster.produceViews(views, views + 10_000, PAGES);
      views += 10_000;
      await cluster.waitCommittedToEnd(cluster.repartition, 120_000);
    };
    const timeoutMs = SESSION_TIMEOUT_MS + 90_000;

    // Before: the restart knows no member id of its dead run, so the group waits out that member's session.
    await produceAndCount();
    const before = await killAndRestart(cluster, a, b, { forgetMemberId: true, env, timeoutMs });
    figures.push(`without the member id ${before.resumedMs} ms`);
    b = before.restarted;
    assert.ok(!b.daemon.logs().some((l) => String(l['msg']).startsWith('removed the member a previous run')), 'with member.json gone there is nothing to remove');

    // After: the restart removes its dead run's member before it joins.
    await produceAndCount();
    const now = await killAndRestart(cluster, a, b, { forgetMemberId: false, env, timeoutMs });
    figures.push(`with it ${now.resumedMs} ms`);
    b = now.restarted;
    const removal = b.daemon.logs().find((l) => String(l['msg']).startsWith('removed the member a previous run'));
    assert.ok(removal !== undefined, `the restarted worker removed its dead run's member:\n${b.daemon.tail(20)}`);
    assert.ok(
      now.survivorAssignedMs < SESSION_TIMEOUT_MS,
      `the dead member was removed, not timed out: the survivor was reassigned ${now.survivorAssignedMs} ms after the kill, before its ${SESSION_TIMEOUT_MS} ms session could expire`,
    );
    console.log(`kill -9 → processing every partition: ${before.resumedMs} ms before the change (member id forgotten), ${now.resumedMs} ms after (survivor reassigned after ${now.survivorAssignedMs} ms)`);

    await cluster.produceViews(views, views + 10_000, PAGES);
    views += 10_000;
    await cluster.waitCommittedToEnd(cluster.input, 120_000);
    await cluster.waitCommittedToEnd(cluster.repartition, 60_000);
    assert.deepEqual(await a.daemon.terminate(), { code: 0, signal: null }, a.daemon.tail());
    assert.deepEqual(await b.daemon.terminate(), { code: 0, signal: null }, b.daemon.tail());
    assert.deepEqual(await cluster.changelogCounts(60_000), trueCounts(views, PAGES), "the changelog's last value of every page is its true count");
  });
});
