// exactly_once proven by kill -9 on the real broker (issue 11), with the page-views example: a
// groupBy into a table and a sink of `{page, count}` per view, on two workers.
// - The kill loop: 200,000 views while a worker is SIGKILLed six times at random moments (each
//   restarted after a few seconds). read_committed, the sink holds every (page, count) once, the
//   table equals the truth, and read_uncommitted shows the aborted records the kills left.
// - The same app under at_least_once shows duplicates after one kill.
// - A zombie (SIGSTOP past the session timeout, SIGCONT) is fenced, rejoins, and adds nothing.
// - SIGTERM exits 0 and leaves no open transaction.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { collectRecords } from '../helpers/collect.js';
import { SeededRandom } from '../helpers/seeded-random.js';
import { uniqueName } from '../helpers/unique-name.js';
import { waitFor } from '../helpers/wait-for.js';
import { PageViewsCluster, trueCounts, type ClusterWorker } from './helpers/cluster-app.js';
import { auditSink, keepForPostMortem, pause, readToEnd } from './helpers/sink-audit.js';

const EOS = { STREAMD_PROCESSING_GUARANTEE: 'exactly_once' };
const SESSION_MS = 6000;
const PAGES = 40;

/** Waits until the sink, read read_committed, holds `total` distinct (page, count) pairs: every view's output. */
async function sinkReaches(cluster: PageViewsCluster, total: number, timeoutMs: number): Promise<void> {
  const consumer = await cluster.driver.consumer({ groupId: uniqueName('sink-watch'), isolation: 'read_committed', maxWaitMs: 200, sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1000 });
  const pairs = new Set<string>();
  let counted = 0;
  try {
    const collector = await collectRecords(consumer, [cluster.output]);
    await collector.until(
      (records) => {
        for (; counted < records.length; counted++) pairs.add(records[counted]!.value!.toString());
        return pairs.size >= total;
      },
      { timeoutMs, message: `the sink to hold ${total} distinct outputs read_committed` },
    );
  } finally {
    await consumer.stop();
  }
}

/** The count of every page as the workers' table serves it (GET /pages/:page routes to the owner). */
async function tableCounts(worker: ClusterWorker): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (let p = 0; p < PAGES; p++) {
    const page = `/page-${p}`;
    const response = await fetch(`${worker.daemon.url}/pages/${encodeURIComponent(page)}`);
    const body = (await response.json()) as { count: number };
    out.set(page, body.count);
  }
  return out;
}

