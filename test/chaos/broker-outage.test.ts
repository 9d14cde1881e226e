// Issue 10 case 2: a broker stopped for 20 s mid-stream and started again (same data, same port)
// must not stop the workers. Both wait it out: /ready answers 503 `broker-unavailable` with the
// reason while /health stays 200, processing resumes once the broker is back, and the tables
// equal the truth. Before, the consumer crashed and the process exited 1 about when the broker returned.

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
import { probeWhile, type ProbeLog } from '../e2e/helpers/probes.js';
import { dumpTopics } from './helpers/topic-dump.js';

const VIEWS = 200_000;
const PAGES = 1000;
const OUTAGE_MS = 20_000;
const SESSION_TIMEOUT_MS = 10_000;
const ALL = Array.from({ length: PARTITIONS }, (_, p) => p);

/** Starts a broker of our own: this test stops it, which the shared one must never be. */
function startBroker(): Promise<TestBroker> {
  const classpath = process.env['STREAMD_TEST_KAFKA_CLASSPATH'];
  return TestBroker.start(classpath === undefined || classpath === '' ? {} : { classpath });
}

/** The repartition partitions of the worker's last assignment, once it processes them. */
function processing(app: PageViewsCluster, worker: ClusterWorker, since = 0): number[] | undefined {
  const last = assignments(worker.daemon).at(-1);
  if (last === undefined || last.time < since || last.readyAt === undefined) return undefined;
  return partitionsOf(app.repartition, last.partitions);
}

function summary(log: ProbeLog): string {
  const count = (answers: ProbeLog['ready'], status: number): number => answers.filter((a) => a.status === status).length;
  return `/health ${count(log.health, 200)}×200 of ${log.health.length}; /ready ${count(log.ready, 200)}×200, ${count(log.ready, 503)}×503 of ${log.ready.length}`;
}

