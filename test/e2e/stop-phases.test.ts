// SIGTERM in every phase of a worker's life, as Kubernetes sends it during a rolling update: while
// the group join waits for a dead member, while tables recover, mid-rebalance, and under load. Each
// time the worker exits 0 within a few seconds, and the next start ends with exact tables.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { waitFor } from '../helpers/wait-for.js';
import { PageViewsCluster, trueCounts, type ClusterWorker } from './helpers/cluster-app.js';
import type { DaemonExit } from './helpers/daemon.js';
import { groupState } from '../kafka/group-state.js';
import { brokerAddress } from './helpers/pipeline-app.js';

const PAGES = 1000;
/** The default session timeout: a dead member holds a join or a rebalance this long. */
const SESSION_TIMEOUT_MS = 60_000;
/** A generous deadline on the wait for the exit, far below the ~40-60 s a blocked stop used to take. */
const EXIT_DEADLINE_MS = 5_000;
const TIMEOUT_MS = 600_000;

/** The `/ready` phase of a worker (`starting`, `joining`, `recovering`, …; `ready` on 200), undefined when it does not answer. */
async function readyPhase(worker: ClusterWorker): Promise<string | undefined> {
  try {
    const response = await fetch(`${worker.daemon.url}/ready`);
    if (response.status === 200) return 'ready';
    const body = (await response.json()) as { phase?: string };
    return body.phase;
  } catch {
    return undefined;
  }
}

/** Sends SIGTERM and waits at most EXIT_DEADLINE_MS for the exit (terminate throws past it). */
async function sigterm(worker: ClusterWorker): Promise<{ exit: DaemonExit; ms: number }> {
  const at = Date.now();
  const exit = await worker.daemon.terminate(EXIT_DEADLINE_MS);
  return { exit, ms: Date.now() - at };
}

function hasLog(worker: ClusterWorker, msg: string): boolean {
  return worker.daemon.logs().some((l) => l['msg'] === msg);
}