describe('exactly_once under kill -9 (real broker)', () => {
  const clusters: PageViewsCluster[] = [];
  after(async () => {
    for (const cluster of clusters) await cluster.close();
  });
  const newCluster = async (env: Record<string, string>): Promise<PageViewsCluster> => {
    const cluster = new PageViewsCluster({ standbyReplicas: 0, sessionTimeoutMs: SESSION_MS, env });
    clusters.push(cluster);
    await cluster.setUp();
    return cluster;
  };

  it('kill loop: 200,000 views, six SIGKILLs, every output once read_committed, the table equals the truth', { timeout: 600_000 }, async () => {
    const total = 200_000;
    const random = new SeededRandom(Number(process.env['STREAMD_TEST_SEED'] ?? 11));
    const cluster = await newCluster(EOS);
    const names = ['w1', 'w2'];
    const live = new Map<string, ClusterWorker>();
    for (const name of names) live.set(name, await cluster.start(name));
    // Paced over the kill loop, so that the kills hit busy workers with open transactions.
    const producing = (async () => {
      for (let from = 0; from < total; from += 5000) {
        await cluster.produceViews(from, from + 5000, PAGES);
        await pause(500);
      }
    })();
    let kills = 0;
    for (; kills < 6; kills++) {
      await pause(random.int(1000, 4000));
      const name = random.pick(names);
      await live.get(name)!.daemon.kill9();
      await pause(random.int(2000, 4000));
      live.set(name, await cluster.start(name));
    }
    await producing;
    await sinkReaches(cluster, total, 240_000);
    const truth = trueCounts(total, PAGES);
    assert.deepEqual(await tableCounts(live.get('w1')!), truth, 'the table (served by its owners) equals the truth');
    for (const worker of live.values()) assert.equal((await worker.daemon.terminate()).code, 0);
    const committed = await readToEnd(cluster.driver, cluster.output, 'read_committed', 60_000);
    const uncommitted = await readToEnd(cluster.driver, cluster.output, 'read_uncommitted', 60_000);
    const audit = auditSink(committed, truth);
    const abortedIn = async (topic: string): Promise<number> =>
      (await readToEnd(cluster.driver, topic, 'read_uncommitted', 60_000)).length - (await readToEnd(cluster.driver, topic, 'read_committed', 60_000)).length;
    const changelogAborted = await abortedIn(cluster.changelog);
    // The repartition records are outputs of the same transactions: a kill between the groupBy's
    // send and its commit leaves them aborted even when no sink record was open yet.
    const repartitionAborted = await abortedIn(cluster.repartition);
    const aborted = uncommitted.length - committed.length;
    await keepForPostMortem('kill-loop', cluster.workers, committed);
    console.log(`kill loop (exactly_once): ${total} views, ${kills} SIGKILLs; sink read_committed ${audit.records} records, lost ${audit.lost}, duplicated ${audit.duplicated}; aborted records seen read_uncommitted: sink ${aborted}, changelog ${changelogAborted}, repartition ${repartitionAborted}`);
    assert.equal(audit.lost, 0, 'no output lost');
    assert.equal(audit.duplicated, 0, 'no output duplicated');
    assert.equal(audit.records, total);
    assert.deepEqual(await cluster.changelogCounts(60_000), truth, 'the changelog (read_committed) equals the truth');
    assert.ok(aborted + changelogAborted + repartitionAborted > 0, 'the kills hit open transactions: aborted records are there read_uncommitted');
  });

  it('the same app under at_least_once shows duplicates after a kill', { timeout: 300_000 }, async () => {
    const total = 60_000;
    // Commits only every 60 s (or 1,000,000 acks), so that what the workers sent is not committed
    // when the kill lands: a kill right after a commit, or after the last view, would repeat nothing.
    const cluster = await newCluster({ STREAMD_COMMIT_INTERVAL_MS: '60000', STREAMD_COMMIT_EVERY: '1000000' });
    const w1 = await cluster.start('w1');
    let w2 = await cluster.start('w2');
    const producing = cluster.produceViews(0, total, PAGES);
    await waitFor(async () => (await cluster.progress(cluster.output)).end >= BigInt(total / 4), { timeoutMs: 120_000, message: 'a quarter of the outputs sent' });
    await w2.daemon.kill9();
    w2 = await cluster.start('w2');
    await producing;
    await sinkReaches(cluster, total, 180_000);
    for (const worker of [w1, w2]) assert.equal((await worker.daemon.terminate()).code, 0);
    const audit = auditSink(await readToEnd(cluster.driver, cluster.output, 'read_committed', 60_000), trueCounts(total, PAGES));
    console.log(`at_least_once after one SIGKILL: sink ${audit.records} records, lost ${audit.lost}, duplicated ${audit.duplicated}`);
    assert.equal(audit.lost, 0);
    assert.ok(audit.duplicated > 0, 'at_least_once sends again what the killed worker sent after its last commit');
  });

  it('a zombie (SIGSTOP past the session timeout, then SIGCONT) is fenced, rejoins, and adds nothing', { timeout: 300_000 }, async () => {
    const total = 60_000;
    const cluster = await newCluster(EOS);
    const w1 = await cluster.start('w1');
    const w2 = await cluster.start('w2');
    const producing = cluster.produceViews(0, total, PAGES);
    await waitFor(async () => (await cluster.progress(cluster.input)).committed >= BigInt(total / 10), { timeoutMs: 120_000, message: 'a tenth of the views committed' });
    w1.daemon.signal('SIGSTOP');
    try {
      // w2 takes every partition over once w1's session has expired.
      const before = w2.daemon.logs().filter((l) => l['msg'] === 'assignment ready: processing resumes').length;
      await waitFor(() => w2.daemon.logs().filter((l) => l['msg'] === 'assignment ready: processing resumes').length > before, { timeoutMs: 60_000, message: 'w2 to take over' });
    } finally {
      w1.daemon.signal('SIGCONT');
    }
    await waitFor(() => w1.daemon.logs().some((l) => typeof l['msg'] === 'string' && l['msg'].includes('fenced on')), { timeoutMs: 60_000, message: 'w1 to log that it was fenced' });
    const fencedAt = w1.daemon.logs().findIndex((l) => typeof l['msg'] === 'string' && l['msg'].includes('fenced on'));
    await waitFor(() => w1.daemon.logs().slice(fencedAt).some((l) => l['msg'] === 'assignment ready: processing resumes' || /^assigned \d+ partitions/.test(String(l['msg']))), { timeoutMs: 60_000, message: 'w1 to rejoin the group' });
    await producing;
    await sinkReaches(cluster, total, 120_000).catch((err: unknown) => {
      throw new Error(`${err instanceof Error ? err.message : String(err)}\nw1:\n${w1.daemon.tail(60)}\nw2:\n${w2.daemon.tail(60)}`);
    });
    for (const worker of [w1, w2]) assert.equal((await worker.daemon.terminate()).code, 0, 'the zombie did not crash');
    const committed = await readToEnd(cluster.driver, cluster.output, 'read_committed', 60_000);
    await keepForPostMortem('zombie', cluster.workers, committed);
    const audit = auditSink(committed, trueCounts(total, PAGES));
    console.log(`zombie (exactly_once): sink ${audit.records} records, lost ${audit.lost}, duplicated ${audit.duplicated}`);
    assert.equal(audit.lost, 0);
    assert.equal(audit.duplicated, 0, 'the fenced zombie wrote nothing a read_committed reader sees');
  });

  it('SIGTERM under exactly_once exits 0 and leaves no open transaction', { timeout: 180_000 }, async () => {
    const total = 20_000;
    const cluster = await newCluster(EOS);
    const w1 = await cluster.start('w1');
    const held = w1.daemon.logs().filter((l) => typeof l['transactionalProducers'] === 'number');
    assert.ok(held.length > 0, 'the start-up log says how many transactional producers the worker holds');
    await cluster.produceViews(0, total, PAGES);
    await waitFor(async () => (await cluster.progress(cluster.input)).committed >= BigInt(total / 2), { timeoutMs: 120_000, message: 'half the views committed' });
    assert.equal((await w1.daemon.terminate()).code, 0);
    // An open transaction would hold read_committed readers below the end offsets until the broker
    // times it out (10 s); with none left they read to the end at once.
    await readToEnd(cluster.driver, cluster.output, 'read_committed', 5000);
    await readToEnd(cluster.driver, cluster.changelog, 'read_committed', 5000);
    const w2 = await cluster.start('w1');
    await sinkReaches(cluster, total, 120_000);
    assert.equal((await w2.daemon.terminate()).code, 0);
    const audit = auditSink(await readToEnd(cluster.driver, cluster.output, 'read_committed', 60_000), trueCounts(total, PAGES));
    assert.deepEqual({ lost: audit.lost, duplicated: audit.duplicated }, { lost: 0, duplicated: 0 });
  });
});