describe('two workers through a broker restart', () => {
  let broker: TestBroker | undefined;
  let app: PageViewsCluster | undefined;
  let hasPassed = false;
  const timeline: Record<string, number> = {};
  after(async () => {
    // After a failure, the workers' logs, the outage's times and every record of the app's topics
    // (topic-dump.ts) for a post-mortem: the test prints where they are.
    if (app !== undefined && !hasPassed) {
      const dir = await mkdtemp(join(tmpdir(), `${app.appId}-logs-`));
      for (const w of app.workers) await writeFile(join(dir, `${w.name}.log`), w.daemon.output.join('\n'));
      await writeFile(join(dir, 'timeline.json'), JSON.stringify(timeline));
      await dumpTopics(app, dir, 60_000).catch((err: unknown) => console.log(`could not dump the topics: ${String(err)}`));
      console.log(`worker logs: ${dir}`);
    }
    await app?.close();
    await broker?.stop();
  });

  it('carry on without exiting through a 20 s outage: /ready 503 with the reason meanwhile, /health 200, exact tables after', { timeout: 420_000 }, async () => {
    broker = await startBroker();
    app = new PageViewsCluster({ standbyReplicas: 0, sessionTimeoutMs: SESSION_TIMEOUT_MS, broker: broker.bootstrap });
    const cluster = app;
    await cluster.setUp();
    const workers = [await cluster.start('a'), await cluster.start('b')];
    const exits: (DaemonExit | undefined)[] = workers.map(() => undefined);
    workers.forEach((w, i) => void w.daemon.exited.then((exit) => (exits[i] = exit)));
    const assertRunning = (when: string): void => {
      workers.forEach((w, i) => assert.equal(exits[i], undefined, `${w.name} exited ${when} (${JSON.stringify(exits[i])}):\n${w.daemon.tail(30)}`));
    };
    await waitFor(() => workers.every((w) => (processing(cluster, w)?.length ?? 0) > 0), {
      timeoutMs: 90_000,
      intervalMs: 100,
      message: () => `both workers processing some partitions:\n${workers.map((w) => w.daemon.tail(10)).join('\n')}`,
    });

    await cluster.produceViews(0, VIEWS / 2, PAGES);
    await waitFor(async () => (await cluster.progress(cluster.repartition)).committed >= BigInt(VIEWS / 20), { timeoutMs: 90_000, intervalMs: 50, message: 'a tenth of the first half counted' });
    const [input, repartition] = [await cluster.progress(cluster.input), await cluster.progress(cluster.repartition)];
    const isMidStream = input.committed < input.end || repartition.committed < repartition.end;

    const stoppingAt = Date.now();
    timeline['stopping'] = stoppingAt;
    await broker.stopKeepingData();
    const downAt = Date.now();
    timeline['down'] = downAt;
    const probes = await probeWhile(
      workers.map((w) => w.daemon),
      () => Date.now() - downAt >= OUTAGE_MS,
    );
    assertRunning('during the outage');
    const restartMs = await broker.restart();
    const upAt = Date.now();
    timeline['up'] = upAt;
    const backAt = await Promise.all(
      workers.map(async (w) => {
        await w.daemon.waitReady(120_000);
        return Date.now();
      }),
    );

    // Input flows again; everything is counted exactly once in the tables.
    await cluster.produceViews(VIEWS / 2, VIEWS, PAGES);
    await cluster.waitCommittedToEnd(cluster.input, 180_000);
    await cluster.waitCommittedToEnd(cluster.repartition, 60_000);
    assertRunning('after the outage');
    const finals = await waitFor(
      () => {
        const owned = workers.map((w) => processing(cluster, w));
        return owned.every((o) => o !== undefined) && [...owned.flat()].sort().join() === ALL.join() && owned;
      },
      { timeoutMs: 60_000, intervalMs: 100, message: 'the two workers processing every partition between them' },
    );

    console.log(
      `broker stopped in ${downAt - stoppingAt} ms (mid-stream: ${isMidStream}; ${input.committed}/${input.end} views read, ${repartition.committed}/${repartition.end} counted), ` +
        `down ${upAt - downAt} ms (restart took ${restartMs} ms); workers ready again ${backAt.map((t, i) => `${workers[i]!.name} +${t - upAt} ms`).join(', ')} after the broker was up`,
    );
    workers.forEach((w, i) => {
      const log = probes[i]!;
      console.log(`${w.name} during the outage: ${summary(log)}; first 503 ${(log.ready.find((a) => a.status === 503)?.atMs ?? NaN) - downAt} ms after the stop`);
      assert.ok(log.health.length > 0 && log.health.every((a) => a.status === 200), `${w.name}: /health answered 200 throughout the outage (${summary(log)})`);
      const unavailable = log.ready.filter((a) => a.status === 503 && a.body?.['phase'] === 'broker-unavailable');
      assert.ok(unavailable.length > 0, `${w.name}: /ready answered 503 broker-unavailable during the outage (${summary(log)}; last: ${JSON.stringify(log.ready.at(-1)?.body)})`);
      const broken = unavailable.at(-1)!.body!['broker'] as Record<string, unknown>;
      assert.equal(typeof broken['since'], 'string', 'the 503 says since when');
      assert.equal(typeof broken['lastError'], 'string', 'the 503 says the last error');
      assert.match(String(unavailable.at(-1)!.body!['message']), /cannot reach the Kafka broker/);
    });
    assert.ok(isMidStream, 'the broker stopped mid-stream');

    for (const w of workers) assert.deepEqual(await w.daemon.terminate(), { code: 0, signal: null }, w.daemon.tail());
    const { truth, stores: tables, changelog, report } = await finalCounts(cluster, workers, finals, VIEWS, PAGES);
    console.log(`tables after: ${report}`);
    assert.deepEqual(tables, truth, "the workers' stores of the partitions they hold give every page its true count");
    assert.deepEqual(changelog, truth, "the changelog's last value of every page is its true count");
    hasPassed = true;
  });
});