describe('SIGTERM in every phase', () => {
  const clusters: PageViewsCluster[] = [];
  const figures: string[] = [];
  const cluster = async (): Promise<PageViewsCluster> => {
    const made = new PageViewsCluster({ standbyReplicas: 0, sessionTimeoutMs: SESSION_TIMEOUT_MS });
    clusters.push(made);
    await made.setUp();
    return made;
  };
  after(async () => {
    await Promise.all(clusters.map((c) => c.close()));
    if (figures.length > 0) console.log(`SIGTERM → exit: ${figures.join('; ')}`);
  });

  /** Starts `name` alone on the group, lets it count everything produced, stops it, and checks its stores and the changelog against the truth. */
  const finishesExact = async (app: PageViewsCluster, name: string, views: number): Promise<void> => {
    const worker = await app.start(name, [], { env: { STREAMD_BROKER_SESSION_TIMEOUT_MS: '10000', STREAMD_BROKER_HEARTBEAT_INTERVAL_MS: '1000' } });
    await app.waitCommittedToEnd(app.input, 120_000);
    await app.waitCommittedToEnd(app.repartition, 60_000);
    assert.deepEqual(await worker.daemon.terminate(), { code: 0, signal: null }, worker.daemon.tail());
    const truth = trueCounts(views, PAGES);
    assert.deepEqual(await app.storeCounts(worker), truth, `the stores of ${name} hold every page's true count`);
    assert.deepEqual(await app.changelogCounts(60_000), truth, "the changelog's last value of every page is its true count");
  };

  it('exits 0 within 5 s when stopped while its group join waits for a killed member, leaving no member behind', { timeout: TIMEOUT_MS }, async () => {
    const app = await cluster();
    const a = await app.start('a');
    await app.produceViews(0, 20_000, PAGES);
    await app.waitCommittedToEnd(app.input, 60_000);
    await a.daemon.kill9();

    const b = await app.start('b', [], { waitReady: false });
    // b's JoinGroup has reached the coordinator, which now waits for the killed member's session.
    await waitFor(async () => (await groupState(brokerAddress(), app.appId)).state === 'PreparingRebalance', {
      timeoutMs: 30_000,
      intervalMs: 100,
      message: () => `b's join to wait for the killed member:\n${b.daemon.tail(10)}`,
    });
    assert.notEqual(await readyPhase(b), 'ready', 'b is still starting');
    const { exit, ms } = await sigterm(b);
    figures.push(`during the join ${ms} ms`);
    assert.deepEqual(exit, { code: 0, signal: null }, b.daemon.tail());
    assert.ok(hasLog(b, 'stop requested while joining the group: leaving without waiting for the join'), b.daemon.tail(20));
    const left = b.daemon.logs().find((l) => l['msg'] === 'left the group for the join cut short');
    assert.equal(left?.['outcome'], 'removed', `b removed the member its cut join had registered:\n${b.daemon.tail(20)}`);
    assert.ok(!(await groupState(brokerAddress(), app.appId)).memberIds.includes(left['memberId'] as string), 'the group no longer lists b');

    await app.produceViews(20_000, 30_000, PAGES);
    await finishesExact(app, 'a', 30_000);
  });

  it('exits 0 within 5 s when stopped while its tables recover, and the next start recovers them exactly', { timeout: TIMEOUT_MS }, async () => {
    const app = await cluster();
    // A page per view: a changelog record per view, written by commits of at most 500 keys.
    const views = 40_000;
    const fast = { STREAMD_BROKER_SESSION_TIMEOUT_MS: '10000', STREAMD_BROKER_HEARTBEAT_INTERVAL_MS: '1000' };
    const a = await app.start('a', [], { env: { ...fast, STREAMD_COMMIT_EVERY: '500' } });
    await app.produceViews(0, views, views);
    await app.waitCommittedToEnd(app.input, 240_000);
    await app.waitCommittedToEnd(app.repartition, 120_000);
    assert.deepEqual(await a.daemon.terminate(), { code: 0, signal: null }, a.daemon.tail());
    const changelog = (await (await app.admin()).offsets(app.changelog)).reduce((sum, p) => sum + p.latest - p.earliest, 0n);

    // A fresh datadir: c recovers every table partition from the changelog.
    const c = await app.start('c', [], { waitReady: false, env: fast });
    await waitFor(async () => (await readyPhase(c)) === 'recovering', { timeoutMs: 60_000, intervalMs: 20, message: () => `c recovering its tables:\n${c.daemon.tail(10)}` });
    const { exit, ms } = await sigterm(c);
    figures.push(`during recovery ${ms} ms (changelog of ${changelog} records)`);
    assert.deepEqual(exit, { code: 0, signal: null }, c.daemon.tail());
    assert.ok(!c.daemon.logs().some((l) => String(l['msg']).startsWith('tables recovered')), `the stop came before the recovery ended:\n${c.daemon.tail(20)}`);

    const next = await app.start('c', [], { env: fast });
    assert.deepEqual(await next.daemon.terminate(), { code: 0, signal: null }, next.daemon.tail());
    assert.deepEqual(await app.storeCounts(next), trueCounts(views, views), "the recovered stores hold every page's true count");
  });

  it('exits 0 within 5 s when stopped mid-rebalance, while the group waits for a killed member', { timeout: TIMEOUT_MS }, async () => {
    const app = await cluster();
    const a = await app.start('a');
    const b = await app.start('b');
    await app.produceViews(0, 20_000, PAGES);
    await app.waitCommittedToEnd(app.input, 60_000);
    const killedAt = Date.now();
    await a.daemon.kill9();
    // A new member makes the group rebalance; b rejoins and waits with it for the killed member.
    const c = await app.start('c', [], { waitReady: false });
    await waitFor(
      async () => (await groupState(brokerAddress(), app.appId)).state === 'PreparingRebalance' && b.daemon.logs().some((l) => l['msg'] === 'the group is rebalancing: committing what was processed, then giving up the assignment to join again' && (l['time'] as number) >= killedAt),
      { timeoutMs: 30_000, intervalMs: 100, message: () => `b rejoining the rebalance:\n${b.daemon.tail(10)}` },
    );
    const [stopB, stopC] = await Promise.all([sigterm(b), sigterm(c)]);
    figures.push(`mid-rebalance ${stopB.ms} ms (and ${stopC.ms} ms for the joining worker)`);
    assert.deepEqual(stopB.exit, { code: 0, signal: null }, b.daemon.tail());
    assert.deepEqual(stopC.exit, { code: 0, signal: null }, c.daemon.tail());

    await finishesExact(app, 'a', 20_000);
  });

  it('exits 0 within 5 s when stopped under load, and the next start carries on exactly', { timeout: TIMEOUT_MS }, async () => {
    const app = await cluster();
    const views = 200_000;
    const a = await app.start('a');
    let producerError: unknown;
    const producing = app.produceViews(0, views, PAGES);
    void producing.catch((err: unknown) => (producerError = err));
    await waitFor(async () => producerError !== undefined || (await app.progress(app.repartition)).committed >= BigInt(views / 5), {
      timeoutMs: 120_000,
      intervalMs: 50,
      message: 'a fifth of the views counted',
    });
    const { exit, ms } = await sigterm(a);
    figures.push(`under load ${ms} ms`);
    assert.deepEqual(exit, { code: 0, signal: null }, a.daemon.tail());
    const [input, repartition] = [await app.progress(app.input), await app.progress(app.repartition)];
    await producing;
    assert.ok(
      input.end < BigInt(views) || input.committed < input.end || repartition.committed < repartition.end,
      `the stop came mid-stream (source: ${input.end} views produced, read to ${input.committed}; repartition counted to ${repartition.committed} of ${repartition.end})`,
    );

    await finishesExact(app, 'a', views);
  });
});
