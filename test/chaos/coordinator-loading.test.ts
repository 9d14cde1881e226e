// Issue 10 case 3: two workers started at once against a broker that is just coming back (a
// failover, a restart) meet a group coordinator that is still loading its groups. kafkajs reports
// "The coordinator is loading and hence can't process requests for this group", a retriable
// error; the changelog reader's consumer took it as fatal and the worker exited 1. Now both
// workers wait for the broker and the coordinator, then process every event exactly once.

import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { TestBroker } from '../kafka/broker.js';
import { waitFor } from '../helpers/wait-for.js';
import { PARTITIONS, PageViewsCluster, assignments, partitionsOf, type ClusterWorker } from '../e2e/helpers/cluster-app.js';
import type { DaemonExit } from '../e2e/helpers/daemon.js';
import { finalCounts } from './helpers/final-counts.js';
import { dumpTopics } from './helpers/topic-dump.js';

const VIEWS = 40_000;
const PAGES = 500;
const ALL = Array.from({ length: PARTITIONS }, (_, p) => p);
const LOADING = /The coordinator is loading/;

/** Other apps' groups on the broker, so the coordinator has a while of loading to do after a restart. */
const SEED_GROUPS = 400;
const SEED_PARTITIONS = 100;

/** Commits offsets for SEED_GROUPS groups of a SEED_PARTITIONS-partition topic, in one transaction. */
async function seedGroupOffsets(cluster: PageViewsCluster): Promise<number> {
  const startedAt = Date.now();
  const topic = `${cluster.appId}-seed`;
  await (await cluster.admin()).createTopics([{ topic, partitions: SEED_PARTITIONS }]);
  const producer = await cluster.driver.transactionalProducer(`${cluster.appId}-seeder`);
  try {
    const transaction = await producer.begin();
    const offsets = Array.from({ length: SEED_PARTITIONS }, (_, partition) => ({ topic, partition, offset: 0n }));
    for (let group = 0; group < SEED_GROUPS; group++) await transaction.sendOffsets(`${cluster.appId}-seed-${group}`, offsets);
    await transaction.commit();
  } finally {
    await producer.close();
  }
  return Date.now() - startedAt;
}

function startBroker(): Promise<TestBroker> {
  const classpath = process.env['STREAMD_TEST_KAFKA_CLASSPATH'];
  return TestBroker.start(classpath === undefined || classpath === '' ? {} : { classpath });
}

/** The repartition partitions of the worker's last assignment, once it processes them. */
function processing(app: PageViewsCluster, worker: ClusterWorker): number[] | undefined {
  const last = assignments(worker.daemon).at(-1);
  return last?.readyAt === undefined ? undefined : partitionsOf(app.repartition, last.partitions);
}

describe('two workers started at once while the broker comes back', () => {
  let broker: TestBroker | undefined;
  let app: PageViewsCluster | undefined;
  let hasPassed = false;
  after(async () => {
    // After a failure, the workers' logs and every record of the app's topics (topic-dump.ts) for a
    // post-mortem: the test prints where they are.
    if (app !== undefined && !hasPassed) {
      const dir = await mkdtemp(join(tmpdir(), `${app.appId}-logs-`));
      for (const [i, w] of app.workers.entries()) await writeFile(join(dir, `${i}-${w.name}.log`), w.daemon.output.join('\n'));
      await dumpTopics(app, dir, 60_000).catch((err: unknown) => console.log(`could not dump the topics: ${String(err)}`));
      console.log(`worker logs: ${dir}`);
    }
    await app?.close();
    await broker?.stop();
  });

  it('wait out the loading group coordinator instead of exiting, then count every event once', { timeout: 300_000 }, async () => {
    broker = await startBroker();
    app = new PageViewsCluster({ standbyReplicas: 0, sessionTimeoutMs: 10_000, broker: broker.bootstrap });
    const cluster = app;
    await cluster.setUp();
    await cluster.produceViews(0, VIEWS / 2, PAGES);
    // The app ran before the failover: its groups are among those the coordinator loads.
    const first = [await cluster.start('a'), await cluster.start('b')];
    await cluster.waitCommittedToEnd(cluster.input, 120_000);
    for (const w of first) assert.deepEqual(await w.daemon.terminate(), { code: 0, signal: null }, w.daemon.tail());
    const seedMs = await seedGroupOffsets(cluster);
    await cluster.produceViews(VIEWS / 2, VIEWS, PAGES);

    // The broker goes down; both workers start at once and find it when it is back, coordinator loading.
    await broker.stopKeepingData();
    const workers = [await cluster.start('a', [], { waitReady: false }), await cluster.start('b', [], { waitReady: false })];
    const exits: (DaemonExit | undefined)[] = workers.map(() => undefined);
    workers.forEach((w, i) => void w.daemon.exited.then((exit) => (exits[i] = exit)));
    const restartMs = await broker.restart();
    const upAt = Date.now();
    const readyAfter = await Promise.all(
      workers.map(async (w) => {
        await w.daemon.waitReady(120_000);
        return Date.now() - upAt;
      }),
    );
    await cluster.waitCommittedToEnd(cluster.input, 120_000);
    await cluster.waitCommittedToEnd(cluster.repartition, 60_000);
    const finals = await waitFor(
      () => {
        const owned = workers.map((w) => processing(cluster, w));
        return owned.every((o) => o !== undefined) && [...owned.flat()].sort().join() === ALL.join() && owned;
      },
      { timeoutMs: 60_000, intervalMs: 100, message: 'the two workers processing every partition between them' },
    );
    const loading = workers.map((w) => w.daemon.output.filter((line) => LOADING.test(line)).length);
    console.log(`seeded ${SEED_GROUPS * SEED_PARTITIONS} group offsets in ${seedMs} ms; broker back in ${restartMs} ms; workers ready ${readyAfter.map((ms, i) => `${workers[i]!.name} +${ms} ms`).join(', ')}; "coordinator is loading" answers seen: ${loading.join(' and ')}`);

    workers.forEach((w, i) => assert.equal(exits[i], undefined, `${w.name} exited (${JSON.stringify(exits[i])}):\n${w.daemon.tail(30)}`));
    assert.ok(loading.some((n) => n > 0), 'the workers met the coordinator while it was loading (the case under test)');
    for (const w of workers) assert.deepEqual(await w.daemon.terminate(), { code: 0, signal: null }, w.daemon.tail());
    const { truth, stores: tables, report } = await finalCounts(cluster, workers, finals, VIEWS, PAGES);
    console.log(`tables after: ${report}`);
    assert.deepEqual(tables, truth, "the workers' stores of the partitions they hold give every page its true count");
    hasPassed = true;
  });
});
