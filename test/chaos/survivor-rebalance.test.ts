// Issue 10 case 9: a kill -9 of one of two workers must not take the other down. The survivor's
// group requests wait for the dead member's session during the rebalance; a wait longer than
// kafkajs's default 30 s request timeout used to crash it ("Request SyncGroup(key: 14, version: 3)
// timed out", exit 1). With a session timeout above that default, the survivor must ride it out.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { waitFor } from '../helpers/wait-for.js';
import { PARTITIONS, PageViewsCluster, assignments, partitionsOf, trueCounts } from '../e2e/helpers/cluster-app.js';

const VIEWS = 60_000;
const PAGES = 500;
/** Above kafkajs's default request timeout (30 s), which the worker used whatever the manifest said. */
const SESSION_TIMEOUT_MS = 40_000;
const ALL = Array.from({ length: PARTITIONS }, (_, p) => p);

describe('the survivor of a kill -9 of one of two workers', () => {
  let app: PageViewsCluster | undefined;
  after(async () => {
    await app?.close();
  });

  it('stays up through the session timeout and the rebalance, then holds every partition with exact tables', { timeout: 300_000 }, async () => {
    app = new PageViewsCluster({ standbyReplicas: 0, sessionTimeoutMs: SESSION_TIMEOUT_MS });
    await app.setUp();
    const cluster = app;
    const a = await cluster.start('a');
    const b = await cluster.start('b');
    let aExit: unknown;
    void a.daemon.exited.then((exit) => (aExit = exit));
    await waitFor(() => assignments(b.daemon).some((x) => x.readyAt !== undefined && partitionsOf(cluster.repartition, x.partitions).length > 0), {
      timeoutMs: 90_000,
      intervalMs: 100,
      message: () => `b processing some partitions:\n${b.daemon.tail(20)}`,
    });
    await cluster.produceViews(0, VIEWS / 2, PAGES);
    const killedAt = Date.now();
    assert.equal((await b.daemon.kill9()).signal, 'SIGKILL');
    await cluster.produceViews(VIEWS / 2, VIEWS, PAGES);

    const takeover = await waitFor(
      () => {
        if (aExit !== undefined) throw new Error(`the survivor exited (${JSON.stringify(aExit)}):\n${a.daemon.tail(30)}`);
        const last = assignments(a.daemon).at(-1);
        if (last === undefined || last.time < killedAt || last.readyAt === undefined) return false;
        return partitionsOf(cluster.repartition, last.partitions).length === PARTITIONS && last;
      },
      { timeoutMs: SESSION_TIMEOUT_MS + 120_000, intervalMs: 100, message: () => `the survivor processing every partition:\n${a.daemon.tail(20)}` },
    );
    assert.deepEqual(partitionsOf(cluster.input, takeover.partitions), ALL, 'the survivor reads every source partition');
    console.log(`kill -9 of b → a processing every partition after ${takeover.readyAt! - killedAt} ms (session timeout ${SESSION_TIMEOUT_MS} ms)`);
    await cluster.waitCommittedToEnd(cluster.input, 90_000);
    await cluster.waitCommittedToEnd(cluster.repartition, 60_000);
    assert.equal(aExit, undefined, 'the survivor never exited');
    assert.deepEqual(await a.daemon.terminate(), { code: 0, signal: null }, a.daemon.tail());
    const truth = trueCounts(VIEWS, PAGES);
    assert.deepEqual(await cluster.storeCounts(a), truth, "the survivor's stores hold every page's true count");
    assert.deepEqual(await cluster.changelogCounts(60_000), truth, "the changelog's last value of every page is its true count");
  });
});
